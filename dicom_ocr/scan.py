"""Per-file work: planes -> text regions -> PHI verdicts -> the rows of the audit DB. Batch execution lives elsewhere."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pydicom.dataset import Dataset

from . import __version__
from .detection import Detector
from .detection.reuse import PlaneMemory
from .documents import FormsMode, document_boxes
from .errors import DicomOcrError, NotDicomError
from .geometry import Box
from .phi import NERENGINE, HeaderFacts, Verdict, judge
from .planes import frames_per_overlay, iter_planes, read_header
from .regions import Region, stop_short_of
from .rules.ultrasound import clinical_areas, moving_areas, outside_clinical_area
from .sources import (
    NERENGINE_SCANNED_FORM,
    OCRENGINE_INK,
    OCRENGINE_SCANNED_FORM,
    RegionSource,
    SourceRegion,
)
from .store import FileRecord, RectRow

log = logging.getLogger(__name__)

ENGINE_NAMES = {1: "tesseract", 2: "easyocr", 6: "rapidocr"}


@dataclass(frozen=True)
class FileTags:
    """Header values the CSV and JSON Lines exports repeat on each row of a file."""

    imagetype: str = ""
    manufacturer: str = ""
    burnedinannotation: str = ""

    @classmethod
    def from_dataset(cls, ds: Dataset) -> FileTags:
        image_type = ds.get("ImageType") or ""
        if not isinstance(image_type, str):
            image_type = "\\".join(str(v) for v in image_type)
        return cls(image_type, str(ds.get("Manufacturer") or ""), str(ds.get("BurnedInAnnotation") or ""))


@dataclass(frozen=True)
class PlaneText:
    """What one plane of a file holds, once its pixels are done with: its text regions and, on a document, the boxes
    of ink no OCR read (or the whole page)."""

    frame: int
    overlay: int
    regions: list[Region]
    document: list[Box]


@dataclass
class FileScan:
    """Everything found in one file: its record (done or error), its rows (regions plus per-plane summaries) and the
    header values exports repeat."""

    record: FileRecord
    rects: list[RectRow]
    tags: FileTags = field(default_factory=FileTags)


def stored_filename(path: str, absolute: bool = True) -> str:
    """The filename stored in the DB: the path reviewers will open (absolute unless asked otherwise)."""
    return os.path.abspath(path) if absolute else path


class Scanner:
    """Scans files one at a time with one :class:`Detector`; never raises for a bad file, records it instead.
    ``forms``: what document planes (scanned paper) get besides their OCR regions."""

    def __init__(self, detector: Detector, sources: Sequence[RegionSource] = (), default_pii: bool = True,
                 absolute_paths: bool = True, forms: FormsMode = FormsMode.INK):
        self.detector = detector
        self.sources = tuple(sources)
        self.forms = forms
        self.default_pii = default_pii
        self.absolute_paths = absolute_paths

    def filename(self, path: str) -> str:
        return stored_filename(path, self.absolute_paths)

    def scan_file(self, path: str) -> FileScan:
        filename = self.filename(path)
        started = time.perf_counter()
        ocr_before = sum(self.detector.seconds.values())
        rects: list[RectRow] = []
        found: list[PlaneText] = []
        try:
            header = read_header(path)
            facts = HeaderFacts.from_dataset(header)
            rects.extend(self._source_rows(filename, header))
            areas = clinical_areas(header)
            memory = PlaneMemory()
            for plane, regions in self.detector.detect_planes(iter_planes(path, header=header),
                                                              moving=moving_areas(header), memory=memory):
                found.append(PlaneText(plane.frame, plane.overlay, regions,
                                       document_boxes(plane, header, [region.box for region in regions], self.forms)))
            for plane in with_static_text(found, memory):
                rects.extend(self._plane_rows(filename, plane, facts, areas))
        except DicomOcrError as exc:      # the batch writer logs each bad file's line, wherever the file was read
            log.debug("%s [%s]", exc, exc.cause)
            return FileScan(self._record(filename, started, ocr_before, len(found), [], exc.cause, exc.message,
                                         skipped=isinstance(exc, NotDicomError)), [])
        except Exception as exc:  # a bug or an unforeseen file: record it and let the batch go on
            log.debug("%s: internal error", path, exc_info=True)
            return FileScan(self._record(filename, started, ocr_before, len(found), [], "internal-error",
                                         f"{type(exc).__name__}: {exc}"), [])
        return FileScan(self._record(filename, started, ocr_before, len(found), rects), rects, FileTags.from_dataset(header))

    def _source_rows(self, filename: str, ds: Dataset) -> list[RectRow]:
        """Rows for the regions the header-based sources name, one per frame the region applies to.

        dcmaudit shows a plane only the rows of its own frame, so a region on every frame gets a row on each.
        """
        found = [region for source in self.sources for region in source.regions(ds)]
        if not found:
            return []
        frames = frames_per_overlay(ds)
        rows = []
        for region in found:
            for frame in (range(frames.get(region.overlay, 1)) if region.frame == -1 else [region.frame]):
                rows.append(_source_row(filename, region, frame))
        return rows

    def _plane_rows(self, filename: str, plane: PlaneText, facts: HeaderFacts, areas: list[Box]) -> list[RectRow]:
        regions = plane.regions
        verdicts = [judge(region.text, facts, default_pii=self.default_pii) for region in regions]
        clear = [region for region, verdict in zip(regions, verdicts) if not verdict.pii]
        # a PHI line's margin stays off the label or technical line beside it; PHI lines may overlap each other
        regions = [stop_short_of([region], clear)[0] if verdict.pii else region
                   for region, verdict in zip(regions, verdicts)]
        rows = [self._region_row(filename, plane, region, verdict, areas) for region, verdict in zip(regions, verdicts)]
        rows += [_document_row(filename, plane, box, self.forms) for box in plane.document]
        if rows:
            text = " ".join(row.ocrtext for row in rows)
            rows.append(RectRow(filename, None, plane.frame, plane.overlay, rows[0].ocrengine, text, NERENGINE,
                                max(row.nerpii for row in rows), source="summary"))
        return rows

    def _region_row(self, filename: str, plane: PlaneText, region: Region, verdict: Verdict, areas: list[Box]) -> RectRow:
        reason = f"{verdict.method}: {verdict.reason}"
        if plane.overlay == -1 and outside_clinical_area(region.box, areas):
            reason += "; outside the ultrasound clinical area"
        return RectRow(filename, region.box, plane.frame, plane.overlay, region.ocrengine, region.text, NERENGINE,
                       int(verdict.pii), source=ENGINE_NAMES.get(region.ocrengine, str(region.ocrengine)),
                       reason=reason, confidence=round(region.confidence, 4))

    def _record(self, filename: str, started: float, ocr_before: float, n_planes: int, rects: list[RectRow],
                error_cause: str | None = None, error_message: str | None = None, skipped: bool = False) -> FileRecord:
        """``skipped``: the file is not DICOM; recorded with its cause, but not as a failure."""
        total = time.perf_counter() - started
        ocr = sum(self.detector.seconds.values()) - ocr_before
        regions = [r for r in rects if r.box is not None and r.nerengine in (NERENGINE, NERENGINE_SCANNED_FORM)]
        # read text and document regions, not rule rows
        state = "skipped" if skipped else "error" if error_cause else "done"
        return FileRecord(filename, state, error_cause, error_message,
                          n_planes=n_planes, n_regions=len(regions),
                          has_phi=any(r.nerpii == 1 for r in regions) if not error_cause else None,
                          seconds_decode=round(total - ocr, 4), seconds_ocr=round(ocr, 4),
                          seconds_total=round(total, 4), engine=self.detector.engine_label,
                          engine_version=self.detector.engine_versions, tool_version=__version__)


def with_static_text(found: list[PlaneText], memory: PlaneMemory) -> list[PlaneText]:
    """``found`` with each frame given the static text other frames of its stream showed
    (:meth:`PlaneMemory.static_text`)."""
    static = memory.static_text()
    return [replace(plane, regions=static.get((plane.frame, plane.overlay), plane.regions)) for plane in found]


def _source_row(filename: str, region: SourceRegion, frame: int) -> RectRow:
    """A rule region's row; its label goes in ``ocrtext`` (bracketed) so reviewers see in dcmaudit which rule named it."""
    return RectRow(filename, region.box, frame, region.overlay, region.ocrengine, f"[{region.label}]", -1, -1,
                   source=region.label, reason="named by a rule, not read")


def _document_row(filename: str, plane: PlaneText, box: Box, mode: FormsMode) -> RectRow:
    """A document plane's extra region, judged PHI: a group of unread ink, or the whole page (dcmaudit's scanned form)."""
    if mode is FormsMode.WHOLE:
        return RectRow(filename, box, plane.frame, plane.overlay, OCRENGINE_SCANNED_FORM, "[scanned form]",
                       NERENGINE_SCANNED_FORM, 1, source="scanned-form", reason="a document page, redacted whole")
    return RectRow(filename, box, plane.frame, plane.overlay, OCRENGINE_INK, "[ink]", NERENGINE, 1, source="ink",
                   reason="ink not read as text")
