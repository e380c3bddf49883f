"""Identifying labels (``Patient ID:``, ``Institution Name:``), as printed and as OCR misreads them.

A label followed by a value is identifying even when the value is unreadable; a label alone is not. OCR garbles the
small fonts labels are printed in (``Inatitution Namc:``, ``Na mc:``, ``4ge:``), so a line is judged label-only when
each of its words is a label word up to the misreadings OCR makes, and nothing else is on it. Chinese, Japanese and
Korean labels (``姓名：``) are matched as written.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

CJK_LABELS = (
    # Simplified Chinese
    "姓名 病人姓名 患者姓名 性别 年龄 出生日期 生日 病历号 住院号 门诊号 ID号 检查号 患者ID 病人ID 检查日期 检查时间 "
    "医院 医院名称 操作医生 报告医生 检查医生 审核医生 申请医生 医生 医师 技师 操作者 "
    # Traditional Chinese, Japanese, Korean
    "病歷號 性別 年齡 醫院 醫生 醫師 檢查日期 檢查時間 檢查號 氏名 患者名 患者氏名 生年月日 年齢 検査日 検査日時 病院 技師 "
    "이름 성명 성별 나이 생년월일 병원 환자번호").split()
"""Identifying labels of Chinese, Japanese and Korean reports (``姓名：张三``). Written without spaces, LABEL finds them
inside a line rather than as words, longest first (``报告医生`` before ``医生``)."""

LABEL = re.compile(
    r"\b(?:patient(?:'?s)?\s*(?:name|id|no|number|#)?|pat(?:ient)?\.?\s*(?:name|id)|pt\.?\s*(?:name|id)|name|nom|"
    r"(?:mrn|id|ident|kennung|accession(?:\s*(?:no|number|#))?|acc(?:\.|ession)?\s*#?)|dob|d\.o\.b\.?|"
    r"(?:birth\s*date|date\s*of\s*birth|birth|born|geb(?:\.|oren)?|naissance|nee?\s*le)|age|sex|gender|"
    r"institution(?:\s*name)?|hospital|referring(?:\s*physician)?|ref\.?\s*phys(?:ician)?|physician|doctor|"
    r"operator|sonographer|technologist|tech|study\s*date|exam(?:ination)?\s*date|series\s*date|acq(?:uisition)?\s*date|"
    r"date|datum|fecha|comments?|"
    r"ex(?:am(?:ination)?)?\s*(?:no|nr|number|#|id)?|study\s*(?:id|no|nr|number|#)|order\s*(?:no|nr|number|#)?|"
    r"req(?:uest)?\s*(?:no|nr|number|#)?|visit(?:\s*(?:no|nr|number|#))?|"
    r"op|ops|sono|performed\s*by|scanned\s*by|read\s*by|reader|radiologist)\b\s*[:#=.]?"
    r"|(?:" + "|".join(sorted(map(re.escape, CJK_LABELS), key=len, reverse=True)) + r")\s*[:#=.]?", re.I)
EXAM_LABEL = re.compile(r"^ex(?:am(?:ination)?)?$", re.I)
"""Labels that may introduce the kind of exam (``Exam: Abd General``) as well as its number (``Ex: 5107``)."""
EXAM_NUMBER = re.compile(
    r"(?<![\w.])(?:(?:e\s?|3)[x×](?:am(?:ination)?)?|acc(?:ession)?|stu?dy)(?:\s*(?:no|nr|#))?(?![^\W\d_])"
    r"\s*[:#.]?\s*(?:[a-z]{1,3}-?)?\d{3,}(?![.,]\d)", re.I)
"""An exam, accession or study label without the suffix LABEL needs (``Study 4411``), or as OCR misreads or glues it
(``E×: 2411``, ``3x: 2411``, ``Ex2411``, ``Stdy: 4411``), before a number of three digits or more: a zoom (``x1.5``)
or a grid (``3x3``) has fewer."""

LABEL_WORDS = frozenset(
    "patient patients pat pt name nom id ident mrn kennung accession acc no number dob birth birthdate born geb geboren "
    "naissance nee le of age sex gender institution hospital referring ref phys physician doctor operator sonographer "
    "technologist tech study exam examination series acquisition acq date datum fecha comment comments ex op "
    "sonographer order visit".split()) | {label.lower() for label in CJK_LABELS}

IDENTIFYING_WORDS = frozenset(
    "patient patients name id accession dob birth birthdate born geboren naissance age sex gender institution "
    "hospital referring physician doctor operator sonographer technologist".split())
"""Label words that only ever introduce identifying values (``series``, ``study`` or ``no`` also label technical text)."""

_LETTER_FIX = str.maketrans({"4": "A", "0": "O", "1": "I", "5": "S", "8": "B", "6": "G"})
# glyphs small fonts are misread as each other, folded to one before comparing words ("rn" and "m" first; n for m)
_CONFUSABLE = str.maketrans({"c": "e", "o": "e", "l": "i", "j": "i", "n": "m"})
_UNREADABLE = re.compile(r"[^\w\s:#=.,;'()/\-]")   # a symbol beside a label: a value OCR could not read
LONG_LABEL = 8           # label words this long may be misread even alone on a line ("Inatitution")


def letterize(text: str) -> str:
    """Replace digits OCR confuses with letters (4, 0, 1, 5, 8, 6) inside words that already hold a letter: ``4ge``."""
    return re.sub(r"\b(?=\w*[A-Za-z])\w+\b", lambda m: m[0].translate(_LETTER_FIX), text)


def label_value(text: str) -> tuple[str | None, str]:
    """The first identifying label in ``text`` (e.g. ``Patient ID``, ``姓名``, also misread as ``4ge``) and the text
    after it."""
    m = LABEL.search(text) or LABEL.search(text := letterize(text))
    if m is None:
        return None, ""
    return m[0].strip(" :#=."), text[m.end():]


def _fold(word: str) -> str:
    return word.lower().replace("rn", "m").translate(_CONFUSABLE)


_FOLDED = {_fold(w): w for w in LABEL_WORDS}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[:], i
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
    return row[-1]


def _allowed_edits(length: int) -> int:
    return 0 if length <= 4 else 1 if length < LONG_LABEL else 2


@lru_cache(maxsize=65536)
def _label_match(word: str, last: bool) -> str | None:
    """How ``word`` is a label word: ``exact``; ``long`` (a misread label word of LONG_LABEL letters or more);
    ``near`` (a shorter one misread, or, as the ``last`` word of a line, cut short: ``Nam``); None if it is not."""
    if word.lower() in LABEL_WORDS:
        return "exact"
    folded = _fold(word)
    near = [label for label in _FOLDED if edit_distance(folded, label) <= _allowed_edits(len(label))]
    if any(len(label) >= LONG_LABEL for label in near):
        return "long"
    if near or (last and len(folded) >= 3 and any(len(label) > len(folded) and label.startswith(folded)
                                                   for label in _FOLDED)):
        return "near"
    return None


def has_exam_number(text: str) -> bool:
    """Whether ``text`` holds an exam, accession or study number behind a bare or misread label (see EXAM_NUMBER)."""
    return EXAM_NUMBER.search(text) is not None


def _words(text: str) -> list[str]:
    """The words of a line, fragments OCR split (``Na mc``) joined back when together they form a label word. Letters
    of every script make words: ``Name: Иван`` holds a name, not a second label."""
    words: list[str] = []
    for piece in re.findall(r"[^\W\d_]+", letterize(text)):
        if words and _label_match(words[-1], False) is None and _label_match(words[-1] + piece, False) is not None:
            words[-1] += piece
        else:
            words.append(piece)
    return words


def is_label_only(text: str) -> bool:
    """True when ``text`` holds identifying labels and nothing else (``Institution Name:``, ``ID:``, ``Inatitution Namc:``).

    Every word must be a label word. Misread words are accepted as OCR garbles them, after folding glyphs small fonts
    confuse: one wrong glyph in words of five to seven letters, two in longer ones; a misread short word (``Namc``) or
    a cut-off last word (``Nam``) only beside a label word of five letters or more, which a name rarely resembles; any
    one word in front of a label ending the line with a colon (see ``_qualified_label``). Digits that are not misread
    letters, and symbols (``4ge: «``), are a value, even if unreadable.
    """
    if re.search(r"\d", letterize(text)) or _UNREADABLE.search(text):
        return False
    words = _words(text)
    kinds = [_label_match(word, last=i == len(words) - 1) for i, word in enumerate(words)]
    if words and None not in kinds:
        return "near" not in kinds or any(k != "near" and len(w) >= 5 for w, k in zip(words, kinds))
    return _qualified_label(text, words, kinds)


def _qualified_label(text: str, words: Sequence[str], kinds: Sequence[str | None]) -> bool:
    """``<word> Name:``: one word, whatever OCR made of it (``Phattuton``), qualifying a label that ends the line with
    a colon. A value never comes before its label, so the word is part of the label (Institution, Physician)."""
    single_colon = text.count(":") == 1 and text.rstrip().endswith(":")
    return single_colon and len(words) == 2 and (kinds[-1] in ("exact", "near") or _misread_label(words[-1]))


def _misread_label(word: str) -> bool:
    """One more glyph misread in a label word of four letters or more (``Nomc`` for Name), accepted only where
    nothing but a label can stand (see ``_qualified_label``)."""
    folded = _fold(word)
    return len(folded) >= 4 and any(len(label) >= 4 and edit_distance(folded, label) <= 1 for label in _FOLDED)


def mentions_identifying_label(text: str) -> bool:
    """Whether a word of ``text`` is an identifying label word as printed or with glyphs OCR confuses (``4gc`` for
    Age, ``Namc``): text beside such a word is a value even when OCR made nothing of it."""
    folded = {_fold(word) for word in _words(text)}
    return any(_fold(label) in folded for label in IDENTIFYING_WORDS)
