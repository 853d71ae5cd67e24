#!/usr/bin/env bash
# Fuzzes Chorus's parsers with libFuzzer for a fixed budget per target (default 60 s):
# webhooks (three decoders, JSON reader, signature, handshake), GGUF reader, tokenizers.
# Corpora grow in Fuzz/Corpus/<target> (seeded from the test fixtures); crashes land in
# Fuzz/Crashes/<target>: turn each into a regression test, then fix it.
# Usage: scripts/fuzz.sh [seconds per target] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-60}"; shift || true
targets=("${@:-FuzzWebhooks FuzzGGUF FuzzTokenizer}")
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --package-path Fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer
bin=$(swift build -c release --package-path Fuzz --scratch-path .build-fuzz --show-bin-path)
seed() {
  mkdir -p "Fuzz/Corpus/$1"
  case "$1" in
    FuzzWebhooks) find Tests/AdapterTests/Fixtures -name '*.json' -size -64k -exec cp {} "Fuzz/Corpus/$1/" \; ;;
    FuzzGGUF) find Tests/MoETests/Fixtures/models -name '*.gguf' -size -400k -exec cp {} "Fuzz/Corpus/$1/" \; ;;
    FuzzTokenizer) find Tests/MoETests/Fixtures/vocab -name '*.inp' -exec cp {} "Fuzz/Corpus/$1/" \; ;;
  esac
}
for target in ${targets[*]}; do
  seed "$target"
  mkdir -p "Fuzz/Crashes/$target"
  echo "== $target: $budget s"
  "$bin/$target" "Fuzz/Corpus/$target" -max_total_time="$budget" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="Fuzz/Crashes/$target/" -print_final_stats=1 2>&1 | grep -E "stat::number_executed_units|DONE|ERROR|crash-|Test unit written|deadly signal" || true
  echo "crashes: $(ls "Fuzz/Crashes/$target" | wc -l)"
done
