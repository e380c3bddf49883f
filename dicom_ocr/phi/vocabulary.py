"""Technical text burned in by scanners (ultrasound, CT, MR, X-ray): words and value shapes that identify nobody.

The words are data, loaded from ``vocabularies/*.txt`` beside this module (its README.md says what each file holds):
interface words in English, French, German, Italian, Spanish, Hungarian, Portuguese and Dutch, anatomy, presets,
vendors and products, series/image counter words, technical words that are also names, and the names of settings.
Words are compared case-folded without accents. OCR noise is tolerated where a name cannot hide: words glued to their
values (``Depth24cm``, ``MI07IS0.8``), and one misread glyph inside a setting's name followed by a value (``Gamn S2``
for Gain 52).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from dicom_ocr.phi.labels import LABEL_WORDS, edit_distance

VOCABULARIES = Path(__file__).with_name("vocabularies")
COUNTERS_FILE = "counters.txt"
NAME_LIKE_FILE = "name-like.txt"
SETTINGS_FILE = "settings.txt"


def fold_word(word: str) -> str:
    """Case-folded, accents removed: ``Fréquence`` -> ``frequence``, ``Erősítés`` -> ``erosites``."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def load_words(path: Path) -> frozenset[str]:
    """The folded words of one vocabulary file (whitespace-separated, ``#`` starts a comment)."""
    lines = (line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(fold_word(word) for line in lines for word in line.split())


TECH_WORDS = frozenset().union(*(load_words(p) for p in sorted(VOCABULARIES.glob("*.txt"))
                                 if p.name not in (COUNTERS_FILE, NAME_LIKE_FILE)))
"""Every technical word, folded."""
COUNTER_WORDS = load_words(VOCABULARIES / COUNTERS_FILE)
"""Words introducing series, image, frame and slice counters, with their OCR misreadings (``In`` for Im)."""
NAME_LIKE = load_words(VOCABULARIES / NAME_LIKE_FILE) & TECH_WORDS
"""Technical words that are also names: they clear a line only beside another technical token."""

FUZZY_MIN = 4            # words this long may carry one misread glyph before a value
SETTINGS = load_words(VOCABULARIES / SETTINGS_FILE)
"""Controls that take a numeric setting (Gain, Tiefe): the only words a word misread by one glyph may stand for."""

_UNIT = (r"(?:cm|mm|m|um|µm|μm|s|ms|sec|min|hz|khz|mhz|db|bpm|hr|fps|kv|kvp|ma|mas|kev|hu|deg|°|mgy|msv|cgy|gy|"
         r"cm/s|mm/s|m/s|cm2|mm2|cm3|cm³|ml|mmhg|x|%|mgy\*cm|mgycm|s/cm|f|g|p|dr|cc|mgy·cm|kpa|m/s2)")
_VALUE = re.compile(
    rf"^(?:[-+x±]?\d*[.,]?\d+{_UNIT}?|\d+(?:/\d+)+|[-+]?\d+(?:[.,]\d+)?[-/:][-+]?\d+(?:[.,]\d+)?{_UNIT}?"
    rf"|[a-z]{{1,4}}[-+]?\d+(?:[.,]\d+)?{_UNIT}?|{_UNIT}|x\d+(?:\.\d+)?)$", re.I)
_MEASURED = re.compile(rf"^[-+x±]?\d*[.,]?\d+{_UNIT}$", re.I)     # a number with its unit: 24cm, 64%
# Probe and preset names: C5-1, L12-5, 6L3, 4V1c-S, 3C-RS, 12L-RS, eL18-4, P4-2, ML6-15-D, 9L4 (the letters between
# digits are capitals or a single letter, as probes are labelled: a garbled word such as Ib4sbs is not a probe).
_PROBE = re.compile(r"^[A-Za-z]{0,3}\d{1,2}(?:[A-Z]{1,3}|[a-z])\d{0,2}[a-z]?(?:-[A-Za-z0-9]{1,4}){0,2}$"
                    r"|^[A-Za-z]{1,3}\d{1,2}-\d{1,2}[A-Za-z]{0,2}(?:-[A-Za-z0-9]{1,3})?$")
_VERSION = re.compile(r"(?<![\w.])v(?!\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})(?![\w.]))"   # v7.2, V1.23-48c039c3; not
                      r"\d+(?:\.\d+)+(?:[-+.][0-9a-f]{1,12})*(?![\w.])", re.I)          # a date after a v
_SPLIT = re.compile(r"[\s,;=:()\[\]{}<>\"'`~*+#|\\_—–‘’‚„“”«»]+")
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")   # words OCR ran together: HGen, PMed
_RUNS = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)?%?|[^\w]+")              # letter runs, numbers, symbols
_EDGE = re.compile(r"^[^\w%°µ]+|[^\w%°µ]+$")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "s": "5", "B": "8", "Z": "2"})
_COUNTER = re.compile(r"(?<![\w.])(?:" + "|".join(sorted(map(re.escape, COUNTER_WORDS), key=len, reverse=True)) +
                      r")\s*[:#.]?\s*\d{1,5}(?:\s*/\s*\d{1,5})?(?![\w.])", re.I)


def without_versions(text: str) -> str:
    """``text`` with software versions (``v1.23-48c039c3``, a product's banner) written ``v0``: their digits are
    neither dates nor identifiers."""
    return _VERSION.sub("v0", text)


