"""Pictures of planes with their regions drawn: a small JPEG thumbnail (colour at full resolution, so thin boxes keep
their colour) and a full-size WebP to open on click (half the bytes of a JPEG of the same quality on the corpus)."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..dicomfile import DicomFile
from ..errors import DicomOcrError
from ..sources import OCRENGINE_CTP_RULE, OCRENGINE_DEID_RULE, OCRENGINE_LEARNED, OCRENGINE_ULTRASOUND_REGIONS
from ..store import RectRow
from .grouping import PlaneGroup

log = logging.getLogger(__name__)

THUMBNAIL_SIDE = 320
THUMBNAIL_ZOOM = 4          # small planes are enlarged up to this much in their thumbnail
FULL_SIDE = 4096            # a plane larger than this is shrunk even in the full-size picture
THUMBNAIL_QUALITY = 70
FULL_QUALITY = 75
KIND_COLOURS = {"phi": (220, 30, 30), "clear": (30, 160, 30), "rule": (40, 90, 230)}   # RGB
KIND_LABELS = {"phi": "PHI", "clear": "not PHI", "rule": "rule region"}
RULE_ENGINES = frozenset((OCRENGINE_ULTRASOUND_REGIONS, OCRENGINE_DEID_RULE, OCRENGINE_CTP_RULE, OCRENGINE_LEARNED))


def rect_kind(rect: RectRow) -> str:
    """``rule`` for a region a non-OCR source named, else ``phi`` or ``clear`` by its verdict."""
    if rect.ocrengine in RULE_ENGINES:
        return "rule"
    return "phi" if rect.nerpii == 1 else "clear"


@dataclass(frozen=True)
class PlanePicture:
    """One plane drawn with its regions: ``thumbnail`` JPEG bytes, ``full`` WebP bytes (``width`` x ``height`` px)."""

    thumbnail: bytes
    full: bytes
    width: int
    height: int


def draw(image: np.ndarray, rects: Iterable[RectRow], scale: float, min_thickness: int = 1) -> np.ndarray:
    """An RGB copy of ``image`` resized by ``scale`` with each rect outlined in its kind's colour."""
    rgb = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if scale != 1:
        rgb = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    rgb = np.ascontiguousarray(rgb)
    thickness = max(min_thickness, round(max(rgb.shape[:2]) / 600))
    for rect in rects:
        b = rect.box
        if b is not None:
            cv2.rectangle(rgb, (round(b.left * scale), round(b.top * scale)),
                          (round(b.right * scale), round(b.bottom * scale)), KIND_COLOURS[rect_kind(rect)], thickness)
    return rgb


def jpeg(rgb: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of an RGB image; colour kept at full resolution (4:4:4) so thin coloured boxes stay coloured."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, quality,
                             cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return data.tobytes()


def webp(rgb: np.ndarray, quality: int) -> bytes:
    """WebP bytes of an RGB image (colour at half resolution: boxes on it are drawn two pixels wide or more)."""
    ok, data = cv2.imencode(".webp", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_WEBP_QUALITY, quality])
    if not ok:
        raise ValueError("WebP encoding failed")
    return data.tobytes()


def picture(image: np.ndarray, rects: Sequence[RectRow]) -> PlanePicture:
    """The thumbnail and full-size pictures of one plane's ``image`` with ``rects`` drawn."""
    side = max(image.shape[:2])
    full = draw(image, rects, min(1.0, FULL_SIDE / side), min_thickness=2)
    thumbnail = draw(image, rects, min(float(THUMBNAIL_ZOOM), THUMBNAIL_SIDE / side))
    return PlanePicture(jpeg(thumbnail, THUMBNAIL_QUALITY), webp(full, FULL_QUALITY), full.shape[1], full.shape[0])


def plane_pictures(dicom: DicomFile,
                   groups: Sequence[PlaneGroup]) -> tuple[dict[tuple[int, int], PlanePicture], str | None]:
    """Pictures of the first frame of each group by (overlay, frame), decoding only the image frames needed, and the
    reason when the file's planes cannot be read (then the pictures read before it)."""
    wanted = {(g.overlay, g.frame): g for g in groups}
    bit_overlays = {spec.index for spec in dicom.overlays if spec.bit_position is not None}
    frames = sorted({g.frame for g in groups if g.overlay < 0 or g.overlay in bit_overlays})
    pictures: dict[tuple[int, int], PlanePicture] = {}
    try:
        for plane in dicom.planes(frames=frames or [0]):
            group = wanted.get((plane.overlay, plane.frame))
            if group is not None:
                pictures[(plane.overlay, plane.frame)] = picture(plane.image, group.rects)
    except (DicomOcrError, OSError) as error:
        log.info("%s: pictures left out of the report (%s)", dicom.path, error)
        return pictures, str(getattr(error, "message", error))
    return pictures, None
