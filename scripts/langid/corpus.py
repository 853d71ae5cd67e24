"""Training text for the language identifier, read from pinned PyPI wheels (see sources.txt) and
from Debian packages (see debian.txt; downloaded with apt-get, read as data, never installed).

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
import tarfile
import zipfile
import zlib
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
    """(msgid, msgstr) pairs of a .po file (first plural form only). The header (the entry with an
    empty msgid: Project-Id-Version, Last-Translator, …) is metadata, not a message, and is skipped."""
    msgid, msgstr, cur = [], [], None
    for line in text.splitlines() + [""]:
        line = line.strip()
        if line.startswith("msgid "):
            if "".join(msgid) and "".join(msgstr):
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
    if "".join(msgid) and "".join(msgstr):
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


def _debs(debs, prefix):
    """The downloaded Debian packages named prefix-*, sorted; an error when there are none."""
    found = sorted(glob.glob(os.path.join(debs, prefix + "-*.deb")))
    if not found:
        raise SystemExit(f"no {prefix}-*.deb in {debs}: run the apt-get download step (scripts/langid/debian.txt)")
    return found


def _deb_data(path):
    """The data.tar member of a Debian package (an ar archive), opened with tarfile."""
    with open(path, "rb") as f:
        blob = f.read()
    if not blob.startswith(b"!<arch>\n"):
        raise SystemExit(f"{path}: not a Debian package")
    at = 8
    while at + 60 <= len(blob):
        name, size = blob[at:at + 16].decode().strip(), int(blob[at + 48:at + 58].decode().strip())
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(blob[at + 60:at + 60 + size]))
        at += 60 + size + (size & 1)
    raise SystemExit(f"{path}: no data.tar member")


_FTL_MESSAGE = re.compile(r"^(-?[A-Za-z][\w-]*)\s*=\s*(.*)$")
_FTL_ATTRIBUTE = re.compile(r"^\.([\w-]+)\s*=\s*(.*)$")
_FTL_VARIANT = re.compile(r"^\*?\[[^\]]+\]\s*")


def _ftl_strings(text):
    """{(message, part): text} of a Fluent file: values, attributes, select variants and
    continuation lines; placeables are removed later by _clean_message."""
    out, key, part = {}, None, 0
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = _FTL_MESSAGE.match(line)
        if m:
            key, part, value = m.group(1), 0, m.group(2)
        elif key is None or not line[0].isspace():
            continue
        else:
            value = line.strip()
            a = _FTL_ATTRIBUTE.match(value)
            if a:
                value = a.group(2)
            value = _FTL_VARIANT.sub("", value)
            part += 1
        value = re.sub(r"\{[^{}]*->\s*$", " ", value).strip()
        if value and value != "}":
            out[(key, part)] = value
    return out


def _properties_strings(text):
    """{key: value} of a Java-style .properties file (\\uXXXX escapes decoded, plural forms split
    on ';')."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!" or "=" not in line:
            continue
        key, value = (x.strip() for x in line.split("=", 1))
        value = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), value)
        value = re.sub(r"%(?:\d+\$)?[SsDd]|#\d", " ", value.replace("\\n", " "))
        for i, form in enumerate(value.split(";")):
            if form.strip():
                out[(key, i)] = form.strip()
    return out


_DTD_ENTITY = re.compile(r'<!ENTITY\s+([\w.-]+)\s+"([^"]*)"\s*>|<!ENTITY\s+([\w.-]+)\s+\'([^\']*)\'\s*>')


def _langpack_strings(xpi):
    """{(file, key, part): text} of a Mozilla language pack (.ftl, .properties and .dtd files),
    files named by their path below the locale folder so that packs of two locales line up."""
    strings = {}
    with zipfile.ZipFile(io.BytesIO(xpi)) as z:
        for n in z.namelist():
            text = None
            if n.endswith((".ftl", ".properties", ".dtd")):
                text = z.read(n).decode("utf-8", "replace")
            if text is None:
                continue
            if n.endswith(".ftl"):
                parsed = _ftl_strings(text)
            elif n.endswith(".properties"):
                parsed = _properties_strings(text)
            else:
                parsed = {(m.group(1) or m.group(3), 0): m.group(2) if m.group(1) else m.group(4)
                          for m in _DTD_ENTITY.finditer(text)}
            base = re.sub(r"^(?:localization|chrome)/[^/]+/(?:locale/[^/]+/)?", "", n)
            strings.update(((base,) + k, v) for k, v in parsed.items())
    return strings


