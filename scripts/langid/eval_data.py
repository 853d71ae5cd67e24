#!/usr/bin/env python3
"""Builds the held-out evaluation set for the language identifier: Benchmarks/langid/eval.tsv.

    pip download --no-deps -d .build/langid/eval-wheels django==5.2.19 chatterbot-corpus==1.3.3 wordfreq==3.1.1
    pip install wordfreq==3.1.1          # the 1- and 2-word texts come from its lists
    python3 scripts/langid/eval_data.py

Evaluation-only sources, never used for training or tuning: Django's translation catalogs
(BSD-3-Clause), chatterbot-corpus's conversations (BSD-3-Clause) and wordfreq's word lists
(Apache-2.0 code, CC BY-SA 4.0 data). Any text whose cleaned words also occur as a training line
is dropped, so the set is disjoint from the training data.

Labels are taken from the sources as they are, with two labeling facts (decided from the sources
alone, never from any identifier's answers): a catalog entry whose translation has the same words
as its English msgid is untranslated, and a line in a non-English chatterbot file that also occurs
in chatterbot's English files (same words) is an untranslated copy; neither is a text in the
labeled language. Until 2026-11-29 the set also dropped non-English texts made only of words at
least as frequent in English as in the labeled language (by wordfreq); that rule was added after
seeing results, so it is gone. `--wordfreq-english-filter` rebuilds that older set (to another
--out) only to compare figures with and without it.
Hand-written hard cases
(hard_cases.tsv: emoji, URLs, numbers, "ok"/"lol"/"?", code-mixed, no diacritics, ALL CAPS,
Hinglish) are copied to Benchmarks/langid/hard_cases.tsv.

Output columns: language <TAB> length bucket (1-2, 3-5, 6+) <TAB> source <TAB> text.
"""
import argparse
import glob
import os
import random
import re
import sys
import zipfile
from collections import defaultdict

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
from features import clean_tokens  # noqa: E402
from model import SUPPORTED  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PER_BUCKET = 40  # texts per language, length bucket and source at most
CHATTERBOT = {"english": "en", "spanish": "es", "portuguese": "pt", "french": "fr", "german": "de",
              "italian": "it", "dutch": "nl", "swedish": "sv", "indonesian": "id", "turkish": "tr",
              "russian": "ru", "ukrainian": "uk", "hindi": "hi", "marathi": "mr", "bengali": "bn",
              "telugu": "te", "tamil": "ta", "thai": "th", "korean": "ko", "japanese": "ja", "chinese": "zh",
              "traditionalchinese": "zh", "persian": "fa", "urdu": "ur", "hebrew": "he", "oriya": "or",
              "hinglish": "hi"}


def bucket(text):
    n = len(clean_tokens(text))
    return None if n == 0 else "1-2" if n <= 2 else "3-5" if n <= 5 else "6+"


def django_texts(wheels):
    out = defaultdict(list)
    path = sorted(glob.glob(os.path.join(wheels, "django-*.whl")))[-1]
    with zipfile.ZipFile(path) as z:
        for n in sorted(z.namelist()):
            m = re.search(r"/locale/([^/]+)/LC_MESSAGES/django(js)?\.po$", n)
            if m and (lang := corpus.norm_locale(m.group(1))) in SUPPORTED and lang != "en":
                for k, v in corpus._po_pairs(z.read(n).decode("utf-8", "replace")):
                    if clean_tokens(v) == clean_tokens(k):
                        continue  # untranslated: not a text in the catalog's language
                    out[lang].append(corpus._clean_message(v))
                    out["en"].append(corpus._clean_message(k))
    return out


def chatterbot_texts(wheels):
    out = defaultdict(list)
    path = sorted(glob.glob(os.path.join(wheels, "chatterbot_corpus-*.whl")))[-1]
    with zipfile.ZipFile(path) as z:
        for n in sorted(z.namelist()):
            m = re.match(r"chatterbot_corpus/data/([a-z]+)/[^/]+\.yml$", n)
            if not m or m.group(1) not in CHATTERBOT:
                continue
            lang = CHATTERBOT[m.group(1)]
            try:
                data = yaml.safe_load(z.read(n).decode("utf-8", "replace"))
            except yaml.YAMLError:
                continue
            for conv in (data or {}).get("conversations", []) or []:
                for line in conv or []:
                    if not isinstance(line, str):
                        continue
                    line = " ".join(line.split())
                    out[lang].append(line)
    # Lines copied untranslated from the English files (a labeling fact, not a model's judgement).
    english = {" ".join(clean_tokens(t)) for t in out.get("en", [])}
    for lang in out:
        if lang != "en":
            out[lang] = [t for t in out[lang] if " ".join(clean_tokens(t)) not in english]
    return out


