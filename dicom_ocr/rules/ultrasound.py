"""Ultrasound regions: the clinical area(s) a scanner declares in SequenceOfUltrasoundRegions.

RegionLocationMinX0/MinY0/MaxX1/MaxY1 are inclusive pixel coordinates (DICOM PS3.3 C.8.5.5), so they map straight to
:class:`Box`. Text outside every clinical area is suspect.
"""
from __future__ import annotations

from collections.abc import Iterable

from pydicom.dataset import Dataset

from ..geometry import Box

SEQUENCE = "SequenceOfUltrasoundRegions"
_CORNERS = ("RegionLocationMinX0", "RegionLocationMinY0", "RegionLocationMaxX1", "RegionLocationMaxY1")


def clinical_areas(ds: Dataset, keyword: str = SEQUENCE) -> list[Box]:
    """One box per item of the sequence that has all four RegionLocation corners and a non-empty extent."""
    return _boxes(_items(ds, keyword))


MOVING_FORMATS = frozenset((1, 2, 3, 4))
"""RegionSpatialFormat values of regions whose pixels change from frame to frame: 2D, M-mode, spectral, waveform."""


def moving_areas(ds: Dataset, keyword: str = SEQUENCE) -> list[Box]:
    """The regions showing the moving image (tissue, M-mode, Doppler spectrum, ECG trace), not those of format 0."""
    return _boxes(item for item in _items(ds, keyword) if _spatial_format(item) in MOVING_FORMATS)


def _items(ds: Dataset, keyword: str) -> list[Dataset]:
    return [item for item in ds.get(keyword) or [] if isinstance(item, Dataset)]


def _boxes(items: Iterable[Dataset]) -> list[Box]:
    boxes = []
    for item in items:
        if any(item.get(c) is None for c in _CORNERS):
            continue
        box = Box(*(int(item.get(c)) for c in _CORNERS))
        if box.width > 0 and box.height > 0:
            boxes.append(box)
    return boxes


def _spatial_format(item: Dataset) -> int | None:
    try:
        return int(item.get("RegionSpatialFormat"))
    except (TypeError, ValueError):
        return None


def subtract(box: Box, cut: Box) -> list[Box]:
    """``box`` minus ``cut``: up to four disjoint boxes (bands above and below, then left and right)."""
    overlap = box.intersection(cut)
    if overlap is None:
        return [box]
    pieces = [Box(box.left, box.top, box.right, overlap.top - 1),
              Box(box.left, overlap.bottom + 1, box.right, box.bottom),
              Box(box.left, overlap.top, overlap.left - 1, overlap.bottom),
              Box(overlap.right + 1, overlap.top, box.right, overlap.bottom)]
    return [p for p in pieces if p.width > 0 and p.height > 0]


def subtract_all(box: Box, cuts: Iterable[Box]) -> list[Box]:
    """``box`` minus every box of ``cuts``."""
    pieces = [box]
    for cut in cuts:
        pieces = [p for piece in pieces for p in subtract(piece, cut)]
    return pieces


def outside_clinical_area(box: Box, areas: list[Box]) -> bool:
    """True when some pixel of ``box`` lies outside every clinical area; False when there are no areas (unknown)."""
    return bool(areas) and bool(subtract_all(box, areas))
