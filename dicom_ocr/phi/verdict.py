"""Decide whether one OCR text region identifies a person, and why; summarise a file's regions for triage."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dicom_ocr.phi import labels, patterns
from dicom_ocr.phi.header import HeaderFacts, fold, words
from dicom_ocr.phi.vocabulary import is_technical, without_versions

log = logging.getLogger(__name__)

NERENGINE = 70
"""The audit DB ``nerengine`` number of this method (header matching, patterns, vocabulary; 70-99 are ours)."""

_PLACE_SHAPE = re.compile(
    r"\b(?:hospital|clinic|klinik(?:um)?|h[oô]pital|medical\s+cent(?:er|re)|infirmary|"
    r"university|univ\.?\s+of|imaging\s+cent(?:er|re)|radiology\s+(?:associates|group|department))\b", re.I)
# A CJK or Hangul name ending in hospital, clinic or university (北京协和医院, 301医院): written without spaces, so the
# suffix needs a name before it; alone (医院:) it is a label.
_CJK_PLACE_SHAPE = re.compile(r"[^\W_](?:医院|醫院|病院|诊所|診所|診療所|卫生院|衛生院|クリニック|大学|大學|병원)")


@dataclass(frozen=True)
class Verdict:
    """PHI decision for one text region. ``reason`` names fields and rules only, never the text itself."""

    pii: bool
    method: str
    reason: str


def _levenshtein_le1(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] != b[j]:
            edits += 1
            if edits > 1:
                return False
            if len(a) == len(b):
                i += 1
            j += 1
            continue
        i += 1
        j += 1
    return edits + (len(b) - j) <= 1


def _match_part(token: str, truncated: bool, part: str) -> bool:
    """Whether one folded OCR token shows one folded header word (exact, merged, truncated or one edit off)."""
    if token == part:
        return True
    if len(part) >= 4 and part in token:
        return True  # merged words: ZZZTEST, DOEJOHN
    if len(token) >= 4 and part.startswith(token) and truncated:
        return True  # truncation: PATIENTFI...
    if len(token) >= 5 and part.startswith(token[:-1]) and len(token) < len(part):
        return True  # truncation with a half-read last glyph
    return len(token) >= 5 and len(part) >= 5 and _levenshtein_le1(token, part)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Folded alphanumeric tokens with a flag telling whether the token ends in a truncation mark."""
    out = []
    for m in re.finditer(r"[A-Za-z0-9]+(\s*(?:\.\.+|…|\\\.\.))?", text):
        word = re.sub(r"[^A-Za-z0-9]", "", m[0])
        out.append((fold(word), bool(m[1]) or m.end() == len(text.rstrip())))
    return out


def _header_match(text: str, facts: HeaderFacts) -> str | None:
    """The header field whose value ``text`` shows, or None."""
    tokens = _tokens(text)
    has_letters = [(t, tr) for (t, tr), raw in zip(tokens, re.findall(r"[A-Za-z0-9]+", text))
                   if re.search(r"[A-Za-z]", raw)]
    for token, truncated in has_letters:
        for part, kw in facts.name_parts.items():
            if _match_part(token, truncated, part):
                return kw
    for word in words(text):
        if word in facts.short_name_parts and len(words(text)) > 1:
            return facts.short_name_parts[word]
    singles = words(text)
    if len(singles) == 1 and 2 <= len(singles[0]) <= 3 and singles[0].isalpha() and singles[0] in facts.initials:
        return facts.initials[singles[0]]   # initials alone (an operator's JK, or ED, HR: header beats vocabulary)
    if len(singles) >= 2 and all(len(w) == 1 and w.isalpha() for w in singles) and "".join(singles) in facts.initials:
        return facts.initials["".join(singles)]
    compact = fold(text)
    folded_tokens = {t for t, _ in tokens}
    for ident, kw in facts.ids.items():
        if ident in folded_tokens or (len(ident) >= 6 and ident in compact):
            return kw
    for token, _ in tokens:
        if len(token) >= 5 and sum(c.isdigit() for c in token) >= 5 and any(token in i for i in facts.ids):
            return next(kw for i, kw in facts.ids.items() if token in i)
    for place, kw in facts.places.items():
        if place in compact:
            return kw
    for token, truncated in has_letters:
        for word, kw in facts.place_words.items():
            if _match_part(token, truncated, word):
                return kw
    dates, _ = patterns.find_dates(text)
    for d in dates:
        if d in facts.dates:
            return facts.dates[d]
    if (field_name := _date_digits_match(text, facts)) is not None:
        return field_name
    for t in patterns.find_times(text):
        if t in facts.times:
            return facts.times[t]
    return None


