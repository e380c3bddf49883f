"""Spot-check reports: one self-contained HTML page showing what a scan recorded, for people to look at.

Files come in triage order (PHI text first, then technical text only, then failures, then no text); each shows the
planes that hold regions, with the regions drawn on them (red: PHI, green: not PHI, blue: from rules or ultrasound
regions), and a table of the regions with their text, verdict and reason. The page shows OCR text and patient
images: it contains PHI and says so at the top.
"""
from __future__ import annotations

import base64
import html
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .auditdb import AuditDB, FileRecord, RectRow
from .errors import DicomOcrError
from .exports import OCR_ENGINE_NAMES, engine_name
from .planes import Plane, iter_planes
from .sources import OCRENGINE_CTP_RULE, OCRENGINE_DEID_RULE, OCRENGINE_LEARNED, OCRENGINE_ULTRASOUND_REGIONS

log = logging.getLogger(__name__)

TRIAGE_ORDER = ("phi", "technical-only", "error", "no-text")
THUMBNAIL_SIDE = 512
_COLOURS = {"phi": (220, 30, 30), "clear": (30, 170, 30), "rule": (40, 90, 230)}   # RGB
PHI_WARNING = ("This report contains PHI: OCR text and images of patients. Keep it where the images themselves may be "
               "kept, and delete it when the spot check is done.")


@dataclass(frozen=True)
class ReportSummary:
    """What a report holds: files shown per triage class and files left out by ``limit``."""

    shown: dict[str, int]
    left_out: int


def triage(record: FileRecord) -> str:
    """A file's triage class: ``phi``, ``technical-only``, ``no-text`` or ``error``."""
    if record.state != "done":
        return "error"
    if record.has_phi:
        return "phi"
    return "technical-only" if record.n_regions else "no-text"


_SOURCE_ENGINES = frozenset((OCRENGINE_ULTRASOUND_REGIONS, OCRENGINE_DEID_RULE, OCRENGINE_CTP_RULE, OCRENGINE_LEARNED))


def _kind(rect: RectRow) -> str:
    """``rule`` for a region a non-OCR source named, else ``phi`` or ``clear`` by its verdict."""
    if rect.ocrengine in _SOURCE_ENGINES:
        return "rule"
    return "phi" if rect.nerpii == 1 else "clear"


def _thumbnail(plane: Plane, rects: Sequence[RectRow]) -> str:
    """The plane with its rects drawn, at most THUMBNAIL_SIDE pixels a side, as a PNG data URI."""
    image = plane.image if plane.image.ndim == 3 else cv2.cvtColor(plane.image, cv2.COLOR_GRAY2RGB)
    scale = min(1.0, THUMBNAIL_SIDE / max(plane.rows, plane.columns))
    if scale < 1:
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = np.ascontiguousarray(image)
    for rect in rects:
        b = rect.box
        corners = [(round(x * scale), round(y * scale)) for x, y in ((b.left, b.top), (b.right, b.bottom))]
        cv2.rectangle(image, corners[0], corners[1], _COLOURS[_kind(rect)], 1)
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode() if ok else ""


def _plane_rects(rects: Iterable[RectRow]) -> dict[tuple[int, int], list[RectRow]]:
    """Box rects by (frame, overlay); a rect on every frame (-1) is shown on the first frame."""
    planes: dict[tuple[int, int], list[RectRow]] = defaultdict(list)
    for rect in rects:
        if rect.box is not None:
            planes[(max(rect.frame, 0), rect.overlay)].append(rect)
    return planes


def _images(filename: str, planes: dict[tuple[int, int], list[RectRow]]) -> list[tuple[str, str]]:
    """(caption, data URI) of each plane holding rects; none when the file can no longer be read."""
    wanted_frames = sorted({frame for frame, _ in planes})
    shown = []
    try:
        for plane in iter_planes(filename, frames=wanted_frames):
            if (plane.frame, plane.overlay) in planes:
                caption = f"frame {plane.frame}" + ("" if plane.overlay < 0 else f", overlay {plane.overlay}")
                shown.append((caption, _thumbnail(plane, planes[(plane.frame, plane.overlay)])))
    except (DicomOcrError, OSError) as error:
        log.warning("%s: no images in the report (%s)", filename, error)
    return shown


