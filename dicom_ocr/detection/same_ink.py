"""A line continues in its own ink: the part of a grey text line drawn over anatomy as bright as its ink.

Scanners draw a line in one flat grey. Where it crosses anatomy brighter than that grey on one side and darker on
the other, the detector boxes the part that stands out and misses the rest (``Dr. Dubois`` in grey 57 over a bone
edge: ``Dubois`` found, ``Dr.`` not), and a reviewer sees the line cut. The ink of a line read is found exactly (the
grey most of its ink pixels share), and glyph-sized blobs of exactly that grey beside the line, on its rows, no
farther than a gap between two fields (a full stop may lie between) and outside the other lines read, are added to
its box. Anatomy and noise hold that exact grey in specks, not in glyph-sized blobs drawn in strokes; a line whose
ink is not one flat grey (anti-aliased or compressed text), or is the plane's darkest or brightest grey (text the
detector sees whole), is left as it was.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..engines.base import Word
from ..geometry import Box
from ..regions.glyphs import ink, stroke_ratio

FLAT_INK = 0.6       # share of a line's ink pixels at its modal grey, at least, for its ink to be one flat grey
MIN_CHARACTERS = 3   # lines read this long and more are continued (a short read may be anything)
REACH = 1.2          # glyph heights: a blob this far from the line, at most, continues it (``fields.FIELD_GAP``:
                     # a wider gap separates two fields)
STOP = 0.15          # a blob this share of a glyph height high, at least, is a full stop or colon linking two blobs
GLYPH = (0.5, 1.2)   # a blob's height, in glyph heights of the line
MAX_WIDTH = 1.5      # a blob's width, in glyph heights, at most
THIN = 0.5           # a blob's widest stroke over its shorter side, at most (a glyph, not a patch: the archive's
                     # cut line 0.33-0.46; a filled stroke such as an ``i`` is not taken, a neighbour may link past it)


def _flat_ink(ground: np.ndarray, box: Box) -> tuple[int, int] | None:
    """The one grey the ink of the line under ``box`` is drawn in, and the height of that ink; None when its ink is
    not one flat grey or is the plane's darkest or brightest."""
    mask = ink(ground, box)
    if mask is None:
        return None
    crop = ground[box.top:box.bottom + 1, box.left:box.right + 1]
    counts = np.bincount(crop[mask].ravel(), minlength=256)
    grey = int(counts.argmax())
    if counts[grey] < FLAT_INK * mask.sum() or grey in (int(ground.min()), int(ground.max())):
        return None
    rows = np.flatnonzero((crop == grey).any(axis=1))
    return grey, int(rows[-1] - rows[0] + 1)


def _blobs(ground: np.ndarray, band: Box, grey: int, height: int) -> tuple[list[Box], list[Box]]:
    """The blobs of exactly ``grey`` in ``band``: those sized and drawn like glyphs ``height`` px high, and those
    sized like punctuation (``STOP``), which may link two of them but do not continue a line alone."""
    mask = (ground[band.top:band.bottom + 1, band.left:band.right + 1] == grey).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    glyphs, stops = [], []
    for label in range(1, count):
        left, top, width, tall, area = (int(v) for v in stats[label])
        box = Box(left, top, left + width - 1, top + tall - 1)
        if (GLYPH[0] * height <= tall <= GLYPH[1] * height and width <= MAX_WIDTH * height and area >= height
                and stroke_ratio(labels[box.top:box.bottom + 1, box.left:box.right + 1] == label, box) <= THIN):
            glyphs.append(box.shift(band.left, band.top))
        elif STOP * height <= tall < GLYPH[0] * height and width < GLYPH[0] * height:
            stops.append(box.shift(band.left, band.top))
    return glyphs, stops


def _beside(blob: Box, box: Box, reach: int) -> bool:
    """Whether ``blob`` (taken on the line's rows) lies clear of ``box``, at most ``reach`` px before or after it."""
    return blob.intersection(box) is None and (box.left - reach <= blob.right < box.left
                                               or box.right < blob.left <= box.right + reach)


def continued(ground: np.ndarray, box: Box, others: Sequence[Box] = ()) -> Box:
    """``box``, a line read on ``ground`` (the plane's one channel), grown over the glyphs of its own flat grey beside
    it (see the module docstring), not into the boxes of the ``others`` lines read."""
    ink_of_line = _flat_ink(ground, box)
    if ink_of_line is None:
        return box
    grey, height = ink_of_line
    reach = max(2, int(REACH * height))
    band = Box(max(0, box.left - 8 * height), box.top, min(ground.shape[1] - 1, box.right + 8 * height), box.bottom)
    glyphs, stops = _blobs(ground, band, grey, height)
    glyphs = [g for g in glyphs if not any(g.expand(1, 1).intersection(other) for other in others)]
    grown = True
    while grown:
        grown = False
        for glyph in [g for g in glyphs if g.intersection(box) is None]:
            if _beside(glyph, box, reach) or any(_beside(stop, box, reach) and _beside(glyph, stop, reach)
                                                 for stop in stops):
                box, grown = box.union(glyph), True
    return box


def continue_lines(ground: np.ndarray, words: Sequence[Word]) -> list[Word]:
    """``words`` with the boxes of lines of ``MIN_CHARACTERS`` and more grown over their own ink beside them."""
    return [Word(continued(ground, w.box, [o.box for o in words if o is not w]), w.text, w.confidence)
            if len(w.text.replace(" ", "")) >= MIN_CHARACTERS else w for w in words]