def wordfreq_texts(rng):
    """1- and 2-word texts from wordfreq's lists, dropping words that are nearly as frequent in
    another supported language (their label is unknowable)."""
    import wordfreq
    langs = [l for l in SUPPORTED if l in wordfreq.available_languages(wordlist="best") and l not in ("ja", "ko", "zh")]  # those need MeCab/jieba
    out = defaultdict(list)
    for lang in langs:
        words = [w for w in wordfreq.top_n_list(lang, 5000)[50:] if re.fullmatch(r"[^\W\d_]+(?:'[^\W\d_]+)?", w)]
        rng.shuffle(words)
        kept = []
        for w in words:
            f = wordfreq.word_frequency(w, lang)
            if all(wordfreq.word_frequency(w, o) * 3 < f for o in langs if o != lang):
                kept.append(w)
            if len(kept) >= 3 * PER_BUCKET:
                break
        out[lang].extend(kept[:PER_BUCKET])
        rest = kept[PER_BUCKET:]
        out[lang].extend(f"{a} {b}" for a, b in zip(rest[0::2], rest[1::2]))
    return out


def english_looking(text, lang, english_words):
    """The retired rule (--wordfreq-english-filter only): true when every word is an English word at least as frequent in English as in `lang`
    (wordfreq; a common English word where wordfreq has no list for `lang`): English left in a catalog or an English line in another language's chatterbot file.
    Such a text is not evidence of `lang`, and it would count as a false English answer for everyone."""
    import wordfreq
    words = clean_tokens(text)
    has_list = lang in wordfreq.available_languages(wordlist="best") and lang not in ("ja", "ko", "zh")
    def englishish(w):
        if not has_list:
            return w in english_words
        en = wordfreq.word_frequency(w, "en")
        return en > 0 and en >= wordfreq.word_frequency(w, lang)
    return bool(words) and all(englishish(w) for w in words)


def training_keys(train_wheels, train_debs):
    keys = set()
    for source, folder in [(s, train_wheels) for s in corpus.ALL] + [(s, train_debs) for s in corpus.DEBIAN]:
        for texts in source(folder).values():
            keys.update(" ".join(clean_tokens(t)) for t in texts)
    for texts in corpus.seeds(os.path.join(os.path.dirname(__file__), "seed_chat.tsv")).values():
        keys.update(" ".join(clean_tokens(t)) for t in texts)
    return keys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wheels", default=os.path.join(ROOT, ".build", "langid", "eval-wheels"))
    ap.add_argument("--train-wheels", default=os.path.join(ROOT, ".build", "langid", "wheels"))
    ap.add_argument("--train-debs", default=os.path.join(ROOT, ".build", "langid", "debs"))
    ap.add_argument("--out", default=os.path.join(ROOT, "Benchmarks", "langid"))
    ap.add_argument("--wordfreq-english-filter", action="store_true",
                    help="also apply the retired rule (drop non-English texts of English-frequent words); for comparison only")
    args = ap.parse_args()
    rng = random.Random(20261129)
    import wordfreq
    english_words = set(wordfreq.top_n_list("en", 30000))
    train = training_keys(args.train_wheels, args.train_debs)
    rows, seen = [], set()
    for source, texts in (("django", django_texts(args.wheels)), ("chatterbot", chatterbot_texts(args.wheels)),
                          ("wordfreq", wordfreq_texts(rng))):
        for lang in sorted(texts):
            by_bucket = defaultdict(list)
            for t in texts[lang]:
                t = " ".join(t.split())
                key = " ".join(clean_tokens(t))
                b = bucket(t)
                if args.wordfreq_english_filter and lang != "en" and english_looking(t, lang, english_words):
                    continue
                if b and key not in train and (lang, key) not in seen and "\t" not in t:
                    seen.add((lang, key))
                    by_bucket[b].append(t)
            for b, items in sorted(by_bucket.items()):
                rng.shuffle(items)
                rows.extend((lang, b, source, t) for t in items[:PER_BUCKET])
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "eval.tsv"), "w", encoding="utf-8") as f:
        f.write("# language\tbucket\tsource\ttext  (held out: built by scripts/langid/eval_data.py)\n")
        for r in sorted(rows):
            f.write("\t".join(r) + "\n")
    src = os.path.join(os.path.dirname(__file__), "hard_cases.tsv")
    with open(src, encoding="utf-8") as f, open(os.path.join(args.out, "hard_cases.tsv"), "w", encoding="utf-8") as g:
        g.write(f.read())
    langs = sorted({r[0] for r in rows})
    print(f"{len(rows)} texts in {len(langs)} languages: {' '.join(langs)}")
    for b in ("1-2", "3-5", "6+"):
        print(b, sum(1 for r in rows if r[1] == b))


if __name__ == "__main__":
    main()
