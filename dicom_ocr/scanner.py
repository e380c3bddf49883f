"""Per-file work: a file opened once -> planes -> text regions -> other region sources -> PHI verdicts -> a
:class:`~dicom_ocr.results.FileResult`. Batch execution and the audit DB live elsewhere."""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from .detection import Detector
from .detection.reuse import PlaneMemory
from .dicomfile import DicomFile, open_dicom
from .documents import FormsMode, document_boxes
from .engines import ocrengine_names
from .errors import DicomOcrError, NotDicomError
from .geometry import Box
from .markers import MODALITIES as MARKER_MODALITIES
from .markers import Marker, find_markers, read_lines
from .phi import HeaderFacts, Verdict, judge
from .regions import Region, stop_short_of
from .results import FileResult, FoundRegion, PlaneResult, RegionKind, RuleRegion
from .rules.ultrasound import outside_clinical_area
from .sources import OCRENGINE_INK, OCRENGINE_MARKER, OCRENGINE_SCANNED_FORM, RegionSource
from .time_limit import time_limit
from .triage import CAUSE as TRIAGE_CAUSE
from .triage import header_triage

log = logging.getLogger(__name__)

RULE_REASON = "named by a rule, not read"


@dataclass(frozen=True)
class PlaneText:
    """What one plane of a file holds, once its pixels are done with: its text regions, on a document the boxes of ink
    no OCR read (or the whole page), and on a radiograph its lead markers."""

    frame: int
    overlay: int
    regions: list[Region]
    document: list[Box]
    markers: list[Marker]


def stored_filename(path: str, absolute: bool = True) -> str:
    """The filename stored in the DB: the path reviewers will open (absolute unless asked otherwise)."""
    return os.path.abspath(path) if absolute else path


class Scanner:
    """Scans files one at a time with one :class:`Detector`; never raises for a bad file, records it instead.
    ``forms``: what document planes (scanned paper) get besides their OCR regions; ``triage``: None, or "header" to
    leave files unread whose header makes burned-in text unlikely (:mod:`dicom_ocr.triage`); ``file_timeout``: seconds
    a file may take before it is recorded as failed (``timeout``; None: no limit; :mod:`dicom_ocr.time_limit`)."""

    def __init__(self, detector: Detector, sources: Sequence[RegionSource] = (), default_pii: bool = True,
                 absolute_paths: bool = True, forms: FormsMode = FormsMode.INK, triage: str | None = None,
                 file_timeout: float | None = None):
        self.detector = detector
        self.triage = triage
        self.file_timeout = file_timeout
        self.sources = tuple(sources)
        self.forms = forms
        self.default_pii = default_pii
        self.absolute_paths = absolute_paths

    def filename(self, path: str) -> str:
        return stored_filename(path, self.absolute_paths)

    def scan_file(self, path: str, facts: HeaderFacts | None = None) -> FileResult:
        """Everything found in the file at ``path``, its verdicts judged against its own header or ``facts``."""
        filename = self.filename(path)
        started = time.perf_counter()
        ocr_before = sum(self.detector.seconds.values())
        found: list[PlaneText] = []

        def result(state: str, **details) -> FileResult:
            return FileResult(filename, state, planes_read=len(found), engine=self.detector.engine_label,
                              engine_versions=self.detector.engine_versions,
                              seconds_total=time.perf_counter() - started,
                              seconds_ocr=sum(self.detector.seconds.values()) - ocr_before, **details)

        try:
            with time_limit(self.file_timeout, path):
                dicom = open_dicom(path)
                if self.triage and not (decision := header_triage(dicom)).read:
                    return result("not-read", error_cause=TRIAGE_CAUSE, error_message=decision.reason, tags=dicom.tags)
                rules = tuple(self._rule_regions(dicom))
                notes: dict[tuple[int, int], list[str]] = {}
                for plane, regions in self.detector.detect_planes(dicom.planes(), moving=dicom.moving_areas,
                                                                  memory=(memory := PlaneMemory()), notes=notes):
                    boxes = [region.box for region in regions]
                    markers = find_markers(plane, read_lines(regions)) \
                        if plane.overlay == -1 and dicom.modality in MARKER_MODALITIES else []
                    found.append(PlaneText(plane.frame, plane.overlay, regions,
                                           document_boxes(plane, dicom.header, boxes, self.forms), markers))
                planes = tuple(self._judged(plane, facts or dicom.facts, dicom.clinical_areas,
                                            tuple(notes.get((plane.frame, plane.overlay), ())))
                               for plane in with_static_text(found, memory))
        except DicomOcrError as exc:      # the batch writer logs each bad file's line, wherever the file was read
            log.debug("%s [%s]", exc, exc.cause)
            return result("skipped" if isinstance(exc, NotDicomError) else "error", error_cause=exc.cause,
                          error_message=exc.message)
        except Exception as exc:  # a bug or an unforeseen file: record it and let the batch go on
            log.debug("%s: internal error", path, exc_info=True)
            return result("error", error_cause="internal-error", error_message=f"{type(exc).__name__}: {exc}")
        return result("done", planes=planes, rules=rules, tags=dicom.tags)

    def _rule_regions(self, dicom: DicomFile) -> Iterator[RuleRegion]:
        """The regions the header-based sources name, once per frame the region applies to.

        dcmaudit shows a plane only the rows of its own frame, so a region on every frame is given to each.
        """
        for named in (region for source in self.sources for region in source.regions(dicom.header)):
            region = FoundRegion(named.box, RegionKind.RULE, "", None, RULE_REASON, named.label, named.ocrengine)
            frames = range(dicom.frames_per_overlay.get(named.overlay, 1)) if named.frame == -1 else [named.frame]
            for frame in frames:
                yield RuleRegion(frame, named.overlay, region)

    def _judged(self, plane: PlaneText, facts: HeaderFacts, areas: list[Box], notes: tuple[str, ...]) -> PlaneResult:
        """``plane``'s regions with their verdicts, then its document regions (judged PHI) and its markers; ``notes``:
        what was not read on it."""
        regions = plane.regions
        verdicts = [judge(region.text, facts, default_pii=self.default_pii) for region in regions]
        clear = [region for region, verdict in zip(regions, verdicts) if not verdict.pii]
        # a PHI line's margin stays off the label or technical line beside it; PHI lines may overlap each other
        regions = [stop_short_of([region], clear)[0] if verdict.pii else region
                   for region, verdict in zip(regions, verdicts)]
        found = [_text_region(region, verdict, plane.overlay == -1 and outside_clinical_area(region.box, areas))
                 for region, verdict in zip(regions, verdicts)]
        found += [_document_region(box, self.forms) for box in plane.document]
        found += [_marker_region(marker) for marker in plane.markers]
        return PlaneResult(plane.frame, plane.overlay, tuple(found), notes)


