"""A file's result (:class:`~dicom_ocr.results.FileResult`) as the audit DB stores it: its ``dicom_ocr_files`` record
and its DicomRects rows.

Rows, in order: one per rule region and frame; then per plane one per region found, and a summary row (no box) with
all the plane's text and its highest verdict when the plane has any region. Rule regions carry their label in
``ocrtext``, bracketed, so reviewers see in dcmaudit which rule named them; they are not judged (``nerpii`` -1).
"""
from __future__ import annotations

from .. import __version__
from ..phi import NERENGINE
from ..results import FileResult, FoundRegion, PlaneResult, RegionKind
from ..sources import NERENGINE_SCANNED_FORM
from .files import HEADER_READ, FileRecord
from .planes import PlaneNote
from .rects import RectRow

_PLACEHOLDERS = {RegionKind.INK: "[ink]", RegionKind.PAGE: "[scanned form]", RegionKind.MARKER: "[marker]"}


def file_rows(result: FileResult) -> tuple[FileRecord, list[RectRow]]:
    """The record and rows of ``result``."""
    rects = [_rule_row(result.filename, rule.frame, rule.overlay, rule.region) for rule in result.rules]
    for plane in result.planes:
        rects += _plane_rows(result.filename, plane)
    return file_record(result), rects


def plane_notes(result: FileResult) -> list[PlaneNote]:
    """What was not read on each plane of ``result``, and why."""
    return [PlaneNote(result.filename, plane.frame, plane.overlay, note)
            for plane in result.planes for note in plane.notes]


def file_record(result: FileResult) -> FileRecord:
    """What happened to the file, with its counts and timings."""
    return FileRecord(result.filename, result.state, result.error_cause, result.error_message,
                      n_planes=result.planes_read, n_regions=sum(1 for _ in result.found()), has_phi=result.has_phi,
                      seconds_decode=round(result.seconds_total - result.seconds_ocr, 4),
                      seconds_ocr=round(result.seconds_ocr, 4), seconds_total=round(result.seconds_total, 4),
                      engine=result.engine, engine_version=result.engine_versions, tool_version=__version__,
                      modality=result.tags.modality if result.state in HEADER_READ else None,
                      model=result.tags.model if result.state in HEADER_READ else None)


def _plane_rows(filename: str, plane: PlaneResult) -> list[RectRow]:
    rows = [_region_row(filename, plane.frame, plane.overlay, region) for region in plane.regions]
    if rows:
        rows.append(RectRow(filename, None, plane.frame, plane.overlay, rows[0].ocrengine,
                            " ".join(row.ocrtext for row in rows), NERENGINE, max(row.nerpii for row in rows),
                            source="summary"))
    return rows


def _region_row(filename: str, frame: int, overlay: int, region: FoundRegion) -> RectRow:
    nerengine = NERENGINE_SCANNED_FORM if region.kind is RegionKind.PAGE else NERENGINE
    confidence = None if region.confidence is None else round(region.confidence, 4)
    return RectRow(filename, region.box, frame, overlay, region.ocrengine,
                   _PLACEHOLDERS.get(region.kind, region.text), nerengine, int(bool(region.phi)),
                   source=region.source, reason=region.reason, confidence=confidence)


def _rule_row(filename: str, frame: int, overlay: int, region: FoundRegion) -> RectRow:
    return RectRow(filename, region.box, frame, overlay, region.ocrengine, f"[{region.source}]", -1, -1,
                   source=region.source, reason=region.reason)
