#!/usr/bin/env bash
# Chorus's MoE engine against llama.cpp on the same GGUF files, same thread count, same run.
#
#   Benchmarks/engine_vs_llamacpp.sh [-t THREADS] [-r REPEATS] [-p PROMPT] [-n DECODE] MODEL.gguf...
#
# For each model: `chorus bench model` (prompt tok/s, decode tok/s, aggregate decode at 1/4/8/16
# sequences), then llama.cpp's `llama-bench` (pp PROMPT, tg DECODE) and `llama-batched-bench`
# (shared PROMPT-token prompt, DECODE generated, 1/4/8/16 sequences), and one line of ratios
# (ours / llama.cpp). Each tool runs its figures REPEATS times; ours reports medians,
# llama-bench means, llama-batched-bench one run per figure (so its run is repeated REPEATS
# times and the median taken here).
# Environment: CHORUS (default .build/release/chorus), LLAMA_BIN (default /work/oracle/llama-build/bin),
# BANDWIDTH_GBS (memory read bandwidth for the bandwidth share; ENGINE.md: ~30 one thread, ~58 two).
set -euo pipefail

threads=1 repeats=3 prompt=128 decode=64
while getopts "t:r:p:n:" opt; do
    case $opt in
        t) threads=$OPTARG ;; r) repeats=$OPTARG ;; p) prompt=$OPTARG ;; n) decode=$OPTARG ;;
        *) echo "usage: $0 [-t THREADS] [-r REPEATS] [-p PROMPT] [-n DECODE] MODEL.gguf..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-t THREADS] [-r REPEATS] [-p PROMPT] [-n DECODE] MODEL.gguf..." >&2; exit 2; }

cd "$(dirname "$0")/.."
chorus=${CHORUS:-.build/release/chorus}
bin=${LLAMA_BIN:-/work/oracle/llama-build/bin}
bandwidth=${BANDWIDTH_GBS:-$([ "$threads" -ge 2 ] && echo 58 || echo 30)}
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
[ -x "$chorus" ] || { echo "build it first: swift build -c release --product chorus" >&2; exit 1; }

for model in "$@"; do
    ours=$("$chorus" bench model "$model" --threads "$threads" --prompt-tokens "$prompt" --decode-tokens "$decode" \
        --repeats "$repeats" --bandwidth-gbs "$bandwidth" --json)
    bench=$("$bin/llama-bench" -m "$model" -t "$threads" -p "$prompt" -n "$decode" -r "$repeats" -o jsonl 2>/dev/null)
    batched=""
    for _ in $(seq "$repeats"); do
        batched+=$("$bin/llama-batched-bench" -m "$model" -t "$threads" -c $(((prompt + decode) * 16 + 64)) \
            -npp "$prompt" -ntg "$decode" -npl 1,4,8,16 -pps --output-format jsonl 2>/dev/null | grep '^{')$'\n'
    done
    OURS=$ours BENCH=$bench BATCHED=$batched MODEL=$model THREADS=$threads python3 - <<'PY'
import json, os, statistics
ours = json.loads(os.environ["OURS"])
bench = [json.loads(l) for l in os.environ["BENCH"].splitlines() if l.startswith("{")]
pp = next(b["avg_ts"] for b in bench if b["n_gen"] == 0)
tg = next(b["avg_ts"] for b in bench if b["n_prompt"] == 0)
runs = [json.loads(l) for l in os.environ["BATCHED"].splitlines() if l.startswith("{")]
agg = {str(pl): statistics.median(r["speed_tg"] for r in runs if r["pl"] == pl) for pl in sorted({r["pl"] for r in runs})}
name, t = os.path.basename(os.environ["MODEL"]), os.environ["THREADS"]
print(f"== {name}, {t} thread(s), kernels {ours['kernels']}")
print(f"{'':24}{'chorus':>10}{'llama.cpp':>11}{'ratio':>8}")
def row(label, a, b): print(f"{label:24}{a:10.1f}{b:11.1f}{a / b:8.2f}")
row(f"prompt {ours['prompt_tokens']} tok/s", ours["prompt_tps"], pp)
row(f"decode tok/s", ours["decode_tps"], tg)
for n in sorted(agg, key=int):
    if n in ours["aggregate_tps"]:
        row(f"aggregate {n} seq tok/s", ours["aggregate_tps"][n], agg[n])
share = ours.get("bandwidth_share")
print(f"time to first token {ours['ttft_ms']:.1f} ms; peak RSS {ours['peak_rss_mb']:.0f} MB; "
      f"{ours['bytes_per_token'] / 1e6:.1f} MB read per decoded token"
      + (f" = {share * 100:.0f}% of the bandwidth limit at decode" if share else ""))
print("json " + json.dumps({"model": name, "threads": int(t), "chorus": ours,
                            "llama": {"pp": pp, "tg": tg, "aggregate": agg}}, sort_keys=True))
PY
done
