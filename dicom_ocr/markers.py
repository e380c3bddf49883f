"""Lead markers on projection radiographs, found by their shape, not read.

A radiographer lays lead letters on the detector: a side marker (``L``, ``R``), often with their own initials beside
it. They show in any orientation, mirrored when seen from behind, and are sometimes cut by the image edge, so OCR
misses many of them (it reads upright text). On the pixels each letter is a plateau of flat, extreme tone with sharp
edges and thick strokes of even width, unlike anatomy (graded), wires (thin) and plates, discs or crosses (solid or
symmetric).

A *marker* is such a letter: a whole component (not touching the edge) standing out of a white or black top-hat of
the plane, at a scale where the plane's longer side is :data:`LOOK_SIDE` px. Flat components of the same tone near it
(letters beside it, initials, letters cut by the edge) join its region. Each threshold below was measured on the
radiographs of the devset, the corpus and the archive generator's slices (BENCHMARKS.md, issue 22 third round).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import reduce

import cv2
import numpy as np
from skimage.measure import regionprops
from skimage.morphology import skeletonize

from .geometry import Box
from .planes import Plane
from .regions import Region

MODALITIES = frozenset({"CR", "DX", "RG", "RF", "MG", "PX", "IO"})
"""Projection radiography, where lead markers are laid on the detector."""

LOOK_SIDE = 1024            # the plane is looked at with its longer side at most this long
TOPHAT_SIDE = 31            # px: strokes narrower than this stand out of the top-hat (lead letters: 5-12 px)
MIN_CONTRAST = 80           # grey levels between the component and its surround (markers: 94-185)
MAX_FLATNESS = 0.2          # spread of the component's tone over its contrast (markers: 0.01-0.19)
STROKE_PX = (5.0, 16.0)     # mean stroke width (markers: 6-11; rendered text and wires: 2-4; hardware: 21+)
MAX_STROKE_SPREAD = 0.45    # coefficient of variation of the stroke width along the skeleton (markers: 0.09-0.42)
SOLIDITY = (0.45, 0.85)     # area over convex hull: letters, not discs, plates or bars (markers: 0.58-0.77)
SIDE_PX = (15, 80)          # longer side (markers: 23-45; biopsy hardware: 96+)
MAX_TURN_OVERLAP = 0.6      # overlap with itself turned 90 degrees: a cross or a ring, not a letter (markers <= 0.41)
MAX_EDGE_SHARE = 0.15       # the marker's centre lies within this share of the plane's size from an edge
MIN_LETTER_SHARE = 0.4     # a joined piece this share of the marker's size is a letter, and extends the region
MIN_PIECE_AREA = 15         # px: smaller flat specks do not join a marker's region
LINE_CHARACTERS = 3         # a read this long is a line of text: its glyphs are left to OCR
RING_PX = 5                 # the surround whose median tone the contrast is measured against


@dataclass(frozen=True)
class Marker:
    """A marker's region in plane pixels; ``pieces``: the marker and the letters beside it, counted as components."""

    box: Box
    pieces: int


@dataclass(frozen=True, eq=False)
class _Piece:
    """One component of a top-hat, in look-scale pixels; its tone is measured only when needed (None before)."""

    box: Box
    mask: np.ndarray            # bool, the component within its box
    touches_edge: bool
    contrast: float | None = None
    flatness: float | None = None

    def near(self, other: _Piece, reach: int) -> bool:
        return self.box.expand(reach, reach).intersection(other.box) is not None


