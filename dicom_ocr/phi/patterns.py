"""Shapes of identifying text found without the header: dates, times, ages with sex, IDs, names (labels: see labels.py)."""

from __future__ import annotations

import re
from datetime import date

from dicom_ocr.phi.vocabulary import TECH_WORDS

# English, French, German, Spanish, Italian and Dutch month abbreviations (upper case, accents dropped).
MONTHS: dict[str, int] = {}
for _num, _names in enumerate((
        "JAN JANUARY JANV JANVIER JANUAR ENE ENERO GEN GENNAIO JANUARI",
        "FEB FEBRUARY FEV FEVR FEVRIER FEBRUAR FEBRERO FEBBRAIO FEBRUARI",
        "MAR MARCH MARS MRZ MAR MARZ MARZO MAART",
        "APR APRIL AVR AVRIL ABR ABRIL APRILE",
        "MAY MAI MAG MAGGIO MAYO MEI",
        "JUN JUNE JUIN JUNI JUNIO GIU GIUGNO",
        "JUL JULY JUIL JUILLET JULI JULIO LUG LUGLIO",
        "AUG AUGUST AOU AOUT AGO AGOSTO AUGUSTUS",
        "SEP SEPT SEPTEMBER SEPTEMBRE SEPTIEMBRE SET SETTEMBRE",
        "OCT OCTOBER OCTOBRE OKT OKTOBER OCTUBRE OTT OTTOBRE",
        "NOV NOVEMBER NOVEMBRE NOVIEMBRE",
        "DEC DECEMBER DECEMBRE DEZ DEZEMBER DIC DICIEMBRE DICEMBRE"), start=1):
    for _n in _names.split():
        MONTHS[_n] = _num
_MON = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"

_DIGITISH = re.compile(r"(?:(?<![A-Za-z])[0-9OoIl|SB]*)?[0-9][0-9OoIl|SB./:\-]*")
_DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "S": "5", "B": "8"})

_YMD_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_YMD = re.compile(r"(?<!\d)(\d{4})(?:[-/.]|\s?[年년]\s?)(\d{1,2})(?:[-/.]|\s?[月월]\s?)(\d{1,2})(?!\d)")   # 2012年1月9日
# a number with a unit after it is a setting, not a year: 16.1cm /1.3/29Hz
_XYZ = re.compile(r"(?<![\d.])(\d{1,2})\s?[-/.]\s?(\d{1,2})\s?[-/.]\s?(\d{4}|\d{2})(?![\d/])"
                  r"(?!\s?(?i:hz|khz|mhz|cm|mm|db|fps|bpm|%))")
_D_MON_Y = re.compile(rf"(?<!\d)(\d{{1,2}})[\s\-/.]*({_MON})[\s\-/.,]*(\d{{4}}|\d{{2}})(?!\d)", re.I)
_MON_D_Y = re.compile(rf"\b({_MON})[\s\-/.]*(\d{{1,2}})(?:st|nd|rd|th)?,?[\s\-/.]*(\d{{4}}|\d{{2}})?(?!\d)", re.I)
_Y_MON_D = re.compile(rf"(?<!\d)(\d{{4}})[\s\-/.]*({_MON})[\s\-/.]*(\d{{1,2}})(?!\d)", re.I)
_TIME = re.compile(r"(?<![\w.:])([01]?\d|2[0-3])\s?[:h]\s?([0-5]\d)(?:\s?:\s?([0-5]\d)(?:\.?\d+)?)?\s*([AP]\.?M\.?)?(?![\d:])",
                   re.I)
_CLOCK_SHAPE = re.compile(r"(?<![\w.:])\d{1,2}\s?:\s?[0-5]\d\s?:\s?[0-5]\d(?![\d:])")   # h:mm:ss, any hour digits
_AGE = re.compile(r"(?<![\w.])(\d{1,3})\s?(?:Y|YR|YRS|YEARS?|YO|J|ANS?|JAHRE)(?:\s*/?\s*[MF]\b|\b)"
                  r"|(?<![\w.])\d[0-9A-Z]{1,2}\s?Y\s*/?\s*[MF]\b"     # one digit misread: 1CY/M, 1CYM for 16Y/M
                  r"|(?<![\w.])[MF]\s*[/\s]\s*(\d{1,3})\s?(?:Y|YR|YRS|YO)?\b(?!\s*(?:[./:]\d|%))"
                  r"|(?<![\w.])(\d{1,3})\s*[/\s]\s*[MF]\b(?![\w.])", re.I)
