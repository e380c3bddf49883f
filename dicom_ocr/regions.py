"""Turn the word boxes of several engines and image variants into text regions, one per line of text.

Pipeline (``build_regions``): ``filter_words`` drops noise, ``merge_lines`` drops boxes lumping lines that other
reads separated, de-duplicates words seen by several engines or variants and groups the rest into lines,
``add_margin`` grows each line so no glyph edge is left out, and ``merge_overlapping`` fuses what the margins made
overlap on the same line or swallowed entirely. Once lines are judged, ``stop_short_of`` keeps one kind of line's
margins off another's text. All boxes are inclusive plane coordinates (``geometry.Box``).
"""
from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .engines.base import Word
from .geometry import Box

log = logging.getLogger(__name__)

TaggedWord = tuple[int, Word]
"""A word with the ``ocrengine`` number of the engine that read it."""


@dataclass(frozen=True)
class Region:
    """A line (or block) of text: its box in the plane, its text, its confidence in 0..1, the engine that gave most."""

    box: Box
    text: str
    confidence: float
    ocrengine: int
    words: tuple[Word, ...] = ()


# ---------------------------------------------------------------- filtering

STROKES = frozenset("lIij")
"""Letters that texture edges are read as, repeated ("lll", "iii"); real repeats such as "ZZZ" or "111" stay."""


def _is_symbol_noise(text: str) -> bool:
    """True for text of only symbols ("...", "||"), a stroke letter repeated ("lll"), or one character that is not an
    ASCII letter or digit (a stroke of texture read as "一" or "_")."""
    if len(text) == 1:
        return not (text.isascii() and text.isalnum())
    return not any(ch.isalnum() for ch in text) or (len(set(text)) == 1 and text[0] in STROKES)


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
        thickness = min(box.height, box.width) if len(text) > 1 else box.height   # a vertical line of text is thin
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


# ---------------------------------------------------------------- de-duplication and lines

def _boxes_array(boxes: Sequence[Box]) -> np.ndarray:
    return np.array([(b.left, b.top, b.right, b.bottom) for b in boxes], dtype=np.int64).reshape(-1, 4)


def _overlap_area(box: Box, arr: np.ndarray) -> np.ndarray:
    """Intersection areas of ``box`` with each row of ``arr`` (left, top, right, bottom)."""
    w = np.minimum(arr[:, 2], box.right) - np.maximum(arr[:, 0], box.left) + 1
    h = np.minimum(arr[:, 3], box.bottom) - np.maximum(arr[:, 1], box.top) + 1
    return np.clip(w, 0, None) * np.clip(h, 0, None)


def _drop_multiline_lumps(words: Sequence[TaggedWord], min_inside: float = 0.5, max_height: float = 0.75,
                          min_cover: float = 0.6) -> list[TaggedWord]:
    """Words without the boxes that span several lines other reads separated.

    Reading small text at native size, a detector may lump two lines into one box, which would fuse a label line
    with its neighbour's value. A box is such a lump when words at most ``max_height`` (0.75) of its height, lying
    at least ``min_inside`` (0.5) inside it, sit on two or more lines and together cover ``min_cover`` (0.6) of it.
    """
    if len(words) < 3:
        return list(words)
    arr = _boxes_array([w.box for _, w in words])
    areas = (arr[:, 2] - arr[:, 0] + 1) * (arr[:, 3] - arr[:, 1] + 1)
    kept = []
    for i, (engine, word) in enumerate(words):
        box = word.box
        inside = (_overlap_area(box, arr) >= min_inside * areas) & (arr[:, 3] - arr[:, 1] + 1 <= max_height * box.height)
        inside[i] = False
        parts = [Box(*arr[j]) for j in np.nonzero(inside)[0]]
        if not (_on_several_lines(parts) and _covered_share(box, parts) >= min_cover):
            kept.append((engine, word))
    return kept


def is_multiline_lump(box: Box, others: Sequence[Box], min_inside: float = 0.5, max_height: float = 0.75,
                      min_cover: float = 0.6) -> bool:
    """Whether ``box`` lumps several lines that ``others`` (boxes of another read) separate, by the rule of
    ``_drop_multiline_lumps``."""
    parts = []
    for other in others:
        overlap = box.intersection(other)
        if overlap is not None and overlap.area >= min_inside * other.area and other.height <= max_height * box.height:
            parts.append(other)
    return _on_several_lines(parts) and _covered_share(box, parts) >= min_cover


def _on_several_lines(boxes: Sequence[Box]) -> bool:
    """Whether two of ``boxes`` overlap vertically by less than half the smaller height (stacked lines)."""
    for a_index, a in enumerate(boxes):
        for b in boxes[a_index + 1:]:
            if min(a.bottom, b.bottom) - max(a.top, b.top) + 1 < 0.5 * min(a.height, b.height):
                return True
    return False


