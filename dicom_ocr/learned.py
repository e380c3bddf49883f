"""What reviewers taught: rectangles of reviewed files suggested on files of the same scanner signature.

A signature is dcmaudit's "similar images" key, computed from the header exactly as dcmaudit stores it in DicomTags
(``DicomImage.get_selected_metadata``): Modality ('NoModality' when absent), ImageType as a JSON list string
(``["NoImageType"]`` when absent, ``["DERIVED", "SECONDARY"]`` for a secondary capture without it), Rows, Columns, and
ManufacturerModelName (else the secondary-capture model, else ``Manufacturer SoftwareVersions``, else 'NoModel').

A reviewed file's rectangles are those it still has when the reviewer marked it done: rects drawn by hand (ocrengine
-1) and every other rect the reviewer did not delete, except allowlisted rows (nerengine 50, nerpii 0), which
dcmaudit hides so the reviewer never judged them. Identical rectangles (box, frame, overlay) of one signature are
merged; the label ``learned:<n>`` says on how many reviewed files the rectangle was.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from .geometry import Box
from .headers import text_value
from .planes import number_of_frames
from .sources import OCRENGINE_LEARNED, SourceRegion
from .store import AuditDB, ReviewedRect

log = logging.getLogger(__name__)

NER_ALLOWLIST = 50
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"


@dataclass(frozen=True, order=True)
class Signature:
    """dcmaudit's DicomTags values that decide whether two files are "similar images"."""

    modality: str
    imagetype: str
    rows: int
    columns: int
    manufacturer_model_name: str


@dataclass(frozen=True, order=True)
class LearnedRect:
    """A reviewed rectangle of one signature and how many reviewed files had it."""

    box: Box
    frame: int
    overlay: int
    files: int


def _is_secondary_capture(ds: Dataset) -> bool:
    return str(ds.get("SOPClassUID", "")).startswith(SECONDARY_CAPTURE_PREFIX) or any(
        ds.get(k) for k in ("SecondaryCaptureDeviceManufacturer", "SecondaryCaptureDeviceManufacturerModelName",
                            "DateOfSecondaryCapture"))


def imagetype_json(ds: Dataset) -> str:
    """ImageType as dcmaudit stores it: a JSON list string."""
    value = ds.get("ImageType")
    if not value:
        value = ["DERIVED", "SECONDARY"] if _is_secondary_capture(ds) else ["NoImageType"]
    elif isinstance(value, MultiValue):
        value = list(value)
    return json.dumps(value)


def model_name(ds: Dataset) -> str:
    """ManufacturerModelName as dcmaudit stores it (with its fallbacks)."""
    manufacturer = text_value(ds, "Manufacturer") or text_value(ds, "SecondaryCaptureDeviceManufacturer")
    model = text_value(ds, "ManufacturerModelName") or text_value(ds, "SecondaryCaptureDeviceManufacturerModelName")
    if not model:
        model = f"{manufacturer} {text_value(ds, 'SoftwareVersions')}"
    return model.strip() or "NoModel"


def signature(ds: Dataset) -> Signature:
    """The file's signature, read from its header as dcmaudit does."""
    modality = text_value(ds, "Modality") if "Modality" in ds else "NoModality"
    return Signature(modality, imagetype_json(ds), int(ds.get("Rows") or 0), int(ds.get("Columns") or 0),
                     model_name(ds))


def reviewed_signature(rect: ReviewedRect) -> Signature:
    """The signature dcmaudit stored for a reviewed rect's file (None columns read as empty / 0)."""
    return Signature(rect.modality or "", rect.imagetype or "", int(rect.rows or 0), int(rect.columns or 0),
                     rect.manufacturer_model_name or "")


def kept_by_reviewer(rect: ReviewedRect) -> bool:
    """False only for rows dcmaudit hides from the reviewer (allowlisted text)."""
    return not (rect.nerengine == NER_ALLOWLIST and rect.nerpii == 0)


def learned_rects(db: AuditDB) -> dict[Signature, tuple[LearnedRect, ...]]:
    """Every signature's reviewed rectangles, merged, with the number of files each was on."""
    files: dict[Signature, dict[tuple[Box, int, int], set[str]]] = defaultdict(lambda: defaultdict(set))
    for rect in db.rects.reviewed():
        if kept_by_reviewer(rect):
            files[reviewed_signature(rect)][(rect.box, rect.frame, rect.overlay)].add(rect.filename)
    return {sig: tuple(sorted(LearnedRect(box, frame, overlay, len(names))
                              for (box, frame, overlay), names in rects.items()))
            for sig, rects in files.items()}


def _has_frame(ds: Dataset, frame: int) -> bool:
    return frame < 0 or frame < number_of_frames(ds)


def _has_overlay(ds: Dataset, overlay: int) -> bool:
    return overlay < 0 or (0x6000 + 2 * overlay, 0x0010) in ds


class LearnedSource:
    """Reviewed rectangles of files with the same signature, on the same frame and overlay (ocrengine 52)."""

    name = "learned"

    def __init__(self, rects: dict[Signature, tuple[LearnedRect, ...]]):
        self.rects = rects

    @classmethod
    def from_db(cls, db: AuditDB) -> LearnedSource:
        """Read the reviewed rectangles once."""
        rects = learned_rects(db)
        log.info("learned %d rectangles of %d signatures from %s", sum(map(len, rects.values())), len(rects),
                 db.path)
        return cls(rects)

    def regions(self, ds: Dataset) -> list[SourceRegion]:
        return [SourceRegion(r.box, r.frame, r.overlay, OCRENGINE_LEARNED, f"learned:{r.files}")
                for r in self.rects.get(signature(ds), ())
                if _has_frame(ds, r.frame) and _has_overlay(ds, r.overlay)]