def find_markers(plane: Plane, lines: Sequence[Box] = ()) -> list[Marker]:
    """The lead markers on ``plane`` (a radiograph's image plane), with the letters beside them. ``lines``: boxes of
    lines OCR read on the plane (:func:`read_lines`); their glyphs are text already, and neither are nor join a
    marker."""
    image = plane.image if plane.image.ndim == 2 else cv2.cvtColor(plane.image, cv2.COLOR_RGB2GRAY)
    scale = min(1.0, LOOK_SIDE / max(image.shape))
    look = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    markers = []
    for tone in (look, 255 - look):     # lead shows bright, or dark on an inverted or photographed plate
        pieces = [piece for piece in _raised(tone) if not _inside(piece.box.scale(scale), lines)]
        for seed in (piece for piece in pieces if _may_be_marker(piece, tone.shape)):
            if not _is_marker(_measured(seed, tone)):
                continue
            group = _grown(seed, pieces, tone)
            box = reduce(Box.union, (piece.box for piece in group))
            markers.append(Marker(_to_plane(box, scale, plane), len(group)))
    return _merged(markers)


def read_lines(regions: Iterable[Region]) -> list[Box]:
    """The boxes of the regions OCR read as a line of at least :data:`LINE_CHARACTERS` characters."""
    return [region.box for region in regions if len(region.text.strip()) >= LINE_CHARACTERS]


def _inside(box: Box, lines: Sequence[Box]) -> bool:
    """Whether the centre of ``box`` lies in one of ``lines``."""
    x, y = (box.left + box.right) // 2, (box.top + box.bottom) // 2
    return any(line.left <= x <= line.right and line.top <= y <= line.bottom for line in lines)