_DATE_RUN = re.compile(r"\d[\d/.\-\s]{4,12}\d")
_DATE_FORMS = ("%Y%m%d", "%d%m%Y", "%m%d%Y", "%y%m%d", "%d%m%y", "%m%d%y")


def _date_digits_match(text: str, facts: HeaderFacts) -> str | None:
    """The header date field whose digits a date-like run in ``text`` shows with at most one digit misread
    (``02/27/1531`` for 1931-02-27)."""
    for run in _DATE_RUN.findall(patterns.digitize(text)):
        digits = re.sub(r"\D", "", run)
        if len(digits) not in (6, 8):
            continue
        for day, kw in facts.dates.items():
            for form in _DATE_FORMS:
                shown = day.strftime(form)
                if len(shown) == len(digits) and sum(a != b for a, b in zip(shown, digits)) <= 1:
                    return kw
    return None


def _names_exam_kind(label: str, value: str) -> bool:
    """``Exam: Abd General``: an exam label followed by technical words only, no number."""
    return bool(labels.EXAM_LABEL.match(label)) and not re.search(r"\d", value) and is_technical(value)


def _pattern_match(text: str) -> tuple[str, str] | None:
    """(method, reason) of the first identifying shape in ``text``, or None."""
    label, value = labels.label_value(text)
    if label is not None and value.strip(" :#=.,;-") and not _names_exam_kind(label, value):
        return "pattern:label", "identifying label followed by a value (even an unreadable one)"
    if labels.has_exam_number(patterns.digitize(text)):
        return "pattern:label", "exam, accession or study label, bare or misread, followed by a number"
    if patterns.find_dates(text)[1]:
        return "pattern:date", "date"
    if patterns.find_times(text) or patterns.has_clock_shape(text):
        return "pattern:time", "clock time"
    if patterns.has_age_sex(text):
        return "pattern:age", "age with unit or sex"
    if patterns.has_id_shape(text):
        return "pattern:id", "long digit run or ID-shaped token"
    if patterns.has_name_shape(text) and not is_technical(text):
        return "pattern:name", "LAST, FIRST or LAST^FIRST name shape"
    return None


def judge(text: str, facts: HeaderFacts | None = None, default_pii: bool = True) -> Verdict:
    """PHI verdict for one OCR text region: header match, then patterns, then technical vocabulary, then default.

    The text is NFKC-normalised first, so full-width colons and digits (``Im：3/106``) read as their ASCII forms, and
    software versions are set aside (``v1.23-48c039c3`` is no date)."""
    text = without_versions(unicodedata.normalize("NFKC", text))
    if not any(c.isalnum() for c in text):   # letters of any script count: 张三, Иванов
        return Verdict(False, "vocabulary", "no letters or digits")
    if facts is not None and (field := _header_match(text, facts)) is not None:
        return Verdict(True, f"header:{field}", f"matches the value of {field}")
    if _PLACE_SHAPE.search(text) or _CJK_PLACE_SHAPE.search(text):
        return Verdict(True, "pattern:institution", "institution-like phrase")
    if labels.is_label_only(text):
        return Verdict(False, "vocabulary:label", "identifying label without a value")
    if (found := _pattern_match(text)) is not None:
        return Verdict(True, *found)
    if labels.mentions_identifying_label(text):
        return Verdict(True, "pattern:label", "identifying label beside text not read as a value")
    if is_technical(text):
        return Verdict(False, "vocabulary", "only technical words and values")
    log.debug("no rule for %r; default %s", text, default_pii)
    return Verdict(default_pii, "default", "unrecognised text, PHI by default" if default_pii
                   else "unrecognised text, not PHI by configuration")


def judge_file(verdicts: Iterable[Verdict]) -> str:
    """Triage verdict of one file from its regions: ``phi``, ``technical-only`` or ``no-text``."""
    verdicts = list(verdicts)
    if not verdicts:
        return "no-text"
    return "phi" if any(v.pii for v in verdicts) else "technical-only"