def _misread_digits(token: str) -> str:
    """Letters OCR reads for digits inside or after a number read back as digits: ``1O.5`` 10.5, ``1Scm`` 15cm."""
    return re.sub(r"(?<=\d)[OoSIl]|[Oo](?=[.,]?\d)", lambda m: m[0].translate(_DIGIT_FIX), token)


def _word(token: str) -> bool:
    return fold_word(token) in TECH_WORDS


def _latin(word: str) -> bool:
    """Whether every letter of ``word`` is a Latin one (``Gé``, not ``Ед`` nor ``张三``)."""
    return all(unicodedata.name(c, "").startswith("LATIN ") for c in word if c.isalpha())


def _crumb(token: str) -> bool:
    """One or two Latin letters (``L``, ``sx``), a marker or an OCR crumb. In other scripts two letters are a word:
    ``张三`` is a full name, ``Ед`` a name's first syllable, so they never clear text."""
    return len(token) <= 2 and token.isalpha() and _latin(token)


def _piece(token: str) -> bool:
    """A technical piece without splitting: a word, a short crumb of Latin letters, a value or a probe name."""
    if _word(token) or _crumb(token):
        return True
    if re.search(r"\d{5,}", token):
        return False  # ID-like digit runs are never technical
    return any(_VALUE.match(t) or _PROBE.match(t) for t in (token, _misread_digits(token)))


def _strong(piece: str) -> bool:
    """A piece only technical text holds: a vocabulary word of two letters or more, or a number with its unit."""
    return (len(piece) >= 2 and _word(piece)) or bool(_MEASURED.match(piece))


def _glued_values(token: str) -> bool:
    """Words and values OCR wrote without the spaces between them (``Depth24cm``, ``2D64%``, ``MI07IS0.8``): the
    token splits, at letter/digit boundaries, into technical pieces of which one at least is a word or a measure."""
    runs = _RUNS.findall(token)
    if len(runs) < 2 or len(token) > 24:
        return False

    @lru_cache(maxsize=None)
    def strong_cover(start: int) -> bool | None:
        """Whether runs[start:] split into technical pieces with a strong one among them; None if they do not split."""
        if start == len(runs):
            return False
        found = None
        for end in range(start + 1, len(runs) + 1):
            piece = "".join(runs[start:end])
            if not _piece(piece) and re.search(r"\w", piece):
                continue
            rest = strong_cover(end)
            if rest is not None:
                if rest or _strong(piece):
                    return True
                found = False
        return found

    return bool(strong_cover(0))


@lru_cache(maxsize=65536)
def technical_token(token: str) -> bool:
    """Whether one token is a technical word, a value with a unit, a probe name, punctuation or such glued."""
    token = _EDGE.sub("", token)
    if not token:
        return True
    if _piece(token):
        return True
    if re.search(r"\d{5,}", token):
        return False
    parts = [p for p in re.split(r"[-/.]", token) if p]
    if len(parts) > 1 and all(technical_token(p) for p in parts):
        return True
    glued = [p for p in _GLUED.split(token) if p]
    if len(glued) > 1 and all(technical_token(p) for p in glued):
        return True
    return bool(re.search(r"\d", token) and re.search(r"[^\W\d_]", token)) and _glued_values(token)


@lru_cache(maxsize=65536)
def misread_word(token: str) -> bool:
    """A word of FUZZY_MIN letters or more one glyph from a setting's name inside it, first and last letters kept
    (``Gamn`` for Gain; Diaz is not a misread Diam, nor Powers Power), and not one glyph from a label word."""
    folded = fold_word(token)
    if len(folded) < FUZZY_MIN or not folded.isalpha() or _near_label(folded):
        return False
    return any(word[0] == folded[0] and word[-1] == folded[-1] and abs(len(word) - len(folded)) <= 1
               and edit_distance(folded, word) <= 1 for word in SETTINGS)


def _near_label(folded: str) -> bool:
    """One glyph from an identifying label word (``Exan`` for Exam): what follows it may be an identifier."""
    return any(len(label) >= 3 and edit_distance(folded, label) <= 1 for label in LABEL_WORDS)


def _is_number(token: str) -> bool:
    """A value holding a digit, with letters OCR confuses with digits read as digits (``S2`` for 52)."""
    token = _EDGE.sub("", token)
    return bool(re.search(r"\d", token)) and bool(_VALUE.match(token.translate(_DIGIT_FIX)))


def is_technical(text: str) -> bool:
    """True when every token of ``text`` is a technical word, a value with a unit, a probe name, a counter
    (``Im: 41/158``) or punctuation; a word one glyph from a technical word counts when a value follows it. A line
    whose only words are also names (``LONG``, ``Page``) is not technical without a value."""
    tokens = [t for t in _SPLIT.split(_COUNTER.sub(" 0 ", text)) if t]
    if not any(re.search(r"\w", t) for t in tokens):
        return False
    for i, token in enumerate(tokens):
        if technical_token(token):
            continue
        if i + 1 < len(tokens) and _is_number(tokens[i + 1]) and misread_word(_EDGE.sub("", token)):
            continue
        return False
    words = [fold_word(w) for w in (_EDGE.sub("", t) for t in tokens) if len(w) >= 3 and w.isalpha()]
    if words and all(w in NAME_LIKE for w in words) and not re.search(r"\d", text):
        return False
    return True
