"""Letters written one above the other: ``CS`` or ``CM/S`` down the side of an ultrasound colour bar.

The detector boxes such a label as one tall line, often with a bracket or the bar's edge beside it, and the recogniser
reads lines: upright it reads the strip as nothing or as one unsure character, and turned a quarter it reads letters
lying on their side. Here the strip's glyphs are found (its ink once straight rules are cut off it, the pieces in the
column of the glyph-sized ones), laid side by side on one line and read once, so the recogniser reads them as it reads
a word (a lone ``/`` reads ``1`` 0.53; in ``CM/S`` it reads ``/``). The reading is kept when it is sure and holds one
character per glyph. Glyphs are annotation-sized and drawn in strokes: shaded anatomy cut into blobs by empty rows
reads as digits too.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import Box
from ..regions.glyphs import ink, runs_of, stroke_ratio, without_rules

MAX_GLYPHS = 6         # glyphs, at most, of a label written one letter above the other
MIN_CONFIDENCE = 0.8   # the reading of them side by side must be this sure (the devset's stacked CS: 0.99; CM/S: 0.92)
MAX_HEIGHT = 40        # px at the plane's scale: glyphs of an annotation are at most this high
THICK = 0.6            # a glyph's widest stroke over its box's shorter side, at most (the devset's stacked glyphs and
                       # synthetic ones 0.29-0.50; blobs of shaded anatomy on a real text-free slice 0.85-1.10)
MIN_HEIGHT = 5         # px at the plane's scale: blobs this high and more give the strip's glyph height (not specks)
RULE = 1.5             # glyph heights: a straight run of ink this long is a rule (a bracket, a bar's edge)
ROUNDS = 3             # times, at most, rules are cut at a lower glyph height
GLYPH = 0.5            # glyph heights: a blob at least this high is a glyph, and sets the column
GAP = 0.3              # glyph heights of ground on each side of a glyph laid on the line (0.1-0.4 read alike)


@dataclass(frozen=True)
class StackedGlyphs:
    """The glyphs of a tall strip laid side by side on one line (``image``), how many there are, and the fractions of
    the strip's width and height they span (``extent``: left, top, right, bottom)."""

    image: np.ndarray
    count: int
    extent: tuple[float, float, float, float]


def _blob_height(mask: np.ndarray, scale: float) -> float | None:
    """The median height of the blobs of ``mask`` of ``MIN_HEIGHT`` px and more at the plane's scale; None if none."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[heights >= MIN_HEIGHT * scale]
    return float(np.median(heights)) if len(heights) else None


@dataclass(frozen=True)
class _StripInk:
    """A strip's ink (``marks``), its glyphs (``glyphs``) and the ink kept with them (``kept``: theirs and the
    specks between their sides), as masks."""

    marks: np.ndarray
    glyphs: np.ndarray
    kept: np.ndarray


def _strip_ink(crop: np.ndarray, scale: float) -> _StripInk | None:
    """The ink of ``crop`` (a strip at ``scale`` times the plane's size) and its glyphs: the blobs of the ink without
    straight rules longer than ``RULE`` glyph heights (a bracket, a bar's edge) that are glyph-sized (``GLYPH``) and
    cross their median centre line (letters written one above the other are centred on one); None when there is no
    ink or no such glyph. The glyph height is the median blob height once rules are
    cut at the median height of the blobs as they were, again until it no longer falls (rules lumped with glyphs make
    the first one too tall)."""
    mask = ink(crop, Box(0, 0, crop.shape[1] - 1, crop.shape[0] - 1))
    height = _blob_height(mask, scale) if mask is not None else None
    if mask is None or height is None:
        return None
    cut = without_rules(mask, max(2, round(RULE * height)))
    for _ in range(ROUNDS - 1):
        lower = _blob_height(cut, scale)
        if lower is None or lower >= height:
            break
        height = lower
        cut = without_rules(mask, max(2, round(RULE * height)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cut.astype(np.uint8), connectivity=8)
    left, width, tall = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    sized = tall >= GLYPH * height
    centre = np.median(left[sized] + width[sized] / 2) if sized.any() else -1
    glyphs = sized & (left <= centre) & (centre <= left + width)
    if not glyphs.any():
        return None
    first, last = left[glyphs].min(), (left + width)[glyphs].max()
    inside = glyphs | ((left >= first) & (left + width <= last))
    return _StripInk(mask, np.isin(labels, 1 + np.flatnonzero(glyphs)), np.isin(labels, 1 + np.flatnonzero(inside)))


def _thin(piece: np.ndarray) -> bool:
    """Whether the ink of one glyph (``piece``, a mask) is drawn in strokes (``THICK``), not a blob."""
    rows, columns = np.flatnonzero(piece.any(axis=1)), np.flatnonzero(piece.any(axis=0))
    box = Box(int(columns[0]), int(rows[0]), int(columns[-1]), int(rows[-1]))
    return stroke_ratio(piece, box) <= THICK


def stacked_glyphs(crop: np.ndarray, scale: float) -> StackedGlyphs | None:
    """The glyphs of ``crop``, a tall line's strip at ``scale`` times the plane's size: the runs of rows of its glyph
    ink (:func:`_strip_ink`), in its column, laid left to right on the strip's ground; None unless there are 2 to
    ``MAX_GLYPHS``, at most ``MAX_HEIGHT`` high, each drawn in strokes (:func:`_thin`: shaded anatomy cut into
    blobs reads ``111``)."""
    strip = _strip_ink(crop, scale)
    if strip is None:
        return None
    runs = runs_of(np.asarray(strip.glyphs.any(axis=1)))
    if not 2 <= len(runs) <= MAX_GLYPHS or max(last - first + 1 for first, last in runs) > MAX_HEIGHT * scale:
        return None
    columns = np.flatnonzero(strip.kept.any(axis=0))
    left, right = max(0, int(columns[0]) - 1), int(columns[-1]) + 2
    if not all(_thin(strip.kept[first:last + 1, left:right]) for first, last in runs):
        return None
    ground = np.median(crop[~strip.marks], axis=0).astype(crop.dtype)
    glyphs = crop.copy()
    glyphs[~cv2.dilate(strip.kept.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)] = ground
    pieces = [glyphs[max(0, first - 1):last + 2, left:right] for first, last in runs]
    height = max(piece.shape[0] for piece in pieces)
    gap = max(1, round(GAP * height))
    line = np.empty((height + 2 * gap, sum(piece.shape[1] + 2 * gap for piece in pieces) + 2 * gap,
                     *crop.shape[2:]), crop.dtype)
    line[...] = ground
    x = 2 * gap
    for piece in pieces:
        top = gap + (height - piece.shape[0]) // 2
        line[top:top + piece.shape[0], x:x + piece.shape[1]] = piece
        x += piece.shape[1] + 2 * gap
    rows, width = crop.shape[:2]
    extent = (left / width, max(0, runs[0][0] - 1) / rows, right / width, (runs[-1][1] + 2) / rows)
    return StackedGlyphs(line, len(pieces), extent)


def read_as_stacked(reading: tuple[str, float], glyphs: StackedGlyphs) -> bool:
    """Whether ``reading`` of ``glyphs`` side by side is their text: sure, one character per glyph."""
    text, score = reading
    return score >= MIN_CONFIDENCE and len(text.replace(" ", "")) == glyphs.count
