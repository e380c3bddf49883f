"""The ink on a document plane that OCR did not read: signatures, stamps, handwriting, marks.

Dark ink is what stands clearly below the paper (the background, estimated by a grey closing that fills the strokes
in); long straight printed rules (form lines, table borders) are taken out; what the plane's OCR regions hold is
dropped stroke by stroke; the strokes left are grouped into regions by closeness (words of a line, loops of a
signature), and regions side by side on one line closer than their height are one (the parts of a signature, the
words of a handwritten line), each with a small margin.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..geometry import Box

PAPER_KERNEL_SHARE = 0.03   # the closing that finds the paper is this share of the longer side (wider than a stroke)
MIN_DROP = 30               # ink is at least this much darker than the paper it lies on
RULE_SHARE = 0.2            # a straight run of ink this share of the side long is a printed rule, not handwriting
RULE_SLACK = 7              # rows (columns) a rule may wander over that length: a scan is tilted (2 degrees)
RULE_WANDER = 2.0           # but its pixels lie this close to a straight line,
RULE_STRAIGHT_SHARE = 0.8   # this share of them at least (the rest: strokes that cross it)
READ_SHARE = 0.9            # a stroke with this share of its pixels inside an OCR region was read (a stamp's ring
                            # around the text OCR read was not)
READ_MARGIN = 2             # OCR regions are grown by this many pixels before strokes are compared with them
GROUP_GAP = (0.025, 0.01)   # strokes closer than these shares of (columns, rows) belong to one region
MIN_STROKE_PIXELS = 8       # specks (paper grain, JPEG ringing) are smaller
MIN_REGION_PIXELS = 30      # a region of less ink than this is a leftover of a glyph, not something to read
MIN_REGION_SIDE = 6
MARGIN = 3                  # pixels around a region: the faint edges of blurred strokes, tails cut off by a rule


def ink_mask(grey: np.ndarray) -> np.ndarray:
    """Pixels of dark ink (bool), printed rules excluded."""
    side = max(3, int(max(grey.shape) * PAPER_KERNEL_SHARE) | 1)
    paper = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    ink = (paper.astype(np.int16) - grey) >= MIN_DROP
    return ink & ~_rules(ink)


def _rules(ink: np.ndarray) -> np.ndarray:
    """Printed rules: long runs of ink (allowed to wander by RULE_SLACK, as on a tilted scan) that are straight, grown
    by a pixel (their antialiased edges). A long flat stroke of a signature wanders; a rule does not."""
    mask = ink.astype(np.uint8)
    rules = np.zeros(ink.shape, bool)
    rows, columns = ink.shape
    for run, slack, across in (((max(15, int(columns * RULE_SHARE)), 1), (1, RULE_SLACK), 0),
                               ((1, max(15, int(rows * RULE_SHARE))), (RULE_SLACK, 1), 1)):
        widened = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, slack))
        opened = cv2.morphologyEx(widened, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, run))
        runs = np.asarray(opened, dtype=np.uint8) & mask
        count, labels, stats, _ = cv2.connectedComponentsWithStats(runs, connectivity=8)
        for label in range(1, count):
            left, top, width, height = stats[label, :4]
            window = (slice(top, top + height), slice(left, left + width))
            rules[window] |= _straight_part(labels[window] == label, across)
    return cv2.dilate(rules.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _straight_part(run: np.ndarray, across: int) -> np.ndarray:
    """The pixels of ``run`` near the straight line through it when nearly all are (else none); ``across`` 0 for a
    horizontal run (rows vary along it), 1 for a vertical one."""
    points = np.nonzero(run)
    along, off = points[1 - across].astype(np.float64), points[across].astype(np.float64)
    if np.ptp(along) < 2:
        return run
    slope, intercept = np.polyfit(along, off, 1)
    near = np.abs(off - (slope * along + intercept)) <= RULE_WANDER
    if near.mean() < RULE_STRAIGHT_SHARE:
        return np.zeros_like(run)
    straight = np.zeros_like(run)
    straight[points[0][near], points[1][near]] = True
    return straight


def _read_mask(shape: tuple[int, int], read: Sequence[Box]) -> np.ndarray:
    covered = np.zeros(shape, bool)
    for box in read:
        grown = box.expand(READ_MARGIN, READ_MARGIN).clip(*shape)
        if grown is not None:
            covered[grown.top:grown.bottom + 1, grown.left:grown.right + 1] = True
    return covered


def unread_strokes(ink: np.ndarray, read: Sequence[Box]) -> np.ndarray:
    """``ink`` without specks and without the strokes the ``read`` boxes (OCR regions) hold."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    covered = _read_mask(ink.shape, read)
    inside = np.bincount(labels[covered], minlength=count)
    keep = (stats[:, cv2.CC_STAT_AREA] >= MIN_STROKE_PIXELS) & (inside < READ_SHARE * stats[:, cv2.CC_STAT_AREA])
    keep[0] = False
    return keep[labels]


def ink_regions(grey: np.ndarray, read: Sequence[Box]) -> list[Box]:
    """Boxes around the groups of ink on the page ``grey`` (uint8) that no ``read`` box covers."""
    strokes = unread_strokes(ink_mask(grey), read)
    if not strokes.any():
        return []
    rows, columns = grey.shape
    gap = (max(3, int(columns * GROUP_GAP[0])), max(3, int(rows * GROUP_GAP[1])))
    near = cv2.dilate(strokes.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, gap))
    count, groups = cv2.connectedComponents(near, connectivity=8)
    found = []
    for label in range(1, count):
        ys, xs = np.nonzero((groups == label) & strokes)
        box = Box(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()))
        if len(ys) >= MIN_REGION_PIXELS and max(box.width, box.height) >= MIN_REGION_SIDE:
            found.append(box)
    grown = [grown for box in _joined_along_lines(found)
             if (grown := box.expand(MARGIN, MARGIN).clip(rows, columns)) is not None]
    return sorted(grown, key=lambda b: (b.top, b.left))


def _same_line(a: Box, b: Box) -> bool:
    """Side by side: half the lower one's height shared, and a gap no wider than the taller one's height."""
    shared = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
    gap = max(a.left, b.left) - min(a.right, b.right) - 1
    return shared >= min(a.height, b.height) / 2 and gap <= max(a.height, b.height)


def _joined_along_lines(boxes: list[Box]) -> list[Box]:
    """``boxes`` with the ones on one line, close together, joined (until no two are)."""
    boxes = list(boxes)
    joined = True
    while joined:
        joined = False
        for i, a in enumerate(boxes):
            j = next((j for j in range(i + 1, len(boxes)) if _same_line(a, boxes[j])), None)
            if j is not None:
                boxes[i] = a.union(boxes.pop(j))
                joined = True
                break
    return boxes
