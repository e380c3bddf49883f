"""The audit store: results go into the reviewers' SQLite DB (dcmaudit's ``dcmaudit.sqlite.db``) so dcmaudit shows them.

dcmaudit reaches that DB through pydal, which keeps migration files (``<md5>_DicomRects.table``) beside it and fails on a
DB whose tables it did not create. So a new DB has its dcmaudit tables created by pydal itself (same field definitions as
dcmaudit), then pydal is closed and all reading and writing goes through one :mod:`sqlite3` connection: plain SQL for
dcmaudit's tables, sqlite-utils for ours. dcmaudit's tables are never
altered; what only we need lives in tables prefixed ``dicom_ocr_``. WAL, a busy timeout and one short ``BEGIN IMMEDIATE``
transaction per file keep a reviewer's open dcmaudit (reader and writer) working during a scan.

Our DicomRects rows are those with ``last_modified_by = 'dicom_ocr'`` whose id is in ``dicom_ocr_rects``; nothing else is
ever deleted or changed. DicomTags is only read (marks are the reviewer's decision).
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from .geometry import Box

log = logging.getLogger(__name__)

DB_NAME = "dcmaudit.sqlite.db"
DB_URI = f"sqlite://{DB_NAME}"
WRITER = "dicom_ocr"
BUSY_TIMEOUT_S = 30.0
SUMMARY_COORDS = (-1, -1, -1, -1)
JULIAN_2000 = 2451545.0   # Julian day number of 2000-01-01 12:00
FILE_STATES = ("done", "error", "skipped")   # skipped: not DICOM, recorded with its cause but not a failure

_RECT_COLUMNS = {"id", "filename", "top", "bottom", "left", "right", "frame", "overlay", "ocrengine", "ocrtext",
                 "nerengine", "nerpii", "last_modified", "last_modified_by"}
_TAG_COLUMNS = {"id", "filename", "mark", "comment", "modality", "imagetype", "manufacturermodelname",
                "burnedinannotation", "rows", "columns", "last_modified", "last_modified_by"}

FILES_TABLE = "dicom_ocr_files"
RECTS_TABLE = "dicom_ocr_rects"
_FILES_COLUMNS = {"filename": str, "state": str, "error_cause": str, "error_message": str, "n_planes": int,
                  "n_regions": int, "has_phi": int, "seconds_decode": float, "seconds_ocr": float,
                  "seconds_total": float, "engine": str, "engine_version": str, "tool_version": str, "finished_at": str}
_RECTS_COLUMNS = {"rect_id": int, "filename": str, "source": str, "reason": str, "confidence": float}


def _now() -> str:
    """Local time as pydal stores a datetime (dcmaudit uses datetime.now())."""
    return datetime.now().isoformat(sep=" ", timespec="seconds")


def _julian_to_text(day: float | None) -> str | None:
    """An SQLite Julian day number as local time text, to the nearest second."""
    if day is None:
        return None
    seconds = round((day - JULIAN_2000) * 86400)
    return (datetime(2000, 1, 1, 12) + timedelta(seconds=seconds)).isoformat(sep=" ")


def _now_precise() -> str:
    """Local time to the millisecond, for our own records (throughput over short scans)."""
    return datetime.now().isoformat(sep=" ", timespec="milliseconds")


@dataclass
class RectRow:
    """One DicomRects row; ``box`` None is a per-plane summary row (stored as -1,-1,-1,-1) holding all its text."""

    filename: str
    box: Box | None
    frame: int
    overlay: int
    ocrengine: int
    ocrtext: str
    nerengine: int = -1
    nerpii: int = -1
    source: str = ""
    reason: str = ""
    confidence: float | None = None

    @property
    def coords(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom), -1s for a summary row."""
        b = self.box
        return SUMMARY_COORDS if b is None else (b.left, b.top, b.right, b.bottom)


