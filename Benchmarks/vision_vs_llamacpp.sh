#!/usr/bin/env bash
# One 336-pixel tile through the Llama 4 vision encoder: Chorus (`chorus bench vision`) against
# llama.cpp's llama-mtmd-cli, back to back, ROUNDS times, one thread each (BENCHMARKS.md, "Llama 4 vision").
# CPU seconds: Chorus's own CLOCK_PROCESS_CPUTIME_ID figure per encode; llama.cpp's process user+system
# time with the image minus the same command without it (load, prompt and one token).
# Usage: Benchmarks/vision_vs_llamacpp.sh [ROUNDS] (default 3); needs a release build and
# .models/scout-{mmproj-random.f16,text-stub.f32}.gguf (scripts/make_vision_reference.py --scout).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
BIN=${LLAMA_BIN:-/work/oracle/llama-build/bin}
MM=.models/scout-mmproj-random.f16.gguf TEXT=.models/scout-text-stub.f32.gguf
IMG=Tests/MoETests/Fixtures/vision/mtmd-336.png
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
cpu() { /usr/bin/time -f "%U %S" -o /tmp/vision_bench_time "$@" </dev/null >/tmp/vision_bench_out 2>&1; awk '{print $1 + $2}' /tmp/vision_bench_time; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
    line=$(.build/release/chorus bench vision --mmproj "$MM" --threads 1 --image "$IMG" --repeats 1 | tail -1)
    echo "chorus: ${line#*: }"
    with=$(cpu "$BIN/llama-mtmd-cli" -m "$TEXT" --mmproj "$MM" -t 1 --image "$IMG" -p "describe" -n 1 --temp 0)
    enc=$(grep -o "batch encoding done in [0-9]* ms" /tmp/vision_bench_out | grep -o "[0-9]*" || true)
    without=$(cpu "$BIN/llama-mtmd-cli" -m "$TEXT" --mmproj "$MM" -t 1 -p "describe" -n 1 --temp 0)
    echo "llama.cpp: $(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.2f", a - b }') s CPU (with image $with, without $without), encoding ${enc:-?} ms wall"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
