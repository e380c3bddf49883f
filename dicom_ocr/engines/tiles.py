"""Text detection of large images in overlapping strips, so that no detector input is larger than a strip.

A text detector's memory grows with its input: OpenVINO keeps the buffers of the largest input it has run, and a
radiograph's 2000 x 1564 detection took the process from 0.3 to 1.3 GB (BENCHMARKS.md). An image larger than
``MAX_AREA`` (the engine's ``max_detect_pixels``; off by default: the detector sees less of the plane around each
line, and on real text-free slices it then reads more anatomy as glyphs) is cut into equal strips its width
(heights multiples of 32, the detector's stride, so it does not resize them), overlapping by ``OVERLAP`` rows, so
that a line up to that high lies whole in some strip; each strip is detected alone, keeps what it finds in the rows
it answers for, and the pieces of a taller line are joined again.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np

from ..geometry import Box
from ..regions.lines import components
from .base import Detection
from .images import polygon_box

MAX_AREA = 2_200_000   # pixels a detector input may hold, as measured (BENCHMARKS.md): a 600 x 800 cine frame
                       # enlarged stays whole, a 1024 x 1024 slice enlarged (1984 x 1984) is two strips
OVERLAP = 128          # rows two neighbouring strips share; lines up to this high are whole in some strip
STRIDE = 32            # strip heights are multiples of this (the detector rounds its input to it)


def cut_into_strips(rows: int, columns: int, max_area: int = MAX_AREA, overlap: int = OVERLAP) -> list[Box]:
    """Equal strips the width of a ``rows`` x ``columns`` image, top to bottom, each of at most ``max_area`` pixels (the
    whole image when it is no larger), neighbours overlapping by ``overlap`` rows at least. Strips, not a grid: text
    lines run across, so a line lower than ``overlap`` lies whole in some strip, however long it is."""
    count, height = 1, rows
    while height * columns > max_area and height > 2 * overlap:
        count += 1
        height = min(rows, STRIDE * math.ceil((rows + (count - 1) * overlap) / count / STRIDE))
    if count == 1:
        return [Box(0, 0, columns - 1, rows - 1)]
    tops = [round(i * (rows - height) / (count - 1)) for i in range(count)]
    return [Box(0, top, columns - 1, top + height - 1) for top in tops]


def owned_rows(strips: Sequence[Box]) -> list[tuple[float, float]]:
    """The rows each strip answers for: from the middle of its overlap with the strip above to the middle of its
    overlap with the one below. A line whose centre lies there is whole in the strip (when lower than the overlap)
    and away from the cut the strip's edge makes through anatomy."""
    cuts = [(upper.bottom + 1 + lower.top) / 2 for upper, lower in zip(strips, strips[1:])]
    return list(zip([-math.inf, *cuts], [*cuts, math.inf]))


def detect_tiled(detect: Callable[[np.ndarray], list[Detection]], image: np.ndarray,
                 max_area: int = MAX_AREA, overlap: int = OVERLAP) -> list[Detection]:
    """``detect`` run on ``image`` whole when it holds at most ``max_area`` pixels, else on each strip of
    :func:`cut_into_strips`, keeping what each strip finds in the rows it answers for (:func:`owned_rows`) and joining the
    pieces of one line (:func:`join_pieces`); quadrilaterals in ``image``'s pixels."""
    rows, columns = image.shape[:2]
    strips = cut_into_strips(rows, columns, max_area, overlap)
    if len(strips) == 1:
        return detect(image)
    pieces = []
    for index, (strip, (first, last)) in enumerate(zip(strips, owned_rows(strips))):
        for found in detect(image[strip.top:strip.bottom + 1]):
            quad = found.quad + np.array([0, strip.top], np.float32)
            if first <= float(quad[:, 1].mean()) < last:
                pieces.append((index, Detection(quad, found.score)))
    return join_pieces(pieces, strips, rows, columns)


def _same_line(a: Box, b: Box) -> bool:
    """Whether boxes found in two strips are pieces of one line taller than the overlap, cut by a strip's edge: they
    overlap, across half the narrower one's width at least."""
    overlap = a.intersection(b)
    return overlap is not None and overlap.width >= 0.5 * min(a.width, b.width)


def _at_cut(box: Box, strip: Box, rows: int) -> bool:
    """Whether ``box`` reaches an edge of ``strip`` that is not an edge of the image (where the strip cuts through
    whatever is there, and the detector may see a line in the cut)."""
    return (box.top <= strip.top and strip.top > 0) or (box.bottom >= strip.bottom and strip.bottom < rows - 1)


def join_pieces(pieces: Sequence[tuple[int, Detection]], strips: Sequence[Box], rows: int,
                columns: int) -> list[Detection]:
    """The lines of ``pieces`` (strip index, detection in image pixels): pieces of different strips that hold one line
    (:func:`_same_line`, transitively) become one detection, the upright quadrilateral of their boxes' union with the
    best score; a piece alone keeps its own quadrilateral, unless it reaches a cut between strips (:func:`_at_cut`):
    a line lower than the overlap that reaches a cut belongs to the next strip, so that piece is the cut itself."""
    placed = [(strip, found, box) for strip, found in pieces
              if (box := polygon_box(found.quad, rows, columns)) is not None]
    pairs = [(i, j) for i in range(len(placed)) for j in range(i + 1, len(placed))
             if placed[i][0] != placed[j][0] and _same_line(placed[i][2], placed[j][2])]
    joined = []
    for line in components(len(placed), pairs):
        if len(line) == 1:
            strip, found, box = placed[line[0]]
            if not _at_cut(box, strips[strip], rows):
                joined.append(found)
            continue
        box = functools.reduce(Box.union, (placed[i][2] for i in line))
        quad = np.array([[box.left, box.top], [box.right, box.top], [box.right, box.bottom], [box.left, box.bottom]],
                        np.float32)
        joined.append(Detection(quad, max(placed[i][1].score for i in line)))
    return joined
