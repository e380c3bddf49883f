"""Writing a report: the files chosen, each with its plane groups, pictures and region table, through the Jinja2
template ``templates/report.html.j2``; one self-contained HTML file, or a folder with ``index.html`` and images."""
from __future__ import annotations

import base64
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import __version__
from ..dicomfile import DicomFile, open_dicom
from ..engines import ocrengine_names
from ..errors import DicomOcrError
from ..exports import engine_name
from ..sources import OCRENGINE_CTP_RULE, OCRENGINE_DEID_RULE, OCRENGINE_LEARNED
from ..store import AuditDB, FileFacts, FileRecord, PlaneNote, RectRow
from .classes import TRIAGE_LABELS, TRIAGE_ORDER, triage
from .grouping import GroupRegion, PlaneGroup, group_planes
from .overview import build_overview
from .sampling import Selection, first_in_triage_order, stratified_sample
from .signatures import SignatureLookup
from .thumbnails import KIND_COLOURS, KIND_LABELS, PlanePicture, plane_pictures, rect_kind

log = logging.getLogger(__name__)

PHI_WARNING = ("This report contains PHI: OCR text and images of patients. Keep it where the images themselves may be "
               "kept, and delete it when the spot check is done.")
IMAGE_DIR = "images"
MORE_TEXTS = 8        # other texts listed for a region whose text changes over a group's frames (a clock)
_RULE_NAMES = {OCRENGINE_DEID_RULE: "deid recipe rule", OCRENGINE_CTP_RULE: "CTP script rule",
               OCRENGINE_LEARNED: "learned from reviewers"}


class ReportOutputError(ValueError):
    """``--out`` cannot be written as asked; the message is one line for the user."""


@dataclass(frozen=True)
class ReportSummary:
    """What a report holds: files shown per triage class, files left out, and where it went."""

    shown: dict[str, int]
    left_out: int
    index: Path
    pictures: int = 0
    headers_read: int = 0     # for signatures: none when the scan stored them (pictures read their files anyway)


@dataclass
class RowView:
    """A region's row: its text on the group's first frame, then the other texts it showed (``more``: not listed)."""

    kind: str
    source: str
    coords: str
    text: str
    later: list[str]
    more: int
    reason: str


@dataclass
class GroupView:
    group: PlaneGroup
    rows: list[RowView]
    thumbnail: str = ""
    full: str = ""
    width: int = 0
    height: int = 0


@dataclass
class FileView:
    record: FileRecord
    anchor: str
    triage: str
    signature: str
    groups: list[GroupView] = field(default_factory=list)
    picture_error: str | None = None
    not_read: list[str] = field(default_factory=list)   # what was not read on some planes, and why


def not_read_lines(notes: list[PlaneNote]) -> list[str]:
    """One line per note and plane stream: ``image, frames 0, 2: <why>`` (overlay n: ``overlay n``)."""
    frames: dict[tuple[int, str], list[int]] = {}
    for note in notes:
        frames.setdefault((note.overlay, note.note), []).append(note.frame)
    return [f"{'image' if overlay < 0 else f'overlay {overlay}'}, frame{'s' if len(numbers) > 1 else ''} "
            f"{', '.join(map(str, sorted(numbers)))}: {why}" for (overlay, why), numbers in sorted(frames.items())]


def source_name(rect: RectRow) -> str:
    """Who named a region: its rule (``file:LABEL``) for rule regions, else the OCR engine's name."""
    if rect_kind(rect) == "rule":
        return rect.source or _RULE_NAMES.get(rect.ocrengine) or engine_name(rect.ocrengine, ocrengine_names())
    return engine_name(rect.ocrengine, ocrengine_names())


def _row(region: GroupRegion) -> RowView:
    rect = region.rect
    kind = rect_kind(rect)
    texts = ["" if kind == "rule" and text == f"[{rect.source}]" else text or "" for text in region.texts]
    return RowView(kind, source_name(rect), ",".join(map(str, rect.coords)), texts[0], texts[1:1 + MORE_TEXTS],
                   max(0, len(texts) - 1 - MORE_TEXTS), rect.reason or "")