@dataclass
class FileRecord:
    """What happened to one file: kept in ``dicom_ocr_files`` so a crash mid-file never counts the file as done."""

    filename: str
    state: str
    error_cause: str | None = None
    error_message: str | None = None
    n_planes: int = 0
    n_regions: int = 0
    has_phi: bool | None = None
    seconds_decode: float = 0.0
    seconds_ocr: float = 0.0
    seconds_total: float = 0.0
    engine: str = ""
    engine_version: str = ""
    tool_version: str = ""
    finished_at: str = field(default_factory=_now_precise)

    def __post_init__(self) -> None:
        if self.state not in FILE_STATES:
            raise ValueError(f"state must be one of {FILE_STATES}, not {self.state!r}")


class FileFacts(NamedTuple):
    """The columns of a file record that counts and samples need, light enough to hold for millions of files."""

    filename: str
    state: str
    error_cause: str | None
    n_planes: int
    n_regions: int
    has_phi: bool | None
    seconds_total: float


@dataclass(frozen=True)
class ReviewedRect:
    """A rect of a file a reviewer has finished, with the metadata dcmaudit matches "similar images" on."""

    filename: str
    box: Box
    frame: int
    overlay: int
    ocrengine: int
    ocrtext: str
    nerengine: int
    nerpii: int
    last_modified_by: str | None
    modality: str | None
    imagetype: str | None
    rows: int | None
    columns: int | None
    manufacturer_model_name: str | None


def define_dcmaudit_tables(db) -> None:
    """Define DicomRects and DicomTags on a pydal DAL exactly as dcmaudit does."""
    from pydal import Field
    db.define_table("DicomRects", Field("filename"),
                    Field("top", type="integer"), Field("bottom", type="integer"),
                    Field("left", type="integer"), Field("right", type="integer"),
                    Field("frame", type="integer", default=-1), Field("overlay", type="integer", default=-1),
                    Field("ocrengine", type="integer", default=-1), Field("ocrtext"),
                    Field("nerengine", type="integer", default=-1), Field("nerpii", type="integer", default=-1),
                    Field("last_modified", type="datetime"), Field("last_modified_by"))
    db.define_table("DicomTags", Field("filename", unique=True),
                    Field("mark", type="boolean"), Field("comment"),
                    Field("Modality"), Field("ImageType"), Field("ManufacturerModelName"), Field("BurnedInAnnotation"),
                    Field("Rows", type="integer"), Field("Columns", type="integer"),
                    Field("last_modified", type="datetime"), Field("last_modified_by"))


def migration_files(directory: Path) -> list[Path]:
    """The pydal migration files dcmaudit needs beside the DB."""
    prefix = hashlib.md5(DB_URI.encode()).hexdigest()
    return [directory / f"{prefix}_{table}.table" for table in ("DicomRects", "DicomTags")]


def _table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1].lower() for row in conn.execute(f'PRAGMA table_info("{table}")')}


def _prepare_dcmaudit_tables(directory: Path) -> None:
    """Make sure the dcmaudit tables exist and pydal (so dcmaudit) can open them; never alter existing ones."""
    with closing(sqlite3.connect(directory / DB_NAME, timeout=BUSY_TIMEOUT_S)) as probe:
        rect_cols = _table_columns(probe, "DicomRects")
        tag_cols = _table_columns(probe, "DicomTags")
    have_tables = bool(rect_cols) and bool(tag_cols)
    if have_tables and all(p.exists() for p in migration_files(directory)):
        return
    if have_tables and not (_RECT_COLUMNS <= rect_cols and _TAG_COLUMNS <= tag_cols):
        log.warning("%s: DicomRects/DicomTags lack dcmaudit's columns; leaving them as they are", directory / DB_NAME)
        return
    if bool(rect_cols) != bool(tag_cols):
        log.warning("%s: only one of DicomRects/DicomTags exists; leaving them as they are", directory / DB_NAME)
        return
    from pydal import DAL
    if not have_tables:
        for stale in migration_files(directory):     # left from a deleted DB, they would stop pydal creating tables
            stale.unlink(missing_ok=True)
    # Tables made without pydal (plain SQL): write only pydal's migration files so dcmaudit opens them.
    db = DAL(DB_URI, folder=str(directory), fake_migrate_all=have_tables)
    try:
        define_dcmaudit_tables(db)
        db.commit()
    finally:
        db.close()
    log.info("%s: %s dcmaudit tables through pydal", directory / DB_NAME,
             "registered existing" if have_tables else "created")


