"""``dicom_ocr_redactions``, our table of redacted copies: per input file, the copy written, the policy used, what was
filled (and a digest of the rects, so a copy is made again when the rects change), the syntaxes, and the verification
of the copy.

``verified`` is NULL when the copy was not read again, 1 when no text judged PHI was found in it, 0 when some was
(``phi_left`` regions; ``text_left`` holds the text found, which is PHI). ``refilled`` counts the regions the
verification found in the copy and had filled in further rounds before the last reading (see ``redaction.copies``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import sqlite_utils

from .connection import transaction
from .schema import REDACTIONS_TABLE, create_redactions_table


def _now() -> str:
    return datetime.now().isoformat(sep=" ", timespec="seconds")


@dataclass
class RedactionRecord:
    """One input file's redaction (``state`` done or error)."""

    filename: str
    state: str
    policy: str
    deid_header: bool = False
    target: str | None = None
    error_cause: str | None = None
    error_message: str | None = None
    boxes: int = 0
    boxes_digest: str | None = None
    syntax_in: str | None = None
    syntax_out: str | None = None
    bytes_in: int | None = None
    bytes_out: int | None = None
    burned_in_annotation: str | None = None
    verified: bool | None = None
    regions_left: int | None = None
    phi_left: int | None = None
    text_left: str | None = None
    refilled: int | None = None
    finished_at: str = field(default_factory=_now)


class Redactions:
    """The redaction records of the audit DB, through the store's connection."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def create(self) -> None:
        """Make the table if this DB has none yet (the first redaction run)."""
        with transaction(self._db.conn):
            create_redactions_table(self._db)

    def write(self, record: RedactionRecord) -> None:
        """Store ``record``, replacing the file's earlier one."""
        row = asdict(record)
        row["deid_header"] = int(record.deid_header)
        row["verified"] = None if record.verified is None else int(record.verified)
        with transaction(self._db.conn):
            self._db.table(REDACTIONS_TABLE).upsert(row, pk="filename", alter=True)   # older tables gain new columns

    def get(self, filename: str) -> RedactionRecord | None:
        """The record of one file, None when it has none."""
        rows = list(self._db[REDACTIONS_TABLE].rows_where("filename = ?", [filename]))
        if not rows:
            return None
        row = rows[0]
        row["deid_header"] = bool(row["deid_header"])
        row["verified"] = None if row["verified"] is None else bool(row["verified"])
        return RedactionRecord(**row)

    def rows(self) -> list[dict]:
        """Every record as stored; none when nothing was redacted yet (nothing is created)."""
        table = self._db.table(REDACTIONS_TABLE)
        return list(table.rows) if table.exists() else []
