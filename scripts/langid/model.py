"""Language sets, training (smoothed naive Bayes over hashed word and character n-gram features)
and the scorer that Sources/LanguageID/LanguageIdentifier.swift mirrors."""
import math
from collections import defaultdict

from features import clean_tokens, script_counts, word_features

# Scripts shared by several supported languages get a statistical model; a script used by one
# supported language decides it outright ("hi" also has a Latin class: romanized Hindi).
GROUPS = {
    "latin": ["en", "es", "pt", "fr", "de", "it", "nl", "sv", "da", "nb", "fi", "pl", "cs", "sk", "sl",
              "hr", "ro", "hu", "tr", "et", "lv", "lt", "sq", "is", "ga", "cy", "eu", "ca", "gl", "af",
              "az", "id", "ms", "tl", "vi", "sw", "eo", "hi"],
    "cyrillic": ["ru", "uk", "bg", "mk", "be", "sr", "kk", "mn"],
    "arabic": ["ar", "fa", "ur"],
    "devanagari": ["hi", "mr", "ne"],
}
SINGLE = {"greek": "el", "hebrew": "he", "bengali": "bn", "gurmukhi": "pa", "gujarati": "gu",
          "oriya": "or", "tamil": "ta", "telugu": "te", "kannada": "kn", "malayalam": "ml",
          "sinhala": "si", "thai": "th", "lao": "lo", "myanmar": "my", "georgian": "ka",
          "armenian": "hy", "hangul": "ko", "ethiopic": "am", "khmer": "km", "kana": "ja", "han": "zh"}
SUPPORTED = sorted({l for ls in GROUPS.values() for l in ls} | set(SINGLE.values()))


def dominant_script(counts):
    """The script that decides: kana anywhere makes Japanese (kanji + kana); otherwise the script
    with the most letters, where any non-Latin script with at least a third of the letters wins
    over Latin (a non-Latin script is not English)."""
    if not counts:
        return None
    if counts.get("kana", 0) > 0 and counts.get("kana", 0) + counts.get("han", 0) >= sum(counts.values()) / 3:
        return "kana"
    total = sum(counts.values())
    best = max(counts, key=lambda s: (counts[s], s != "latin"))
    if best == "latin":
        other = max((s for s in counts if s != "latin"), key=lambda s: counts[s], default=None)
        if other and counts[other] * 3 >= total:
            return other
    return best


class Params:
    """Everything the scorer needs besides the tables; written into the model header."""
    def __init__(self, alpha=0.1, word_weight=12.0, gram_weight=1.0, beta=0.5, top_k=40, mass=1e6, min_gain=1.0 / 32,
                 min_confidence=0.3, english_confidence=0.99, min_letters=3, min_count=2.0):
        self.alpha, self.word_weight, self.gram_weight = alpha, word_weight, gram_weight
        self.beta, self.top_k, self.mass, self.min_gain = beta, top_k, mass, min_gain
        self.min_confidence, self.english_confidence = min_confidence, english_confidence
        self.min_letters = min_letters  # fewer letters than this ("ok", "k") is too little evidence
        self.min_count = min_count  # features seen less (summed weight over the group) are dropped: model size


def train(lines_by_lang, params):
    """Per group: {feature hash: [(lang index, delta)]}, floors [(word floor, gram floor)]."""
    tables = {}
    for group, langs in GROUPS.items():
        counts = [defaultdict(float), defaultdict(float)]  # by kind: hash -> [per-lang]
        per_lang = [[defaultdict(float), defaultdict(float)] for _ in langs]
        totals = [[0.0, 0.0] for _ in langs]
        for li, lang in enumerate(langs):
            for text, weight in lines_by_lang.get((group, lang), []):
                for w in clean_tokens(text):
                    for h, kind in word_features(w):
                        per_lang[li][kind][h] += weight
                        totals[li][kind] += weight
        seen = defaultdict(float)
        for li in range(len(langs)):
            for kind in (0, 1):
                for h, c in per_lang[li][kind].items():
                    seen[h] += c
        table = defaultdict(dict)
        for kind in (0, 1):
            for li in range(len(langs)):
                if totals[li][kind] == 0:
                    continue
                scale = params.mass / totals[li][kind]
                for h, c in per_lang[li][kind].items():
                    if seen[h] >= params.min_count:
                        table[h][li] = math.log1p(c * scale / params.alpha)
        # Each feature stores its languages' gains over the feature's lowest value (0 when some
        # language never saw it): that shared base cancels in the softmax, and small gains are dropped.
        for h, vals in table.items():
            base = min(vals.values()) if len(vals) == len(langs) else 0.0
            ents = sorted(((li, v - base) for li, v in vals.items() if v - base >= params.min_gain), key=lambda e: -e[1])
            table[h] = ents[: params.top_k]
        tables[group] = {h: e for h, e in table.items() if e}
    return tables


def score_group(tables, group, words, params):
    """Per-language log scores (relative: the shared floor is dropped) and the number of known features."""
    table = tables[group]
    n = len(GROUPS[group])
    scores = [0.0] * n
    known = 0
    for w in words:
        for h, kind in word_features(w):
            entries = table.get(h)
            if not entries:
                continue
            known += 1
            weight = params.word_weight if kind == 0 else params.gram_weight
            for li, delta in entries:
                scores[li] += weight * delta
    return scores, known


def identify(tables, text, params, names=()):
    """(language or "und", confidence, script) the way the Swift side computes it."""
    words = clean_tokens(text, names)
    script = dominant_script(script_counts(words))
    if script is None:
        return "und", 0.0, None
    if script in SINGLE:
        return SINGLE[script], 1.0, script
    if script not in GROUPS:
        return "und", 0.0, script
    group_words = [w for w in words if any(c for c in w if _in_script(c, script))]
    scores, known = score_group(tables, script, group_words, params)
    if known == 0:
        return "und", 0.0, script
    m = max(scores)
    exps = [math.exp((s - m) * params.beta) for s in scores]
    z = sum(exps)
    best = max(range(len(scores)), key=lambda i: scores[i])
    lang, conf = GROUPS[script][best], exps[best] / z
    needed = params.english_confidence if lang == "en" else params.min_confidence
    letters = sum(len(w) for w in group_words)
    return (lang if conf >= needed and letters >= params.min_letters else "und"), conf, script


def _in_script(ch, script):
    from features import script_of
    return script_of(ch) == script
