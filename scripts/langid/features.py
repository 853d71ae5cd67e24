"""Text cleaning, script detection and feature hashing for Chorus's language identifier.

This file is the reference for Sources/LanguageID/TextCleaner.swift, Script.swift and
FeatureHasher.swift: the model is only valid if both sides compute the same features, so any
change here must be made there too (and the model rebuilt).
"""
import re
import unicodedata

# Scripts, by Unicode block ranges (https://www.unicode.org/charts/). Order matters only for speed.
SCRIPTS = [
    "latin", "cyrillic", "greek", "armenian", "hebrew", "arabic", "devanagari", "bengali",
    "gurmukhi", "gujarati", "oriya", "tamil", "telugu", "kannada", "malayalam", "sinhala",
    "thai", "lao", "myanmar", "georgian", "hangul", "ethiopic", "khmer", "kana", "han",
]
_RANGES = [
    (0x0041, 0x024F, "latin"), (0x1E00, 0x1EFF, "latin"), (0x2C60, 0x2C7F, "latin"), (0xA720, 0xA7FF, "latin"),
    (0xFF21, 0xFF5A, "latin"),
    (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"), (0x1C80, 0x1C8F, "cyrillic"), (0x2DE0, 0x2DFF, "cyrillic"), (0xA640, 0xA69F, "cyrillic"),
    (0x0530, 0x058F, "armenian"), (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"), (0x0980, 0x09FF, "bengali"), (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"), (0x0B00, 0x0B7F, "oriya"), (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"), (0x0C80, 0x0CFF, "kannada"), (0x0D00, 0x0D7F, "malayalam"),
    (0x0D80, 0x0DFF, "sinhala"), (0x0E00, 0x0E7F, "thai"), (0x0E80, 0x0EFF, "lao"),
    (0x1000, 0x109F, "myanmar"), (0x10A0, 0x10FF, "georgian"), (0x1C90, 0x1CBF, "georgian"),
    (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"), (0xAC00, 0xD7AF, "hangul"),
    (0x1200, 0x139F, "ethiopic"), (0x1780, 0x17FF, "khmer"),
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0xFF66, 0xFF9F, "kana"),
    (0x3400, 0x4DBF, "han"), (0x4E00, 0x9FFF, "han"), (0xF900, 0xFAFF, "han"), (0x20000, 0x2FFFF, "han"),
]


def script_of(ch):
    """The script of one letter or mark, or None for anything else."""
    cp = ord(ch)
    for lo, hi, name in _RANGES:
        if lo <= cp <= hi:
            return name
    return None


def is_word_char(ch):
    """Letters and combining marks (general categories L* and M*)."""
    return unicodedata.category(ch)[0] in "LM"


_APOSTROPHES = {"\u2019": "'", "\u02bc": "'", "`": "'"}
_TLDS = {"com", "org", "net", "io", "ly", "gl", "co", "me", "app", "dev", "gov", "edu", "info", "tv", "be"}
_TRIM = "()[]<>\"'.,!?;:"


def is_link(token):
    """URLs, bare domains and e-mail addresses (token already lowercased)."""
    t = token.strip(_TRIM)
    if "://" in t or t.startswith("www."):
        return True
    at = t.find("@")
    if at > 0 and "." in t[at + 1:]:
        return True
    host = t
    for sep in "/:?#":
        host = host.split(sep, 1)[0]
    if "." not in host or any(not (c.isascii() and (c.isalnum() or c in ".-")) for c in host):
        return False
    return host.rsplit(".", 1)[1] in _TLDS


def clean_tokens(text, names=()):
    """Lowercased words of `text`, with URLs, e-mail addresses, @mentions, digits, emoji,
    punctuation and the given names removed. Words keep inner apostrophes ("don't")."""
    text = unicodedata.normalize("NFC", text).lower()
    for a, b in _APOSTROPHES.items():
        text = text.replace(a, b)
    name_set = {n.lower() for name in names for n in name.split()}
    words = []
    for raw in text.split():
        if raw.startswith("@") or is_link(raw):
            continue
        current = []
        for i, ch in enumerate(raw):
            if is_word_char(ch):
                current.append(ch)
            elif ch == "'" and current and i + 1 < len(raw) and is_word_char(raw[i + 1]):
                current.append(ch)
            else:
                if current:
                    words.append("".join(current))
                current = []
        if current:
            words.append("".join(current))
    return [w for w in words if w not in name_set]


# A Han, kana or Hangul character carries about as much as a short word: it counts as three letters
# when scripts compete ("布林值 (True, False 或 None)" is Chinese).
DENSE = {"han": 3, "kana": 3, "hangul": 3}


def script_counts(words):
    """Letters per script over the words (dense scripts weighted, see DENSE)."""
    counts = {}
    for w in words:
        for ch in w:
            s = script_of(ch)
            if s:
                counts[s] = counts.get(s, 0) + DENSE.get(s, 1)
    return counts


# FNV-1a, 64-bit (http://www.isthe.com/chongo/tech/comp/fnv/), over UTF-8 bytes.
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1
WORD_TAG, GRAM_TAG = 0x01, 0x02
MAX_GRAM = 4


def _fnv(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


def word_features(word):
    """The hashed features of one word: the word itself (kind 0) and the character 1..4-grams of
    " word " (kind 1; the lone spaces excluded). Returns [(hash64, kind)]."""
    out = [(_fnv(_fnv(FNV_OFFSET, [WORD_TAG]), word.encode()), 0)]
    chars = [" "] + list(word) + [" "]
    encoded = [c.encode() for c in chars]
    for i in range(len(chars)):
        h = _fnv(FNV_OFFSET, [GRAM_TAG])
        for n in range(MAX_GRAM):
            if i + n >= len(chars):
                break
            h = _fnv(h, encoded[i + n])
            if n == 0 and chars[i] == " ":
                continue
            out.append((h, 1))
    return out
