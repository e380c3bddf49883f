"""The final merge: regions holding the same text fused, neighbouring fields left apart.

After margins, the regions of two fields side by side on one baseline (a name and the probe beside it) often
overlap. They stay two regions: only regions whose *words* touch or lie a space apart are the same field, and a
region lying inside another is the same text found twice.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..geometry import Box
from .lines import SPACE_GAP
from .margins import core_box
from .region import Region

SAME_SPOT = 0.5     # a region of a frame read again covering this much of an earlier one (or of itself) replaces it


def _contains(outer: Box, inner: Box, share: float) -> bool:
    overlap = outer.intersection(inner)
    return overlap is not None and overlap.area >= share * inner.area


def _one_field(a: Box, b: Box, min_vertical_overlap: float, max_height_ratio: float) -> bool:
    """Whether two word boxes are on one line (vertical overlap and similar heights) at most a space apart."""
    small, large = sorted((a.height, b.height))
    vertical = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
    gap = max(a.left, b.left) - min(a.right, b.right) - 1
    return vertical >= min_vertical_overlap * small and large <= max_height_ratio * small \
        and gap <= SPACE_GAP * (a.height + b.height) / 2


def _combine(a: Region, b: Region) -> Region:
    """One region for two: united box, the larger region's engine, texts joined left to right without repeats."""
    first, second = sorted((a, b), key=lambda r: (r.box.left, r.box.top))
    big, small = sorted((a, b), key=lambda r: -r.box.area)
    if small.text.casefold() in big.text.casefold() or big.text.casefold() in small.text.casefold():
        text = max(big.text, small.text, key=len)   # the same text seen twice is kept once
    else:
        text = f"{first.text} {second.text}"
    total = a.box.area + b.box.area
    confidence = (a.confidence * a.box.area + b.confidence * b.box.area) / total
    words = tuple(sorted(a.words + b.words, key=lambda w: (w.box.left, w.box.top)))
    return Region(a.box.union(b.box), text, confidence, big.ocrengine, words)


def _same_text(a: Region, b: Region, contained: float, min_vertical_overlap: float, max_height_ratio: float) -> bool:
    if a.box.intersection(b.box.expand(1, 0)) is None:
        return False
    return _contains(a.box, b.box, contained) or _contains(b.box, a.box, contained) \
        or _one_field(core_box(a), core_box(b), min_vertical_overlap, max_height_ratio)


def merge_overlapping(regions: Iterable[Region], *, contained: float = 0.9, min_vertical_overlap: float = 0.8,
                      max_height_ratio: float = 2.0) -> list[Region]:
    """Fuse regions holding the same text: one lying (>= ``contained``) inside the other, or overlapping regions
    whose words are on one line (vertical overlap >= ``min_vertical_overlap`` of the smaller height, heights within
    ``max_height_ratio``) at most a space apart (``lines.SPACE_GAP``). Regions whose margins alone overlap stay apart.

    Repeats until nothing changes; the result is in reading order (top, then left).
    """
    pending = list(regions)
    changed = True
    while changed:
        changed = False
        i = 0
        while i < len(pending):
            j = i + 1
            while j < len(pending):
                if _same_text(pending[i], pending[j], contained, min_vertical_overlap, max_height_ratio):
                    pending[i] = _combine(pending[i], pending.pop(j))
                    changed = True
                    j = i + 1
                else:
                    j += 1
            i += 1
    return sorted(pending, key=lambda r: (r.box.top, r.box.left))


def supersede(current: Sequence[Region], earlier: Sequence[Region]) -> list[Region]:
    """The regions of a frame read again (``current``) plus the ``earlier`` ones still to keep.

    An earlier region on the spot of a current one (either covering ``SAME_SPOT`` of the other) is the same field
    read before (a clock that ticked): the current text is kept, over both boxes. An earlier region no current one
    covers is kept as it was (OCR missed it this time).
    """
    merged = list(current)
    for old in earlier:
        for index, new in enumerate(merged):
            if _contains(new.box, old.box, SAME_SPOT) or _contains(old.box, new.box, SAME_SPOT):
                merged[index] = Region(new.box.union(old.box), new.text, new.confidence, new.ocrengine, new.words)
                break
        else:
            merged.append(old)
    return sorted(merged, key=lambda r: (r.box.top, r.box.left))
