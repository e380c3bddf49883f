"""Margins around lines, so no glyph edge is left out, and kept off the text of neighbouring lines."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from ..geometry import Box
from .region import SHORT, Region, characters


def add_margin(regions: Iterable[Region], rows: int, columns: int, *, pixels: int = 3,
               fraction: float = 0.15, along: float = 0.4, along_glyphs: float = 0.15) -> list[Region]:
    """Grow each region by ``pixels`` (3) + ``fraction`` (0.15) of its line height across the line, and by ``pixels``
    + ``along`` (0.4) of the line height along it (detectors often clip the first and last glyph of a line), clipped
    to the plane. A read of one or two characters (a scale digit, a letter) is one or two glyphs the detector boxed
    whole: it gets ``along_glyphs`` (0.15) along it, as across.

    The line height is the shorter side of the box, so a vertical line of text gets a margin fitted to its glyphs.
    Margins may reach into neighbouring lines: text a detector half-missed next to a line stays covered (see
    ``stop_short_of`` for keeping one kind of line off another).
    """
    grown = []
    for region in regions:
        height = min(region.box.height, region.box.width)
        across = pixels + math.ceil(fraction * height - 1e-9)
        share = along_glyphs if characters(region.text) <= SHORT else along
        lengthwise = pixels + math.ceil(share * height - 1e-9)
        horizontal = region.box.width >= region.box.height
        dx, dy = (lengthwise, across) if horizontal else (across, lengthwise)
        box = region.box.expand(dx, dy).clip(rows, columns)
        if box is not None:
            grown.append(Region(box, region.text, region.confidence, region.ocrengine, region.words))
    return grown


def core_box(region: Region) -> Box:
    """The box of the words ``region`` was made of, without its margin (its box when it has no words)."""
    if not region.words:
        return region.box
    box = region.words[0].box
    for word in region.words[1:]:
        box = box.union(word.box)
    return box


def stop_short_of(regions: Iterable[Region], neighbours: Sequence[Region]) -> list[Region]:
    """``regions`` with the margins of their horizontal lines cut where they would reach into the text of the lines
    of ``neighbours`` just above or below (e.g. a PHI line's margin kept off the label line under it), or into a
    field beside them on the same row (a name's margin kept off the probe written after it)."""
    cores = [core_box(n) for n in neighbours]
    kept = []
    for region in regions:
        box = region.box
        if box.width >= box.height:
            own = core_box(region)
            box = _stop_short_of_beside(own, _stop_short_of_neighbours(own, box, cores), cores)
        kept.append(Region(box, region.text, region.confidence, region.ocrengine, region.words))
    return kept


def _stop_short_of_neighbours(own: Box, grown: Box, others: Sequence[Box]) -> Box:
    """``grown`` cut where it would reach into the lines above or below ``own``.

    Detectors' line boxes are often taller than the glyphs, so two lines' boxes can overlap. The border between two
    lines is put between their centres, in proportion to their heights: where their glyphs would meet.
    """
    top, bottom = grown.top, grown.bottom
    centre, height = (own.top + own.bottom) / 2, own.height
    for other in others:
        if other.right < own.left or other.left > own.right:
            continue                                   # beside the line (a field on the same row), not above or below
        other_centre = (other.top + other.bottom) / 2
        distance = other_centre - centre
        if abs(distance) < 0.6 * min(height, other.height):
            continue                                   # the same line, or the same text found twice
        border = centre + distance * height / (height + other.height)
        if distance > 0:
            bottom = min(bottom, math.floor(border))
        else:
            top = max(top, math.ceil(border))
    return Box(grown.left, top, grown.right, bottom)


def _stop_short_of_beside(own: Box, grown: Box, others: Sequence[Box]) -> Box:
    """``grown`` cut half way across the gap to the fields beside ``own`` on its row (boxes overlapping its rows by
    half the smaller height, not overlapping it along the row)."""
    left, right = grown.left, grown.right
    for other in others:
        vertical = min(own.bottom, other.bottom) - max(own.top, other.top) + 1
        if vertical < 0.5 * min(own.height, other.height):
            continue
        if other.left > own.right:
            right = min(right, max(own.right, (own.right + other.left) // 2))
        elif other.right < own.left:
            left = max(left, min(own.left, (other.right + own.left + 1) // 2))
    return Box(left, grown.top, right, grown.bottom)
