"""``dicom_ocr_files``: what happened to each file, so a crash mid-file never counts the file as done."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlite_utils

from .schema import FILES_TABLE

# skipped: not DICOM; not-read: header triage left it unread (scan --triage). Each has its cause; neither is a failure
FILE_STATES = ("done", "error", "skipped", "not-read")
HEADER_READ = ("done", "not-read")   # the states whose scan read the header (modality and model are stored)


def _now_precise() -> str:
    """Local time to the millisecond, for our own records (throughput over short scans)."""
    return datetime.now().isoformat(sep=" ", timespec="milliseconds")


@dataclass
class FileRecord:
    """What happened to one file (one row of ``dicom_ocr_files``)."""

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
    modality: str | None = None          # the header's, stored at scan time (None: header not read, or an older version)
    model: str | None = None             # ManufacturerModelName, likewise

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


def _record(row: tuple | dict) -> FileRecord:
    """A record from a full row (has_phi stored as 0/1)."""
    record = FileRecord(**row) if isinstance(row, dict) else FileRecord(*row)
    record.has_phi = None if record.has_phi is None else bool(record.has_phi)
    return record


class Files:
    """The file records of the audit DB, through the store's connection."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def put(self, record: FileRecord) -> None:
        """Store ``record``, replacing the file's earlier one (call inside the file's transaction)."""
        row = asdict(record)
        row["has_phi"] = None if record.has_phi is None else int(record.has_phi)
        self._db.table(FILES_TABLE).insert(row, replace=True, alter=True)   # a DB of an older version gains columns

    def records(self) -> dict[str, FileRecord]:
        """Every file record, by filename."""
        return {row["filename"]: _record(row) for row in self._db[FILES_TABLE].rows_where(order_by="filename")}

    def record(self, filename: str) -> FileRecord | None:
        """The record of one file, None when it has none."""
        row = self._db.execute(f"SELECT * FROM {FILES_TABLE} WHERE filename = ?", (filename,)).fetchone()
        return None if row is None else _record(row)

    def facts(self) -> list[FileFacts]:
        """Every file's :class:`FileFacts`, by filename."""
        rows = self._db.execute("SELECT filename, state, error_cause, n_planes, n_regions, has_phi, seconds_total "
                                f"FROM {FILES_TABLE} ORDER BY filename")
        return [FileFacts(name, state, cause, planes or 0, regions or 0, None if phi is None else bool(phi), seconds or 0.0)
                for name, state, cause, planes, regions, phi, seconds in rows]

    def finish_times(self) -> list[str]:
        """When each file's record was written (local ISO time, as stored), in time order."""
        return [row[0] for row in self._db.execute(f"SELECT finished_at FROM {FILES_TABLE} ORDER BY finished_at")]

    def signatures(self) -> dict[str, tuple[str, str]]:
        """(Modality, ManufacturerModelName) of every file whose scan stored them, by filename."""
        if "modality" not in self._db.table(FILES_TABLE).columns_dict:
            return {}
        rows = self._db.execute(f"SELECT filename, modality, model FROM {FILES_TABLE} WHERE modality IS NOT NULL")
        return {name: (modality, model or "") for name, modality, model in rows}

    def finished_among(self, names: list[str], states: tuple[str, ...]) -> set[str]:
        """Which of ``names`` have a record in one of ``states``."""
        where = f"state IN ({','.join('?' * len(states))}) AND filename IN ({','.join('?' * len(names))})"
        return {row["filename"]
                for row in self._db[FILES_TABLE].rows_where(where, [*states, *names], select="filename")}