_CSS_SIZE = re.compile(r"\d(?:em|px|ch)\b")


def _mozilla(debs, product):
    """Every string of Debian's <product>-l10n-* language packs (MPL-2.0). English is the British
    and Canadian packs; a string of another language equal to an English string is untranslated and
    skipped."""
    packs = defaultdict(list)
    for path in _debs(debs, f"{product}-l10n"):
        m = re.match(rf"{product}-l10n-([a-z-]+)_", os.path.basename(path))
        if not m or not (lang := norm_locale(m.group(1))):
            continue
        with _deb_data(path) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".xpi"):
                    packs[lang].append(_langpack_strings(tar.extractfile(member).read()))
    english_values = {v for pack in packs.get("en", []) for v in pack.values()}
    out = defaultdict(list)
    for lang, pack_list in packs.items():
        for pack in pack_list:
            for v in pack.values():
                if (lang != "en" and v in english_values) or _CSS_SIZE.search(v):
                    continue  # untranslated, or a style attribute ("min-width: 45em")
                text = _clean_message(v)
                if sum(c.isalpha() for c in text) >= 2:  # not an access key ("P")
                    out[lang].append(text)
    return out


def firefox(debs):
    """Firefox ESR language packs (MPL-2.0), from Debian's firefox-esr-l10n-* packages."""
    return _mozilla(debs, "firefox-esr")


def thunderbird(debs):
    """Thunderbird language packs (MPL-2.0), from Debian's thunderbird-l10n-* packages."""
    return _mozilla(debs, "thunderbird")


_ROFF_ESCAPE = re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)|\\\*(?:\[[^\]]*\]|\(..|.)|\\\((..)|\\\[[^\]]*\]|"
                          r"\\s[-+]?\d+|\\[&c%:]|\\.")
_ROFF_LITERAL = re.compile(r"\\fB.*?(?:\\f[PR]|$)")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
MANPAGE_LINES = 15000  # per language: enough prose without letting one source outweigh the rest


def _roff_sentences(text):
    """The running text of a man page's roff source, as sentences: request lines ('.TH', '.B', …)
    and bold runs (command names and options) dropped, escapes removed."""
    paragraphs, current = [], []
    for line in text.splitlines():
        if line.startswith((".", "'")):
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        line = _ROFF_LITERAL.sub(" ", line).replace("\\-", "-")
        line = _ROFF_ESCAPE.sub(lambda m: "'" if m.group(1) == "aq" else " ", line)
        if line.strip():
            current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    for p in paragraphs:
        for sentence in _SENTENCE_END.split(p):
            words = [w for w in sentence.split() if not w.startswith("-")]
            if len(words) >= 2:
                yield " ".join(words)


def manpages(debs):
    """Translated manual pages (Debian's manpages-<lang> packages from the manpages-l10n project,
    GPL-3+): the running text of each page, at most MANPAGE_LINES sentences per language (spread
    over the pages by a hash, the same on every run)."""
    import gzip
    out = defaultdict(list)
    for path in _debs(debs, "manpages"):
        m = re.match(r"manpages-([a-z-]+)_", os.path.basename(path))
        if not m or m.group(1).endswith("dev") or not (lang := norm_locale(m.group(1))):
            continue
        sentences = []
        with _deb_data(path) as tar:
            for member in sorted(tar.getmembers(), key=lambda x: x.name):
                if member.isfile() and re.search(r"/share/man/[^/]+/man\d/[^/]+\.gz$", member.name):
                    text = gzip.decompress(tar.extractfile(member).read()).decode("utf-8", "replace")
                    sentences.extend(_clean_message(s) for s in _roff_sentences(text))
        sentences = [s for s in dict.fromkeys(sentences) if s]
        if len(sentences) > MANPAGE_LINES:
            sentences = sorted(sentences, key=lambda s: zlib.crc32(s.encode()))[:MANPAGE_LINES]
        out[lang].extend(sentences)
    return out


ALL = [sphinx, jupyterlab, humanize, pycountry, stopwords_iso, spacy, faker, cldr]
# Sources read from Debian packages (the folder of .deb files that debian.txt's apt-get step fills).
DEBIAN = [firefox, thunderbird, manpages]
