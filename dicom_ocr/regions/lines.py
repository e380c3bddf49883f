"""Words into lines: boxes lumping lines other reads separated dropped, words seen twice fused, the rest grouped into one
region per line."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np

from ..engines.base import Word
from ..geometry import Box
from .region import Region, TaggedWord

log = logging.getLogger(__name__)

SPACE_GAP = 0.8
"""Words of one field are at most this many line heights apart (a space is 0.3-0.6 of a box's height); fields a
screen shows side by side on one baseline (name | probe | MI) are further apart."""


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
    return Region(box, text, confidence, max(share, key=lambda engine: share[engine]), tuple(word for _, word in ordered))


def merge_lines(words: Iterable[TaggedWord], *, min_overlap: float = 0.5, same_iou: float = 0.5,
                min_vertical_overlap: float = 0.5, max_height_ratio: float = 2.0,
                max_gap: float = SPACE_GAP) -> list[Region]:
    """Group (ocrengine, word) pairs into one region per text line, in reading order (top, then left).

    First words covering the same spot are fused (see ``min_overlap``, ``same_iou``) so no text is doubled. Then two
    words share a line when their vertical overlap is >= ``min_vertical_overlap`` (0.5) of the smaller height, the
    taller is at most ``max_height_ratio`` (2) times the shorter, and the horizontal gap is at most ``max_gap``
    (``SPACE_GAP``, 0.8) times their mean height: a space, not the gap between two fields. Texts are joined left to
    right with spaces.
    """
    words = list(words)
    unique = _dedup(_drop_multiline_lumps(words), min_overlap, same_iou)
    if not unique:
        return []
    pairs = _line_pairs(_boxes_array([w.box for _, w in unique]), min_vertical_overlap, max_height_ratio, max_gap)
    regions = [_region([unique[i] for i in group]) for group in components(len(unique), pairs)]
    log.debug("%d words -> %d unique -> %d lines", len(words), len(unique), len(regions))
    return sorted(regions, key=lambda r: (r.box.top, r.box.left))