def _covered_share(box: Box, parts: Sequence[Box]) -> float:
    """Share of ``box`` covered by the union of ``parts``."""
    mask = np.zeros((box.height, box.width), dtype=bool)
    for part in parts:
        overlap = box.intersection(part)
        if overlap is not None:
            mask[overlap.top - box.top:overlap.bottom - box.top + 1, overlap.left - box.left:overlap.right - box.left + 1] = True
    return float(mask.mean())


def _dedup(words: Sequence[TaggedWord], min_overlap: float, same_iou: float) -> list[TaggedWord]:
    """Fuse words that cover the same spot (inter >= ``min_overlap`` of the smaller box), largest first.

    Boxes are united. Of two similar boxes (IoU >= ``same_iou``) the more confident text wins; when one box mostly
    holds the other (a Tesseract word inside a RapidOCR line) the larger one's text is kept, since it holds the other.
    """
    order = sorted(words, key=lambda tw: (-tw[1].box.area, -tw[1].confidence))
    kept: list[TaggedWord] = []
    arr = np.empty((0, 4), dtype=np.int64)
    for engine, word in order:
        if len(kept):
            inter = _overlap_area(word.box, arr)
            areas = (arr[:, 2] - arr[:, 0] + 1) * (arr[:, 3] - arr[:, 1] + 1)
            ratio = inter / np.minimum(areas, word.box.area)
            best = int(np.argmax(ratio))
            if ratio[best] >= min_overlap:
                iou = inter[best] / (areas[best] + word.box.area - inter[best])
                k_engine, k_word = kept[best]
                box = k_word.box.union(word.box)
                if iou >= same_iou and word.confidence > k_word.confidence:
                    k_engine, k_word = engine, word
                kept[best] = (k_engine, Word(box, k_word.text, k_word.confidence))
                arr[best] = (box.left, box.top, box.right, box.bottom)
                continue
        kept.append((engine, word))
        arr = np.vstack([arr, _boxes_array([word.box])])
    return kept


def components(n: int, pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find) of ``n`` nodes linked by ``pairs``, each sorted, in first-node order."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _line_pairs(boxes: np.ndarray, min_vertical_overlap: float, max_height_ratio: float,
                max_gap: float) -> Iterable[tuple[int, int]]:
    """Pairs of boxes on the same text line: enough vertical overlap, similar heights, a small horizontal gap."""
    left, top, right, bottom = (boxes[:, i][:, None] for i in range(4))
    h = (bottom - top + 1).astype(float)
    hmin, hmax = np.minimum(h, h.T), np.maximum(h, h.T)
    vo = np.minimum(bottom, bottom.T) - np.maximum(top, top.T) + 1
    gap = np.maximum(left - right.T, left.T - right) - 1
    linked = ((vo >= min_vertical_overlap * hmin) & (hmax <= max_height_ratio * hmin)
              & (gap <= max_gap * (h + h.T) / 2))
    a, b = np.nonzero(np.triu(linked, 1))
    return zip(a.tolist(), b.tolist())


def _region(members: Sequence[TaggedWord]) -> Region:
    """A region of ``members``: united box, area-weighted confidence, the engine with the most area (first on ties)."""
    box = members[0][1].box
    for _, word in members[1:]:
        box = box.union(word.box)
    share: dict[int, int] = {}
    for engine, word in members:
        share[engine] = share.get(engine, 0) + word.box.area
    total = sum(share.values())
    confidence = sum(word.confidence * word.box.area for _, word in members) / total
    ordered = sorted(members, key=lambda tw: (tw[1].box.left, tw[1].box.top))
    text = " ".join(word.text.strip() for _, word in ordered)
    return Region(box, text, confidence, max(share, key=share.get), tuple(word for _, word in ordered))


def merge_lines(words: Iterable[TaggedWord], *, min_overlap: float = 0.5, same_iou: float = 0.5,
                min_vertical_overlap: float = 0.5, max_height_ratio: float = 2.0,
                max_gap: float = 1.5) -> list[Region]:
    """Group (ocrengine, word) pairs into one region per text line, in reading order (top, then left).

    First words covering the same spot are fused (see ``min_overlap``, ``same_iou``) so no text is doubled. Then two
    words share a line when their vertical overlap is >= ``min_vertical_overlap`` (0.5) of the smaller height, the
    taller is at most ``max_height_ratio`` (2) times the shorter, and the horizontal gap is at most ``max_gap``
    (1.5) times their mean height. Texts are joined left to right with spaces.
    """
    words = list(words)
    unique = _dedup(_drop_multiline_lumps(words), min_overlap, same_iou)
    if not unique:
        return []
    pairs = _line_pairs(_boxes_array([w.box for _, w in unique]), min_vertical_overlap, max_height_ratio, max_gap)
    regions = [_region([unique[i] for i in group]) for group in components(len(unique), pairs)]
    log.debug("%d words -> %d unique -> %d lines", len(words), len(unique), len(regions))
    return sorted(regions, key=lambda r: (r.box.top, r.box.left))


