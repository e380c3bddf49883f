"""Fields in one detected line: a detector's line box split where its ink leaves a gap wider than a line height.

Scanners write separate fields side by side on one row (a name, then the probe; a counter, then the date). A
detector often boxes two such fields as one line when they are a few characters apart, and the recogniser then reads
them as one text (``DR 782023-09-23``), so the technical field takes the name's or date's verdict. A gap in the ink
wider than ``FIELD_GAP`` glyph heights is not a space between words: the line is cut in the middle of the gap and
each piece is recognised on its own. Pieces together cover the whole line, so nothing the line covered is lost; and
where a piece reads as nothing (a value OCR cannot read beside its label), the line is read whole instead, so the
label keeps the unreadable value in its region.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..engines.base import Detection, LineEngine
from ..geometry import Box
from ..regions.glyphs import ink

if TYPE_CHECKING:
    from .lines import Line

FIELD_GAP = 1.2   # glyph heights of ink-free columns that separate two fields


def field_gaps(crop: np.ndarray) -> list[float]:
    """Where (fractions of the width) a line's straightened crop has ink-free gaps of ``FIELD_GAP`` times the height
    of its ink (its glyphs, not the detector's taller box) or more between ink; none when its ink is not clear
    (texture behind the text)."""
    rows, columns = crop.shape[:2]
    mask = ink(crop, Box(0, 0, columns - 1, rows - 1))
    if mask is None:
        return []
    inked_rows = np.flatnonzero(mask.any(axis=1))
    inked = np.flatnonzero(mask.any(axis=0))
    if len(inked) < 2:
        return []
    height = inked_rows[-1] - inked_rows[0] + 1
    gaps = np.diff(inked) - 1
    wide = np.flatnonzero(gaps >= FIELD_GAP * height)
    return [float((inked[i] + 1 + gaps[i] / 2) / columns) for i in wide]


def _point(quad: np.ndarray, t: float) -> np.ndarray:
    """The point a fraction ``t`` along a quadrilateral's top edge (clockwise from top left)."""
    return quad[0] + t * (quad[1] - quad[0])


def _sub_quad(quad: np.ndarray, start: float, end: float) -> np.ndarray:
    """The part of ``quad`` between fractions ``start`` and ``end`` of its length."""
    top = (quad[0] + start * (quad[1] - quad[0]), quad[0] + end * (quad[1] - quad[0]))
    bottom = (quad[3] + end * (quad[2] - quad[3]), quad[3] + start * (quad[2] - quad[3]))
    return np.array([top[0], top[1], bottom[0], bottom[1]], dtype=np.float32)


def _plane_x(line: Line, t: float, rows: int, columns: int) -> int:
    """The plane column of the point a fraction ``t`` along ``line``'s quadrilateral."""
    x, y = _point(np.asarray(line.detection.quad, dtype=float), t)
    spot = Box(int(x), int(y), int(x), int(y))
    mapped = line.variant.to_plane(spot, rows, columns)
    return mapped.left if mapped is not None else (line.box.left if t < 0.5 else line.box.right)


def split_fields(engine: LineEngine, line: Line, rows: int, columns: int) -> list[Line]:
    """``line`` cut into its fields (see the module docstring); ``[line]`` when it holds one, or is tall. ``rows``
    and ``columns`` are the plane's."""
    if line.tall:
        return [line]
    quad = np.asarray(line.detection.quad, dtype=np.float32)
    cuts = field_gaps(engine.crop(line.variant.image, quad))
    if not cuts:
        return [line]
    bounds = [0.0, *cuts, 1.0]
    lefts = [line.box.left] + [_plane_x(line, t, rows, columns) for t in cuts]
    rights = [x - 1 for x in lefts[1:]] + [line.box.right]
    pieces = []
    for (start, end), left, right in zip(zip(bounds, bounds[1:]), lefts, rights):
        if right >= left:
            box = Box(left, line.box.top, right, line.box.bottom)
            pieces.append(replace(line, detection=Detection(_sub_quad(quad, start, end), line.detection.score),
                                  box=box))
    return pieces or [line]


def split_all(engine: LineEngine, lines: Sequence[Line], rows: int, columns: int) -> list[list[Line]]:
    """The fields of each of ``lines``."""
    return [split_fields(engine, line, rows, columns) for line in lines]