def with_static_text(found: list[PlaneText], memory: PlaneMemory) -> list[PlaneText]:
    """``found`` with each frame given the static text other frames of its stream showed
    (:meth:`PlaneMemory.static_text`)."""
    static = memory.static_text()
    return [replace(plane, regions=static.get((plane.frame, plane.overlay), plane.regions)) for plane in found]


def _text_region(region: Region, verdict: Verdict, outside_clinical_area: bool) -> FoundRegion:
    reason = f"{verdict.method}: {verdict.reason}"
    if outside_clinical_area:
        reason += "; outside the ultrasound clinical area"
    return FoundRegion(region.box, RegionKind.TEXT, region.text, verdict.pii, reason,
                       ocrengine_names().get(region.ocrengine, str(region.ocrengine)), region.ocrengine,
                       region.confidence)


def _document_region(box: Box, mode: FormsMode) -> FoundRegion:
    """A document plane's extra region, judged PHI: a group of unread ink, or the whole page (dcmaudit's scanned form)."""
    if mode is FormsMode.WHOLE:
        return FoundRegion(box, RegionKind.PAGE, "", True, "a document page, redacted whole", "scanned-form",
                           OCRENGINE_SCANNED_FORM)
    return FoundRegion(box, RegionKind.INK, "", True, "ink not read as text", "ink", OCRENGINE_INK)


def _marker_region(marker: Marker) -> FoundRegion:
    """A lead marker's region: PHI when letters lie beside the marker (a technologist's initials, read or not)."""
    beside = marker.pieces > 1
    reason = "lead marker with letters beside it (initials?)" if beside else "a lone lead marker letter (side marker)"
    return FoundRegion(marker.box, RegionKind.MARKER, "", beside, reason, "marker", OCRENGINE_MARKER)