# ---------------------------------------------------------------- margins and final merge

def add_margin(regions: Iterable[Region], rows: int, columns: int, *, pixels: int = 3,
               fraction: float = 0.15, along: float = 0.4) -> list[Region]:
    """Grow each region by ``pixels`` (3) + ``fraction`` (0.15) of its line height across the line, and by ``pixels``
    + ``along`` (0.4) of the line height along it (detectors often clip the first and last glyph), clipped to the plane.

    The line height is the shorter side of the box, so a vertical line of text gets a margin fitted to its glyphs.
    Margins may reach into neighbouring lines: text a detector half-missed next to a line stays covered (see
    ``stop_short_of`` for keeping one kind of line off another).
    """
    grown = []
    for region in regions:
        height = min(region.box.height, region.box.width)
        across = pixels + math.ceil(fraction * height - 1e-9)
        lengthwise = pixels + math.ceil(along * height - 1e-9)
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
    of ``neighbours`` just above or below (e.g. a PHI line's margin kept off the label line under it)."""
    cores = [core_box(n) for n in neighbours]
    kept = []
    for region in regions:
        box = region.box
        if box.width >= box.height:
            box = _stop_short_of_neighbours(core_box(region), box, cores)
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
        if other.right < grown.left or other.left > grown.right:
            continue
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


def _contains(outer: Box, inner: Box, share: float) -> bool:
    overlap = outer.intersection(inner)
    return overlap is not None and overlap.area >= share * inner.area


def _same_line_touching(a: Box, b: Box, min_vertical_overlap: float, max_height_ratio: float) -> bool:
    if a.expand(1, 0).intersection(b) is None:
        return False
    small, large = sorted((a.height, b.height))
    vertical = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
    return vertical >= min_vertical_overlap * small and large <= max_height_ratio * small


def _combine(a: Region, b: Region) -> Region:
    """One region for two: united box, the larger region's engine, texts joined left to right without repeats."""
    first, second = sorted((a, b), key=lambda r: (r.box.left, r.box.top))
    big, small = sorted((a, b), key=lambda r: -r.box.area)
    if small.text.casefold() in big.text.casefold() or big.text.casefold() in small.text.casefold():
        text = max(big.text, small.text, key=len)   # the same text seen twice (a cine frame read again) is kept once
    else:
        text = f"{first.text} {second.text}"
    total = a.box.area + b.box.area
    confidence = (a.confidence * a.box.area + b.confidence * b.box.area) / total
    words = tuple(sorted(a.words + b.words, key=lambda w: (w.box.left, w.box.top)))
    return Region(a.box.union(b.box), text, confidence, big.ocrengine, words)


def merge_overlapping(regions: Iterable[Region], *, contained: float = 0.9, min_vertical_overlap: float = 0.8,
                      max_height_ratio: float = 2.0) -> list[Region]:
    """Fuse regions that overlap or touch on the same line, and absorb a region lying (>= ``contained``) inside another.

    Same line: vertical overlap >= ``min_vertical_overlap`` (0.8) of the smaller height, heights within
    ``max_height_ratio`` (2). The high default keeps margins of adjacent lines, which overlap, from fusing the lines.
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
                a, b = pending[i].box, pending[j].box
                touching = a.left <= b.right + 1 and b.left <= a.right + 1 and a.top <= b.bottom and b.top <= a.bottom
                if touching and (_contains(a, b, contained) or _contains(b, a, contained)
                                 or _same_line_touching(a, b, min_vertical_overlap, max_height_ratio)):
                    pending[i] = _combine(pending[i], pending.pop(j))
                    changed = True
                    j = i + 1
                else:
                    j += 1
            i += 1
    return sorted(pending, key=lambda r: (r.box.top, r.box.left))


def build_regions(word_lists: Iterable[tuple[int, Iterable[Word]]], rows: int, columns: int, *, pixels: int = 3,
                  fraction: float = 0.15) -> list[Region]:
    """Regions from several (ocrengine, words) lists of one plane: filter, merge into lines, add margins, merge.

    ``pixels`` and ``fraction`` set the margin (see ``add_margin``); the other steps use their defaults.
    """
    tagged = [(engine, word) for engine, words in word_lists for word in filter_words(words, rows, columns)]
    return merge_overlapping(add_margin(merge_lines(tagged), rows, columns, pixels=pixels, fraction=fraction))