_VERDICTS = {"phi": "PHI", "clear": "not PHI", "rule": "rule region"}
_COLUMNS = ("frame", "overlay", "left,top,right,bottom", "engine", "text", "verdict", "reason")


def _rect_rows(rects: Sequence[RectRow]) -> str:
    """The table of a file's box rects (summary rows left out), or "" when it has none."""
    rows = []
    for rect in (r for r in rects if r.box is not None):
        cells = (rect.frame, rect.overlay, ",".join(map(str, rect.coords)),
                 engine_name(rect.ocrengine, OCR_ENGINE_NAMES), rect.ocrtext or "", _VERDICTS[_kind(rect)],
                 rect.reason or rect.source or "")
        rows.append(f"<tr class='{_kind(rect)}'>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    if not rows:
        return ""
    header = "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in _COLUMNS) + "</tr>"
    return "<table>" + header + "".join(rows) + "</table>"


def _file_section(record: FileRecord, rects: Sequence[RectRow], images: bool) -> str:
    parts = [f"<section class='{triage(record)}'><h2>{html.escape(record.filename)}</h2>",
             f"<p>{triage(record)}: {record.n_planes} planes, {record.n_regions} regions</p>"]
    if record.state != "done":
        parts.append(f"<p class='error'>{html.escape(record.error_cause or 'error')}: "
                     f"{html.escape(record.error_message or '')}</p>")
    if images and record.state == "done":      # a file not done has no regions to show (and may not be readable)
        for caption, uri in _images(record.filename, _plane_rects(rects)):
            parts.append(f"<figure><img src='{uri}' alt='{html.escape(caption)}'><figcaption>{html.escape(caption)}"
                         "</figcaption></figure>")
    parts.append(_rect_rows(rects))
    parts.append("</section>")
    return "\n".join(parts)


_STYLE = """body{font-family:sans-serif;margin:1em}.warning{background:#fdd;border:2px solid #c00;padding:.5em}
section{border-top:1px solid #999;margin-top:1em}figure{display:inline-block;margin:.3em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}tr.phi td{background:#fee}tr.rule td{background:#eef}
.error{color:#a00}"""


def write_report(db_dir: str | Path, out: str | Path, *, limit: int = 200, only: Sequence[str] = TRIAGE_ORDER,
                 images: bool = True) -> ReportSummary:
    """Write the spot-check page of the scan in ``db_dir`` to ``out``: at most ``limit`` files of the triage classes
    in ``only``, in triage order (most PHI rects first within a class)."""
    with AuditDB(db_dir) as db:
        records = [r for r in db.file_records().values() if triage(r) in only]
        rects = {r.filename: db.rects(r.filename) for r in records}
    records.sort(key=lambda r: (TRIAGE_ORDER.index(triage(r)), -sum(x.nerpii == 1 for x in rects[r.filename]),
                                r.filename))
    chosen = records[:limit]
    shown: dict[str, int] = defaultdict(int)
    for record in chosen:
        shown[triage(record)] += 1
    counts = ", ".join(f"{shown[c]} {c}" for c in TRIAGE_ORDER if shown[c])
    head = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>dicom_ocr spot check (contains PHI)</title>"
            f"<style>{_STYLE}</style></head><body><p class='warning'><b>{PHI_WARNING}</b></p>"
            f"<h1>dicom_ocr spot check</h1><p>{len(chosen)} of {len(records)} files: {counts or 'none'}.</p>")
    with open(out, "w", encoding="utf-8") as page:
        page.write(head)
        for record in chosen:
            page.write(_file_section(record, rects[record.filename], images) + "\n")
        page.write("</body></html>\n")
    return ReportSummary(dict(shown), len(records) - len(chosen))
