"""Training data for the bundled model: chatterbot-corpus (BSD-3-Clause) + hand-written small talk.

A conversation is a list of turns alternating user, assistant (user first). Each sample is a
conversation plus an optional system prompt, as Chorus's PromptBuilder writes them.
"""
from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import yaml

from smalltalk import conversations as smalltalk_conversations

# ISO code -> (chatterbot-corpus folder, English name as Foundation's Locale writes it)
LANGS = {
    "en": ("english", "English"),
    "es": ("spanish", "Spanish"),
    "fr": ("french", "French"),
    "de": ("german", "German"),
    "pt": ("portuguese", "Portuguese"),
    "it": ("italian", "Italian"),
}

# How many times each source is repeated per epoch (the small languages are upsampled).
CORPUS_REPEAT = {"en": 1, "es": 2, "fr": 5, "de": 5, "pt": 2, "it": 2}
SMALLTALK_REPEAT = 3

SYSTEM_PROMPT = ("You are {name}, a friendly assistant chatting on a messaging app. "
                 "Answer briefly, in the language the person writes in.")
BOT_NAMES = ["Chorus", "Chorus", "Chorus", "Ava", "Max", "Lia"]
MAX_TURN_CHARS = 400


def corpus_dir() -> Path:
    env = os.environ.get("CHATTERBOT_CORPUS_DIR")
    if env:
        return Path(env)
    import chatterbot_corpus  # pip install --no-deps chatterbot-corpus==1.3.3
    return Path(chatterbot_corpus.__file__).parent / "data"


def _clean(x) -> str | None:
    if x is None:
        return None
    s = str(x).strip()
    if not s or len(s) > MAX_TURN_CHARS:
        return None
    return s


def load_corpus(lang: str) -> list[list[str]]:
    folder = corpus_dir() / LANGS[lang][0]
    convs = []
    for f in sorted(folder.glob("*.yml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        for conv in doc.get("conversations") or []:
            turns = [_clean(t) for t in conv]
            if any(t is None for t in turns) or len(turns) < 2:
                continue
            convs.append(turns)
            # Also every later (statement, answer) pair, so each answer is seen answering a user turn.
            for i in range(1, len(turns) - 1, 2):
                convs.append(turns[i:i + 2])
    return convs


def is_heldout(turns: list[str]) -> bool:
    h = hashlib.sha256("\x00".join(turns).encode()).digest()[0]
    return h < 13  # ~5%


def casual(text: str) -> str:
    """How people often type a greeting: lower case, no closing punctuation ("hola", "salut")."""
    return text.lower().rstrip(" !?.¡¿").lstrip("¡¿")


def build(seed: int = 1234, augment: bool = False):
    """Returns (train, heldout): lists of dict(lang, system, turns). Deterministic. With `augment`
    (the vision stage's text replay), every small-talk pair also appears with its user turn typed
    casually (lower case, no punctuation)."""
    rng = random.Random(seed)
    train, held = [], []
    for lang in LANGS:
        corpus = load_corpus(lang)
        seen = set()
        for turns in corpus:
            key = tuple(turns)
            if key in seen:
                continue
            seen.add(key)
            if is_heldout(turns):
                held.append(dict(lang=lang, turns=turns, system=None))
            else:
                train += [dict(lang=lang, turns=turns, system=None)] * CORPUS_REPEAT[lang]
        small = smalltalk_conversations(lang, rng)
        train += [dict(lang=lang, turns=t, system=None) for t in small] * SMALLTALK_REPEAT
        if augment:
            extra = [[casual(t[0])] + t[1:] for t in small if casual(t[0]) and casual(t[0]) != t[0]]
            train += [dict(lang=lang, turns=t, system=None) for t in extra] * SMALLTALK_REPEAT
    # System prompts on ~40% of the training samples, half of them with the language note.
    out = []
    for s in train:
        s = dict(s)
        r = rng.random()
        if r < 0.4:
            sysp = SYSTEM_PROMPT.replace("{name}", rng.choice(BOT_NAMES))
            if r < 0.2:
                name = LANGS[s["lang"]][1]
                sysp += f" The person writes in {name}; answer in {name}."
            s["system"] = sysp
        out.append(s)
    return out, held


def all_text(samples) -> list[str]:
    texts = [SYSTEM_PROMPT]
    for s in samples:
        texts += s["turns"]
        if s["system"]:
            texts.append(s["system"])
    return texts
