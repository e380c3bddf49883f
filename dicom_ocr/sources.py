"""Region sources other than OCR: rules from recipe files, ultrasound regions, what reviewers taught, document pages.

Each header source looks at a file's header and names rectangles that may hold burned-in text, with where they came
from. Their ``ocrengine`` numbers (audit DB) are dcmaudit's 4 for ultrasound regions and 5 for a scanned form (the whole
page of a document plane, ``scan --forms whole``), and ours, documented here, for the rest. The ink on a document
plane that OCR did not read (:mod:`dicom_ocr.documents`) and the lead markers of a radiograph (:mod:`dicom_ocr.markers`)
are found on the pixels but are not read text, so they are not counted as OCR either.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydicom.dataset import Dataset

from .geometry import Box

OCRENGINE_MANUAL = -1             # dcmaudit's number: a rectangle a reviewer drew
OCRENGINE_KERAS = 3                # dcmaudit's number for its Keras detector (not ours)
OCRENGINE_ULTRASOUND_REGIONS = 4   # dcmaudit's number
OCRENGINE_DEID_RULE = 50           # a deid recipe %filter rule (coordinates / ctpcoordinates / all / from:)
OCRENGINE_CTP_RULE = 51            # an RSNA CTP DicomPixelAnonymizer.script signature
OCRENGINE_LEARNED = 52             # rectangles reviewers drew or kept on files of the same signature
OCRENGINE_SCANNED_FORM = 5         # dcmaudit's number: the whole page of a document plane
OCRENGINE_INK = 53                 # ink on a document plane that no OCR region covers (signature, stamp, handwriting)
OCRENGINE_MARKER = 54              # a lead marker on a radiograph, found by its shape (:mod:`dicom_ocr.markers`)
NERENGINE_SCANNED_FORM = 60        # dcmaudit's judgement "a scanned form": the whole page is PHI

SOURCE_NAMES: dict[int, str] = {
    OCRENGINE_MANUAL: "manual", OCRENGINE_KERAS: "keras", OCRENGINE_ULTRASOUND_REGIONS: "ultrasound-regions",
    OCRENGINE_SCANNED_FORM: "scanned-form", OCRENGINE_DEID_RULE: "deid-rule", OCRENGINE_CTP_RULE: "ctp-rule",
    OCRENGINE_LEARNED: "learned", OCRENGINE_INK: "ink", OCRENGINE_MARKER: "marker"}
"""The ``ocrengine`` numbers that are not OCR engines, by name; no engine may take one (:mod:`.engines.registry`)."""


@dataclass(frozen=True)
class SourceRegion:
    """A rectangle named by a source: ``frame`` -1 means every frame; ``label`` says which rule or signature."""

    box: Box
    frame: int
    overlay: int
    ocrengine: int
    label: str


class RegionSource(Protocol):
    """Something that names rectangles from a file's header alone (no pixels)."""

    name: str

    def regions(self, ds: Dataset) -> list[SourceRegion]:
        """The rectangles for the file whose header is ``ds``."""
