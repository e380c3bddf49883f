"""Which words the engines returned are worth keeping: noise, speckle, rules and texture read as text dropped."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..engines.base import Word
from .glyphs import GLYPH_CONTRAST, drawn_in_flat_ink, ink, ink_contrast, is_dot, looks_like_lettering, speckled
from .region import SHORT, characters

STROKES = frozenset("lIij")
"""Letters that texture edges are read as, repeated ("lll", "iii"); real repeats such as "ZZZ" or "111" stay."""


def _is_symbol_noise(text: str) -> bool:
    """True for text of only symbols ("...", "||"), a stroke letter repeated ("lll"), or one character that is not an
    ASCII letter or digit (a stroke of texture read as "一" or "_")."""
    if len(text) == 1:
        return not (text.isascii() and text.isalnum())
    return not any(ch.isalnum() for ch in text) or (len(set(text)) == 1 and text[0] in STROKES)


def _thickness(word: Word) -> int:
    """A line's thickness: the shorter side of its box (a vertical line of text is thin), a single character's
    height."""
    box = word.box
    return min(box.height, box.width) if len(word.text.strip()) > 1 else box.height


def filter_words(words: Iterable[Word], rows: int, columns: int, *, min_confidence: float = 0.2,
                 max_height_fraction: float = 0.3, large_height_fraction: float = 0.1,
                 large_min_confidence: float = 0.5, min_size: int = 5, max_aspect: float = 60.0,
                 symbol_min_confidence: float = 0.95, single_min_confidence: float = 0.5) -> list[Word]:
    """The words worth keeping, their boxes clipped to the ``rows`` x ``columns`` plane.

    Dropped: empty text; confidence < ``min_confidence`` (0.2); lines thicker than ``max_height_fraction`` (0.3) of
    the plane's height (a body outline read as text; a line's thickness is the shorter side of its box, the height for
    a single character); lines thicker than ``large_height_fraction`` (0.1) of it with confidence
    < ``large_min_confidence`` (0.5: big unsure shapes are texture); boxes whose longer side is under ``min_size``
    (5 px, speckle); a side ratio above ``max_aspect`` (60, rules and edges); symbol-like text (see
    ``_is_symbol_noise``) below ``symbol_min_confidence`` (0.95); single characters below ``single_min_confidence``
    (0.5), so a confident "M", "L" or "5" stays.
    """
    def keep(word: Word) -> bool:
        text, box, confidence = word.text.strip(), word.box, word.confidence
        thickness = _thickness(word)
        return bool(text) and confidence >= min_confidence \
            and thickness <= max_height_fraction * rows \
            and (thickness <= large_height_fraction * rows or confidence >= large_min_confidence) \
            and max(box.height, box.width) >= min_size \
            and max(box.width / box.height, box.height / box.width) <= max_aspect \
            and (confidence >= symbol_min_confidence or not _is_symbol_noise(text)) \
            and (len(text) > 1 or confidence >= single_min_confidence)

    kept = []
    for word in words:
        box = word.box.clip(rows, columns)
        if box is not None and keep(word := Word(box, word.text, word.confidence)):
            kept.append(word)
    return kept


SURE = 0.9          # a short read this confident is kept whatever its ink looks like
LINE_SURE = 0.85    # a longer read (up to ``LONG`` letters and digits) this confident is kept whatever its ink
LONG = 8            # letters and digits, at most, in a read of anatomy or noise seen (BENCHMARKS.md: 3 to 7)
BESIDE = 3.0        # line heights: a short read this close to other text on its line is part of that line
MEASURABLE = 8      # px: the shorter side a box needs for its strokes to be measured
THIN = 6            # px: the detector boxes the smallest real text (5 px high, jsl) 7 px thick and more
CROSSES = frozenset("+十×╋┼✚✕")
"""Lone reads of a cross: crosshair, caliper and lesion marks (a flat white cross on a mammogram reads ``十``)."""


def _is_short(word: Word) -> bool:
    return characters(word.text) <= SHORT


def _is_doubtful(word: Word) -> bool:
    """A short read below ``SURE``, or a lone glyph that is not a Latin letter or digit at any confidence (an edge
    read as ``一`` or ``丨`` scores 0.95 and more)."""
    text = word.text.strip()
    return _is_short(word) and (word.confidence < SURE or (len(text) == 1 and not (text.isascii() and text.isalnum())))


def _is_unsure_line(word: Word) -> bool:
    """A read of ``SHORT`` + 1 to ``LONG`` letters and digits less confident than ``LINE_SURE``: anatomy and XA noise
    read as ``2008``, ``525`` or ``MPRREES`` score 0.50-0.81."""
    return SHORT < characters(word.text) <= LONG and word.confidence < LINE_SURE


def _beside(word: Word, other: Word) -> bool:
    """Whether ``other`` is on ``word``'s line (half the smaller height overlapping, heights within 2x) and at most
    ``BESIDE`` line heights away along it."""
    a, b = word.box, other.box
    small, large = sorted((a.height, b.height))
    vertical = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
    gap = max(a.left, b.left) - min(a.right, b.right) - 1
    return vertical >= 0.5 * small and large <= 2 * small and gap <= BESIDE * small


def drop_graphics(words: Sequence[Word], image: np.ndarray) -> list[Word]:
    """``words`` without unsure reads of graphics, anatomy and noise. Any read beside other text on its line (a digit
    of a measurement line) is kept. Otherwise:

    - a read of at most ``SHORT`` letters or digits less confident than ``SURE`` (or a lone glyph other than a Latin
      letter or digit) is kept when its ink, in a box of ``MEASURABLE`` px or more, is lettering: drawn in one flat
      tone on a flat ground (:func:`.glyphs.two_tone` at least ``glyphs.TWO_TONE``) in thin strokes
      (:func:`.glyphs.looks_like_lettering`). Caliper crosses, ruler dots, bone edges, Doppler blobs and round anatomy
      read as ``+``, ``1``, ``Y`` or ``O`` are not. A sure short read is kept: synthetic text over moving anatomy
      scores as low on ``two_tone`` (0.60) as sure reads of real anatomy do, unless its ink is speckle
      (:func:`.glyphs.speckled`: grain read as a digit).
    - a longer read less confident than ``LINE_SURE`` (:func:`_is_unsure_line`) is kept when its ink has the tones of
      rendered lettering (:func:`.glyphs.drawn_in_flat_ink`).
    - a lone cross (``CROSSES``, however sure and flat: a mark drawn like lettering) is dropped, and so is a short
      read of a dot (:func:`.glyphs.is_dot`) or of ink hardly apart from its ground (:func:`.glyphs.ink_contrast`
      under ``glyphs.GLYPH_CONTRAST``: noise on air or grain read as ``2`` or ``5`` at 0.96).
    - a read in a box thinner than ``THIN`` is kept only beside other text, however sure: grain of CT and MR read as
      ``CRN`` (0.93) or ``BAC`` in 5 px boxes, where text 5 px high gets 7 px and more. Such a read is no sign of
      text beside another either.
    """
    sure = [w for w in words if not (_is_doubtful(w) or _is_unsure_line(w)) and _thickness(w) >= THIN]

    def beside_text(word: Word) -> bool:
        return any(_beside(word, other) for other in sure if other is not word)

    def kept(word: Word) -> bool:
        if word.text.strip() in CROSSES:
            return beside_text(word)
        if _thickness(word) < THIN:
            return beside_text(word)
        if _is_unsure_line(word):
            return beside_text(word) or drawn_in_flat_ink(image, word.box)
        if beside_text(word) or not _is_short(word):
            return True
        mask = ink(image, word.box)                  # thresholded once for every test of a short read
        if is_dot(mask) or ink_contrast(image, word.box, mask) < GLYPH_CONTRAST:
            return False
        characters = max(1, len(word.text.strip()))
        if not _is_doubtful(word):
            return not speckled(image, word.box, mask, characters)
        return min(word.box.height, word.box.width) >= MEASURABLE \
            and looks_like_lettering(image, word.box, characters, mask)

    return [w for w in words if kept(w)]
