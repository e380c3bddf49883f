"""Whether a plane may hold text too small for the detector at its own scale, which only the enlarged copy shows.

The enlarged copy (``x2``) is the largest detection of a plane: on real text-free slices it is 40% of a scan's CPU.
It is there for small text (glyphs of 5-8 px). It is detected unless the plane shows no sign of small text:

- the detector found no line under ``SMALL_LINE`` px high at the plane's own scale (small text shows there as short,
  low lines more often than as nothing), and
- no glyph-sized blob is drawn at the top of the plane's range (scanners draw text at the top: ``TOP_LEVEL``), of
  ``GLYPH_HEIGHT`` px high, at most ``GLYPH_WIDTH`` wide and ``GLYPH_PIXELS`` pixels at least.

Measured on every set (BENCHMARKS.md): no ground-truth box lost, the enlarged copy skipped on 43% of 560 real
text-free slices; the top-of-range test alone lost a box (a grey label line), the line test alone lost jsl's 5-px
blocks.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..geometry import Box

SMALL_LINE = 20               # px: a line this low found at the plane's scale may be small text
TOP_LEVEL = 249               # 8-bit renderings put the top of the range at 255
GLYPH_HEIGHT = (3, 20)        # px, the height of a glyph of small text drawn at the top of the range
GLYPH_WIDTH = 24              # px, at most
GLYPH_PIXELS = 3              # pixels, at least
SKIPPED = "enlarged copy not detected: no line under 20 px and no glyph-sized top-of-range blob at the plane's scale"


def may_hold_small_text(ground: np.ndarray, lines: Sequence[Box]) -> bool:
    """Whether a plane (``ground``: its one channel, :func:`~.variants.grey`), on which the detector found the line
    boxes ``lines`` at its own scale, may hold small text."""
    return any(box.height < SMALL_LINE for box in lines) or _glyph_sized_top_blob(ground)


def _glyph_sized_top_blob(ground: np.ndarray) -> bool:
    top = (ground >= TOP_LEVEL).astype(np.uint8)
    if not top.any():
        return False
    count, _, stats, _ = cv2.connectedComponentsWithStats(top, connectivity=8)
    heights, widths = stats[1:count, cv2.CC_STAT_HEIGHT], stats[1:count, cv2.CC_STAT_WIDTH]
    glyphs = ((heights >= GLYPH_HEIGHT[0]) & (heights <= GLYPH_HEIGHT[1]) & (widths <= GLYPH_WIDTH)
              & (stats[1:count, cv2.CC_STAT_AREA] >= GLYPH_PIXELS))
    return bool(glyphs.any())
