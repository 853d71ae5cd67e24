#!/usr/bin/env python3
"""Chorus's OpenAI-compatible endpoint under concurrent streaming requests.

    Benchmarks/openai_endpoint.py [--threads T] [--repeats R] [--tokens N] [--streams 1,4,8] MODEL.gguf

Starts `chorus engine serve` (release build) on MODEL, then for each concurrency N sends N streaming
chat completions at once (each forced to N tokens with min_tokens = max_tokens), R times, and
reports medians of: aggregate completion tokens/s (all tokens / wall time from the first request
to the last [DONE]) and time to first text. As a peer in the same run, `chorus bench model --json`
gives the in-process engine's aggregate decode at the same concurrencies (no HTTP, no prefill), so
the ratio is what the endpoint keeps of the engine's batched decode. llama.cpp's `llama-server`
would be the natural peer; it is used when LLAMA_SERVER points at one.
Environment: CHORUS (default .build/release/chorus), OPENBLAS_CORETYPE (default Haswell).
"""
import argparse, http.client, json, os, socket, statistics, subprocess, sys, threading, time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_ready(port, proc, path="/healthz", timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("server did not start")

def stream(port, tokens, seed, out):
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "Write a long story about a lighthouse keeper."}],
                       "max_tokens": tokens, "min_tokens": tokens, "seed": seed, "stream": True,
                       "stream_options": {"include_usage": True}})
    start = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    c.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    first, completion, buffer = None, 0, b""
    while True:
        chunk = r.read1(65536)
        if not chunk:
            break
        buffer += chunk
        while b"\n\n" in buffer:
            event, buffer = buffer.split(b"\n\n", 1)
            data = event.decode().removeprefix("data: ")
            if data == "[DONE]":
                continue
            obj = json.loads(data)
            if first is None and any(ch.get("delta", {}).get("content") for ch in obj.get("choices", [])):
                first = time.perf_counter() - start
            if obj.get("usage"):
                completion = obj["usage"]["completion_tokens"]
    out.append((first or 0, completion, time.perf_counter()))

def run(port, n, tokens, seed):
    out = []
    threads = [threading.Thread(target=stream, args=(port, tokens, seed + i, out)) for i in range(n)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = max(end for _, _, end in out) - start
    return sum(c for _, c, _ in out) / wall, statistics.median(f for f, _, _ in out) * 1000

def main():
    p = argparse.ArgumentParser()
    p.add_argument("model"); p.add_argument("--threads", type=int, default=1); p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--tokens", type=int, default=64); p.add_argument("--streams", default="1,4,8")
    a = p.parse_args()
    chorus = os.environ.get("CHORUS", ".build/release/chorus")
    os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
    counts = [int(x) for x in a.streams.split(",")]
    peer = json.loads(subprocess.run([chorus, "bench", "model", a.model, "--threads", str(a.threads), "--decode-tokens", str(a.tokens),
                                      "--repeats", str(a.repeats), "--sequences", a.streams, "--json"], check=True, capture_output=True, text=True).stdout)
    port = free_port()
    proc = subprocess.Popen([chorus, "engine", "serve", "--model", a.model, "--port", str(port), "--threads", str(a.threads),
                             "--parallel", str(max(counts))], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        run(port, 1, 8, 0)  # warm-up
        print(f"== {os.path.basename(a.model)}, {a.threads} thread(s), {a.tokens} tokens per stream, medians of {a.repeats}")
        print(f"{'streams':>8}{'endpoint tok/s':>16}{'in-process tok/s':>18}{'ratio':>8}{'TTFT ms':>9}")
        for n in counts:
            figures = [run(port, n, a.tokens, 1000 * r) for r in range(a.repeats)]
            tps = statistics.median(f[0] for f in figures)
            ttft = statistics.median(f[1] for f in figures)
            inproc = peer["aggregate_tps"].get(str(n))
            ratio = f"{tps / inproc:8.2f}" if inproc else f"{'-':>8}"
            print(f"{n:>8}{tps:16.1f}{(inproc or 0):18.1f}{ratio}{ttft:9.1f}")
    finally:
        proc.terminate()
        proc.wait()

if __name__ == "__main__":
    main()