def _raised(tone: np.ndarray) -> list[_Piece]:
    """The components of ``tone``'s white top-hat that stand :data:`MIN_CONTRAST` out, unmeasured."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (TOPHAT_SIDE, TOPHAT_SIDE))
    raised = cv2.morphologyEx(tone, cv2.MORPH_TOPHAT, kernel) >= MIN_CONTRAST
    count, labels, stats, _ = cv2.connectedComponentsWithStats(raised.astype(np.uint8), connectivity=8)
    rows, columns = tone.shape
    sides = stats[:, [cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT]].max(axis=1)
    kept = np.flatnonzero((stats[:, cv2.CC_STAT_AREA] >= MIN_PIECE_AREA) & (sides <= SIDE_PX[1]))
    pieces = []
    for label in kept[kept > 0]:
        x, y, w, h, _ = (int(v) for v in stats[label])
        pieces.append(_Piece(Box(x, y, x + w - 1, y + h - 1), labels[y:y + h, x:x + w] == label,
                             x == 0 or y == 0 or x + w >= columns or y + h >= rows))
    return pieces


def _may_be_marker(piece: _Piece, shape: tuple[int, ...]) -> bool:
    """The cheap tests of :func:`_is_marker`: a whole component of a letter's size near the plane's edge."""
    if piece.touches_edge or max(piece.box.width, piece.box.height) < SIDE_PX[0]:
        return False
    centre_x, centre_y = (piece.box.left + piece.box.right) / 2, (piece.box.top + piece.box.bottom) / 2
    rows, columns = shape[:2]
    return min(centre_x / columns, 1 - centre_x / columns, centre_y / rows, 1 - centre_y / rows) <= MAX_EDGE_SHARE


def _measured(piece: _Piece, tone: np.ndarray) -> _Piece:
    """``piece`` with its contrast and flatness measured on ``tone``."""
    if piece.contrast is not None:
        return piece
    mask = piece.mask.astype(np.uint8)
    contrast, flatness = _tone_of(tone, mask, piece.box.left, piece.box.top)
    return replace(piece, contrast=contrast, flatness=flatness)


def _tone_of(tone: np.ndarray, mask: np.ndarray, x: int, y: int) -> tuple[float, float]:
    """(contrast with the surround's median, spread of the tone inside the eroded component over the contrast)."""
    h, w = mask.shape
    top, left = max(0, y - RING_PX), max(0, x - RING_PX)
    bottom, right = min(tone.shape[0], y + h + RING_PX), min(tone.shape[1], x + w + RING_PX)
    around = np.zeros((bottom - top, right - left), np.uint8)
    around[y - top:y - top + h, x - left:x - left + w] = mask
    ring = cv2.dilate(around, np.ones((RING_PX, RING_PX), np.uint8)) - around
    window = tone[top:bottom, left:right]
    inside = tone[y:y + h, x:x + w][mask > 0].astype(np.float32)
    contrast = float(inside.mean() - np.median(window[ring > 0])) if ring.any() else 0.0
    core = cv2.erode(mask, np.ones((3, 3), np.uint8))
    flat = tone[y:y + h, x:x + w][core > 0].astype(np.float32) if core.sum() > 8 else inside
    return contrast, float(flat.std()) / max(contrast, 1.0)


def _is_flat(piece: _Piece) -> bool:
    return piece.contrast is not None and piece.flatness is not None and piece.contrast >= MIN_CONTRAST and \
        piece.flatness <= MAX_FLATNESS


def _is_marker(piece: _Piece) -> bool:
    """Whether a measured piece that passed :func:`_may_be_marker` has a lead letter's tone and shape."""
    if not _is_flat(piece):
        return False
    mask = piece.mask.astype(np.uint8)
    solidity = float(regionprops(mask)[0].solidity)
    if not SOLIDITY[0] <= solidity <= SOLIDITY[1] or _turn_overlap(mask) >= MAX_TURN_OVERLAP:
        return False
    widths = _stroke_widths(mask)
    return bool(widths.size) and STROKE_PX[0] <= widths.mean() <= STROKE_PX[1] and \
        widths.std() / widths.mean() <= MAX_STROKE_SPREAD


def _stroke_widths(mask: np.ndarray) -> np.ndarray:
    """Twice the distance to the background along the component's skeleton."""
    distance = cv2.distanceTransform(np.pad(mask, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    return distance[skeletonize(mask > 0)] * 2


def _turn_overlap(mask: np.ndarray) -> float:
    """Intersection over union of the component and itself turned 90 degrees about its box's centre."""
    side = max(mask.shape)
    square = np.zeros((side, side), np.uint8)
    top, left = (side - mask.shape[0]) // 2, (side - mask.shape[1]) // 2
    square[top:top + mask.shape[0], left:left + mask.shape[1]] = mask
    turned = np.rot90(square)
    return float((square & turned).sum()) / max(int((square | turned).sum()), 1)


def _grown(seed: _Piece, pieces: list[_Piece], tone: np.ndarray) -> list[_Piece]:
    """``seed`` and the flat pieces within one marker height of it or of a letter-sized piece already joined (at
    least :data:`MIN_LETTER_SHARE` of the marker's size); smaller pieces (cut letters, ticks) join but reach no
    further, so a ruler's ticks do not chain the region along the plate."""
    reach = max(seed.box.width, seed.box.height)
    group, others = [seed], [piece for piece in pieces if piece is not seed]
    frontier = [seed]
    while frontier:
        close = [piece for piece in others if any(member.near(piece, reach) for member in frontier)]
        others = [piece for piece in others if all(piece is not joined for joined in close)]
        near = [piece for piece in (_measured(piece, tone) for piece in close) if _is_flat(piece)]
        group += near
        frontier = [piece for piece in near if max(piece.box.width, piece.box.height) >= MIN_LETTER_SHARE * reach]
    return group


def _to_plane(box: Box, scale: float, plane: Plane) -> Box:
    """A look-scale box in plane pixels, with a margin of a tenth of its height (at least 2 px)."""
    margin = max(2, round(box.height / scale * 0.1))
    found = box.scale(scale)
    clipped = found.expand(margin, margin).clip(plane.rows, plane.columns)
    return clipped if clipped is not None else found


def _merged(markers: list[Marker]) -> list[Marker]:
    """Overlapping markers as one (a bright letter's dark counter is found again on the other tone)."""
    merged: list[Marker] = []
    for marker in sorted(markers, key=lambda m: -m.box.area):
        for k, kept in enumerate(merged):
            if kept.box.intersection(marker.box) is not None:
                merged[k] = Marker(kept.box.union(marker.box), max(kept.pieces, marker.pieces))
                break
        else:
            merged.append(marker)
    return merged