class AuditDB:
    """The reviewers' audit DB in ``directory`` (created if absent), written through sqlite3 with short transactions."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / DB_NAME
        _prepare_dcmaudit_tables(self.directory)
        self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            log.warning("%s: journal mode stays %s (another connection holds the DB)", self.path, mode)
        self._conn.execute("PRAGMA synchronous = NORMAL")    # safe with WAL; a power cut may lose only the last file
        self._db = sqlite_utils.Database(self._conn)   # our own tables; inside a transaction it nests as savepoints
        with self._transaction():
            self._create_our_tables()

    def _create_our_tables(self) -> None:
        db = self._db
        db[FILES_TABLE].create(_FILES_COLUMNS, pk="filename", not_null={"state"}, if_not_exists=True)
        db[RECTS_TABLE].create(_RECTS_COLUMNS, pk="rect_id", not_null={"filename"}, if_not_exists=True)
        db[RECTS_TABLE].create_index(["filename"], index_name="dicom_ocr_rects_filename", if_not_exists=True)
        db["DicomRects"].create_index(["filename"], index_name="dicom_ocr_DicomRects_filename", if_not_exists=True)

    def __enter__(self) -> AuditDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One BEGIN IMMEDIATE transaction: takes the write lock first (waiting up to busy_timeout), so it never
        has to upgrade a read snapshot, which fails at once in WAL mode when another writer got in between."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def write_file(self, record: FileRecord, rects: list[RectRow]) -> None:
        """Replace the rects this tool wrote earlier for ``record.filename`` by ``rects`` and store ``record``, atomically."""
        name = record.filename
        strangers = {r.filename for r in rects} - {name}
        if strangers:
            raise ValueError(f"rects for other files than {name!r}: {sorted(strangers)!r}")
        now = _now()
        with self._transaction():
            self._delete_ours(name)
            ours = [self._insert_rect(rect, now) for rect in rects]
            self._db[RECTS_TABLE].insert_all(ours)
            row = asdict(record)
            row["has_phi"] = None if record.has_phi is None else int(record.has_phi)
            self._db[FILES_TABLE].insert(row, replace=True)
        log.debug("stored %d rects for %s", len(rects), name)

    def _delete_ours(self, filename: str) -> None:
        self._conn.execute(
            'DELETE FROM "DicomRects" WHERE filename = ? AND last_modified_by = ? '
            "AND id IN (SELECT rect_id FROM dicom_ocr_rects WHERE filename = ?)", (filename, WRITER, filename))
        self._db[RECTS_TABLE].delete_where("filename = ?", [filename])

    def _insert_rect(self, rect: RectRow, now: str) -> dict:
        """Insert ``rect`` into DicomRects; return its row for dicom_ocr_rects."""
        left, top, right, bottom = rect.coords
        cur = self._conn.execute(
            'INSERT INTO "DicomRects"(filename, top, bottom, "left", "right", frame, overlay, ocrengine, ocrtext, '
            "nerengine, nerpii, last_modified, last_modified_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rect.filename, top, bottom, left, right, rect.frame, rect.overlay, rect.ocrengine, rect.ocrtext,
             rect.nerengine, rect.nerpii, now, WRITER))
        return {"rect_id": cur.lastrowid, "filename": rect.filename, "source": rect.source, "reason": rect.reason,
                "confidence": rect.confidence}

    def rects(self, filename: str) -> list[RectRow]:
        """The rects this tool wrote for ``filename``, in insertion order."""
        rows = self._conn.execute(
            'SELECT r.filename, r."left", r.top, r."right", r.bottom, r.frame, r.overlay, r.ocrengine, r.ocrtext, '
            'r.nerengine, r.nerpii, o.source, o.reason, o.confidence FROM "DicomRects" r '
            "JOIN dicom_ocr_rects o ON o.rect_id = r.id WHERE r.filename = ? AND r.last_modified_by = ? ORDER BY r.id",
            (filename, WRITER))
        return [RectRow(row[0], None if tuple(row[1:5]) == SUMMARY_COORDS else Box(*row[1:5]), *row[5:])
                for row in rows]

    def file_records(self) -> dict[str, FileRecord]:
        """Every file record, by filename."""
        records = {}
        for row in self._db[FILES_TABLE].rows_where(order_by="filename"):
            rec = FileRecord(**row)
            rec.has_phi = None if rec.has_phi is None else bool(rec.has_phi)
            records[rec.filename] = rec
        return records

    def phi_row_counts(self) -> dict[str, int]:
        """How many of our rows (summary rows included) judge text PHI, per file that has any."""
        rows = self._conn.execute(
            'SELECT r.filename, COUNT(*) FROM "DicomRects" r JOIN dicom_ocr_rects o ON o.rect_id = r.id '
            "WHERE r.last_modified_by = ? AND r.nerpii = 1 GROUP BY r.filename", (WRITER,))
        return dict(rows.fetchall())

    def tagged_scanners(self) -> dict[str, tuple[str | None, str | None]]:
        """(Modality, ManufacturerModelName) of the files dcmaudit has a DicomTags row for, by filename."""
        rows = self._conn.execute('SELECT filename, modality, manufacturermodelname FROM "DicomTags"')
        return {name: (modality, model) for name, modality, model in rows.fetchall()}

    def file_facts(self) -> list[FileFacts]:
        """Every file's :class:`FileFacts`, by filename."""
        rows = self._conn.execute("SELECT filename, state, error_cause, n_planes, n_regions, has_phi, seconds_total "
                                  "FROM dicom_ocr_files ORDER BY filename")
        return [FileFacts(name, state, cause, planes or 0, regions or 0, None if phi is None else bool(phi), seconds or 0.0)
                for name, state, cause, planes, regions, phi, seconds in rows]

    def file_record(self, filename: str) -> FileRecord | None:
        """The record of one file, None when it has none."""
        row = self._conn.execute("SELECT * FROM dicom_ocr_files WHERE filename = ?", (filename,)).fetchone()
        if row is None:
            return None
        record = FileRecord(*row)
        record.has_phi = None if record.has_phi is None else bool(record.has_phi)
        return record

    def done_filenames(self) -> set[str]:
        """Files finished without error (a file that failed or was cut off mid-way is not among them)."""
        return {row["filename"] for row in self._db[FILES_TABLE].rows_where("state = 'done'", select="filename")}

    def summary(self) -> dict:
        """What the file records say: counts (per state, triage class and cause), timings and throughput.

        ``seconds_*`` are sums over all records (worker time); ``*_per_file`` their means; ``files_per_hour`` is one
        worker's rate (files over worker time); ``wall_files_per_hour`` is files over the wall time from the first
        file's start to the last file's finish (pauses between runs included)."""
        files = self._db[FILES_TABLE]
        n_files = files.count
        with_text = self._conn.execute(
            'SELECT COUNT(DISTINCT r.filename) FROM "DicomRects" r JOIN dicom_ocr_rects o ON o.rect_id = r.id '
            "JOIN dicom_ocr_files f ON f.filename = r.filename "
            "WHERE f.state = 'done' AND r.last_modified_by = ? AND TRIM(COALESCE(r.ocrtext, '')) != '' "
            "AND r.nerengine != -1",   # text read and judged; rule rows (nerengine -1) name areas, not text
            (WRITER,)).fetchone()[0]
        totals = next(self._db.query(
            "SELECT TOTAL(seconds_decode) AS decode, TOTAL(seconds_ocr) AS ocr, TOTAL(seconds_total) AS total, "
            "TOTAL(CASE WHEN state = 'done' THEN n_planes END) AS planes, "
            "MIN(julianday(finished_at) - seconds_total / 86400.0) AS first_start, "
            "MAX(julianday(finished_at)) AS last_finish FROM dicom_ocr_files"))
        seconds = totals["total"]
        wall = (totals["last_finish"] - totals["first_start"]) * 86400 if n_files else None

        def per_file(value: float) -> float | None:
            return value / n_files if n_files else None

        return {
            "files": n_files,
            "done": files.count_where("state = 'done'"),
            "with_regions": files.count_where("state = 'done' AND n_regions > 0"),
            "with_text": with_text,
            "with_phi": files.count_where("state = 'done' AND has_phi"),
            "technical_only": files.count_where("state = 'done' AND n_regions > 0 AND NOT has_phi"),
            "no_text": files.count_where("state = 'done' AND NOT n_regions > 0"),
            "skipped": files.count_where("state = 'skipped'"),
            "skipped_by_cause": self._causes("skipped"),
            "failed": files.count_where("state = 'error'"),
            "failed_by_cause": self._causes("error"),
            "planes": int(totals["planes"]),
            "seconds_decode": totals["decode"],
            "seconds_ocr": totals["ocr"],
            "seconds_total": seconds,
            "seconds_per_file": per_file(seconds),
            "seconds_ocr_per_file": per_file(totals["ocr"]),
            "seconds_decode_per_file": per_file(totals["decode"]),
            "files_per_hour": 3600 * n_files / seconds if seconds > 0 else None,
            "first_started": _julian_to_text(totals["first_start"]),
            "last_finished": _julian_to_text(totals["last_finish"]),
            "wall_seconds": wall,
            "wall_files_per_hour": 3600 * n_files / wall if wall else None,
        }

    def _causes(self, state: str) -> dict[str, int]:
        """How many records of ``state`` have each cause, most first."""
        rows = self._db.query("SELECT COALESCE(error_cause, 'error') AS cause, COUNT(*) AS n FROM dicom_ocr_files "
                              "WHERE state = ? GROUP BY 1 ORDER BY 2 DESC, 1", [state])
        return {row["cause"]: row["n"] for row in rows}

    def reviewed_rects(self, modality: str | None = None, imagetype: str | None = None, rows: int | None = None,
                       columns: int | None = None, manufacturer_model_name: str | None = None) -> Iterator[ReviewedRect]:
        """Rects (not summary rows) of files a reviewer finished: mark 'F', or a comment on a file not marked 'T'.

        Each given metadata value must match exactly, as dcmaudit's "similar images" does; None matches anything."""
        where = ["(t.mark = 'F' OR (COALESCE(t.mark, '') != 'T' AND TRIM(COALESCE(t.comment, '')) != ''))",
                 'NOT (r."left" = -1 AND r.top = -1 AND r."right" = -1 AND r.bottom = -1)']
        params: list = []
        for column, value in (("modality", modality), ("imagetype", imagetype), ("rows", rows), ("columns", columns),
                              ("manufacturermodelname", manufacturer_model_name)):
            if value is not None:
                where.append(f't."{column}" = ?')
                params.append(value)
        query = ('SELECT r.filename, r."left", r.top, r."right", r.bottom, r.frame, r.overlay, r.ocrengine, r.ocrtext, '
                 "r.nerengine, r.nerpii, r.last_modified_by, t.modality, t.imagetype, t.\"rows\", t.\"columns\", "
                 't.manufacturermodelname FROM "DicomRects" r JOIN "DicomTags" t ON t.filename = r.filename '
                 f"WHERE {' AND '.join(where)} ORDER BY r.id")
        for row in self._conn.execute(query, params).fetchall():
            yield ReviewedRect(row[0], Box(*row[1:5]), *row[5:])