class _Pictures:
    """Where pictures go: inline data URIs (one file), or image files in ``images/`` beside ``index.html``."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.count = 0
        if folder is not None:
            (folder / IMAGE_DIR).mkdir(exist_ok=True)
            for stale in (folder / IMAGE_DIR).glob("file-*_o*_f*.*"):   # an earlier report's pictures (PHI)
                if stale.suffix in (".jpg", ".webp"):
                    stale.unlink()

    def place(self, name: str, data: bytes) -> str:
        self.count += 1
        if self.folder is None:
            mime = "image/webp" if name.endswith(".webp") else "image/jpeg"
            return f"data:{mime};base64," + base64.b64encode(data).decode()
        (self.folder / IMAGE_DIR / name).write_bytes(data)
        return f"{IMAGE_DIR}/{name}"


def _file_view(record: FileRecord, anchor: str, signature: str, rects: list[RectRow], pictures: _Pictures | None,
               notes: list[PlaneNote]) -> FileView:
    view = FileView(record, anchor, triage(record), signature, not_read=not_read_lines(notes))
    if record.state != "done":    # nothing was read: no plane may look clean
        return view
    dicom: DicomFile | None = None
    try:
        dicom = open_dicom(record.filename)
    except (DicomOcrError, OSError) as error:
        view.picture_error = str(getattr(error, "message", error))
    groups = group_planes(rects, dicom.frames_per_overlay if dicom is not None else {-1: 1})
    found: dict[tuple[int, int], PlanePicture] = {}
    if dicom is not None and pictures is not None:
        found, view.picture_error = plane_pictures(dicom, groups)
    for group in groups:
        gv = GroupView(group, [_row(region) for region in group.regions])
        pic = found.get((group.overlay, group.frame))
        if pic is not None and pictures is not None:
            stem = f"{anchor}_o{group.overlay + 1}_f{group.frame}"
            gv.thumbnail = pictures.place(f"{stem}_thumb.jpg", pic.thumbnail)
            gv.full = pictures.place(f"{stem}.webp", pic.full)
            gv.width, gv.height = pic.width, pic.height
        view.groups.append(gv)
    return view


def check_output(out: Path) -> Path | None:
    """The folder to write into when ``out`` names one (any name not ending in .html/.htm; new, empty or an earlier
    report's), None for one file; raise ReportOutputError when it cannot be written."""
    folder = out.suffix.lower() not in (".html", ".htm")
    parent = out.parent
    if not parent.is_dir():
        raise ReportOutputError(f"cannot write {out}: directory {parent} does not exist")
    if folder and out.exists() and not out.is_dir():
        raise ReportOutputError(f"cannot write {out}: it is a file, and a name without .html means a folder")
    if folder and out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise ReportOutputError(f"cannot write {out}: the folder holds other files (give a new or empty folder, "
                                "or the folder of an earlier report)")
    if not folder and out.is_dir():
        raise ReportOutputError(f"cannot write {out}: it is a directory (give a file name, or a folder name without .html)")
    return out if folder else None


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("dicom_ocr.reports", "templates"), autoescape=select_autoescape(["j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def _choose(db: AuditDB, only: Sequence[str], sample: int | None, seed: int, limit: int,
            lookup: SignatureLookup) -> tuple[list[FileFacts], Selection]:
    """The files of the classes in ``only``, and those the report shows."""
    records = [r for r in db.files.facts() if triage(r) in only]
    selection = (stratified_sample(records, sample, seed, lookup) if sample is not None
                 else first_in_triage_order(records, db.rects.phi_counts(), limit))
    return records, selection


def _recorded(db: AuditDB, filename: str) -> FileRecord:
    """The record of a file the report selected from the same DB."""
    record = db.files.record(filename)
    if record is None:
        raise LookupError(f"{filename}: no record in the audit DB")
    return record


def write_report(db_dir: str | Path, out: str | Path, *, sample: int | None = None, seed: int = 0, limit: int = 200,
                 only: Sequence[str] = TRIAGE_ORDER, images: bool = True) -> ReportSummary:
    """Write the spot-check report of the scan in ``db_dir`` to ``out`` (a .html file, or a folder with index.html):
    a stratified random ``sample`` of that many files with ``seed``, else the first ``limit`` in triage order; only the
    triage classes in ``only``; pictures of the planes unless ``images`` is False. The page appears whole or not at
    all (written beside, then renamed)."""
    out = Path(out)
    folder = check_output(out)
    with AuditDB(db_dir) as db:
        lookup = SignatureLookup(db.tags.scanners(), db.files.signatures())
        records, selection = _choose(db, only, sample, seed, limit, lookup)
        anchors = [(facts, f"file-{i}") for i, facts in enumerate(selection.records, 1)]
        signatures = {facts.filename: lookup(facts.filename) for facts, _ in anchors}
        known = lookup.known
        charts = build_overview(records, anchors, {r.filename: known[r.filename] for r in records if r.filename in known})
        if folder is not None:
            folder.mkdir(exist_ok=True)
        pictures = _Pictures(folder) if images else None
        files = (_file_view(_recorded(db, facts.filename), anchor, signatures[facts.filename].label,
                            db.rects.of(facts.filename), pictures, db.planes.of(facts.filename))
                 for facts, anchor in anchors)
        by_class = Counter(triage(r) for r in selection.records)
        shown = {c: by_class[c] for c in TRIAGE_ORDER if by_class[c]}
        index = folder / "index.html" if folder is not None else out
        partial = index.with_name(index.name + ".part")
        _environment().get_template("report.html.j2").stream(
            phi_warning=PHI_WARNING, selection=selection, charts=charts, files=files, by_class=shown,
            triage_labels=TRIAGE_LABELS, kind_colours={k: "#%02x%02x%02x" % c for k, c in KIND_COLOURS.items()},
            kind_labels=KIND_LABELS, version=__version__, written=datetime.now().isoformat(sep=" ", timespec="seconds"),
            db=str(db.path), headers_read=lookup.headers_read,
        ).dump(str(partial), encoding="utf-8")
        partial.replace(index)
    return ReportSummary(shown, selection.left_out, index, pictures.count if pictures else 0, lookup.headers_read)