_LONG_DIGITS = re.compile(r"\d{6,}")
_ID_TOKEN = re.compile(r"^(?=(?:.*\d){5})[A-Z0-9#\-_.]{5,}$", re.I)
_NAME_COMMA = re.compile(r"^\s*[A-Z][A-Za-z'\-]{1,}\s*,\s*[A-Z][A-Za-z'\-]*\.?(\s+[A-Z][A-Za-z'\-]*\.?)*\s*$")
_NAME_CARET = re.compile(r"[A-Za-z'\-]{2,}\^[A-Za-z'\-]+")


# a date OCR glued to the time after it: 2025/06/178:49 -> 2025/06/17 8:49 (burned-in days are zero-padded)
_GLUED_DATE_TIME = re.compile(r"(\d{4}[-/.]\d{1,2}[-/.]\d{2}|\d{1,2}[-/.]\d{1,2}[-/.](?:19|20)\d{2})(?=\d{1,2}[:h]\d{2})")


def digitize(text: str) -> str:
    """Replace letters OCR confuses with digits (O, I, l, S, B) inside runs that already hold a digit and do not
    continue a word (the I of ``MI07`` stays a letter), and split a date from a time OCR glued to it."""
    return _GLUED_DATE_TIME.sub(r"\1 ", _DIGITISH.sub(lambda m: m[0].translate(_DIGIT_FIX), text))


def _make(y: int, m: int, d: int) -> date | None:
    if y < 100:
        y += 2000 if y < 50 else 1900
    try:
        return date(y, m, d) if 1900 <= y <= 2099 else None
    except ValueError:
        return None


def find_dates(text: str) -> tuple[list[date], bool]:
    """Every date ``text`` may denote (ambiguous day/month orders give several) and whether a date shape was seen."""
    text = digitize(text)
    found: list[date | None] = []
    seen = False
    for m in _YMD_COMPACT.finditer(text):
        found.append(_make(int(m[1]), int(m[2]), int(m[3])))
    for m in _YMD.finditer(text):
        seen = True
        found.append(_make(int(m[1]), int(m[2]), int(m[3])))
    for m in _XYZ.finditer(text):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        candidates = [_make(y, a, b), _make(y, b, a)]
        seen = seen or any(candidates) or len(m[3]) == 4   # 02/27/1531: a date shape, even with a misread year
        found += candidates
    upper = text.upper()
    for m in _D_MON_Y.finditer(upper):
        seen = True
        found.append(_make(int(m[3]), MONTHS[m[2].rstrip(".")], int(m[1])))
    for m in _MON_D_Y.finditer(upper):
        if int(m[2]) <= 31 and (m[3] or m[1].rstrip(".").lower() not in TECH_WORDS):   # Gen 4, Mag 2: settings
            seen = True
            if m[3]:
                found.append(_make(int(m[3]), MONTHS[m[1].rstrip(".")], int(m[2])))
    for m in _Y_MON_D.finditer(upper):
        seen = True
        found.append(_make(int(m[1]), MONTHS[m[2].rstrip(".")], int(m[3])))
    dates = [d for d in found if d is not None]
    return dates, seen or bool(dates)


def has_clock_shape(text: str) -> bool:
    """Whether ``text`` holds hours, minutes and seconds (``30:03:46``) even where its hour is no hour: a clock whose
    first digit OCR misread (``10:03:46``), read so on some frames of a cine and correctly on others."""
    return bool(_CLOCK_SHAPE.search(digitize(text)))


def find_times(text: str) -> list[tuple[int, int]]:
    """(hour, minute) of every clock time in ``text``, 12-hour times converted to 24-hour."""
    times = []
    for m in _TIME.finditer(digitize(text)):
        hour, minute = int(m[1]), int(m[2])
        ampm = (m[4] or "").upper()
        if ampm.startswith("P") and hour < 12:
            hour += 12
        elif ampm.startswith("A") and hour == 12:
            hour = 0
        times.append((hour, minute))
    return times


def has_age_sex(text: str) -> bool:
    """Ages with a unit or a sex letter: ``45Y M``, ``84YF``, ``037Y``, ``M 49``, ``49 F``, ``1CY/M`` (16Y/M misread)."""
    return _AGE.search(digitize(text)) is not None


def has_id_shape(text: str) -> bool:
    """A run of six or more digits, or a token holding five or more digits (MRN, accession)."""
    if _LONG_DIGITS.search(digitize(text)):
        return True
    return any(_ID_TOKEN.match(t) and not re.fullmatch(r"[\d.,]+|\d{2,4}[x×]\d{2,4}", t)    # 320x224: a matrix
               for t in re.split(r"[\s:/,()\[\]]+", text))


def has_name_shape(text: str) -> bool:
    """``LAST, FIRST`` or ``LAST^FIRST``."""
    return bool(_NAME_COMMA.match(text) or _NAME_CARET.search(text))
