"""Our table of redacted copies, ``dicom_ocr_redactions`` in the audit DB (written with sqlite-utils): per input file,
the copy written, the policy used, what was filled (and a digest of the rects, so a copy is made again when the
rects change), the syntaxes, and the verification of the copy.

``verified`` is NULL when the copy was not read again, 1 when no text judged PHI was found in it, 0 when some was
(``phi_left`` regions; ``text_left`` holds the text found, which is PHI). ``refilled`` counts the regions the
verification found in the copy and had filled in further rounds before the last reading (see ``copies``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import sqlite_utils

from ..auditdb import BUSY_TIMEOUT_S, DB_NAME

TABLE = "dicom_ocr_redactions"
COLUMNS = {"filename": str, "state": str, "policy": str, "deid_header": int, "target": str, "error_cause": str,
           "error_message": str, "boxes": int, "boxes_digest": str, "syntax_in": str, "syntax_out": str,
           "bytes_in": int, "bytes_out": int, "burned_in_annotation": str, "verified": int, "regions_left": int,
           "phi_left": int, "text_left": str, "refilled": int, "finished_at": str}


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


class RedactionLog:
    """The ``dicom_ocr_redactions`` table of the audit DB in ``db_dir``."""

    def __init__(self, db_dir: str | Path):
        self.db = sqlite_utils.Database(Path(db_dir) / DB_NAME)
        self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self.table = self.db.table(TABLE)
        if not self.table.exists():
            self.table.create(COLUMNS, pk="filename")

    def write(self, record: RedactionRecord) -> None:
        row = asdict(record)
        row["deid_header"] = int(record.deid_header)
        row["verified"] = None if record.verified is None else int(record.verified)
        self.table.upsert(row, pk="filename", alter=True)   # tables of older versions gain new columns

    def get(self, filename: str) -> RedactionRecord | None:
        rows = list(self.table.rows_where("filename = ?", [filename]))
        if not rows:
            return None
        row = rows[0]
        row["deid_header"] = bool(row["deid_header"])
        row["verified"] = None if row["verified"] is None else bool(row["verified"])
        return RedactionRecord(**row)

    def close(self) -> None:
        self.db.close()


def redaction_summary(db_dir: str | Path) -> dict:
    """Copies written (by policy), failed (by cause), verified and failing verification, from the DB in ``db_dir``
    (zeros when nothing was redacted yet; nothing is created)."""
    db = sqlite_utils.Database(Path(db_dir) / DB_NAME)
    try:
        rows = list(db.table(TABLE).rows) if db.table(TABLE).exists() else []
    finally:
        db.close()
    done = [r for r in rows if r["state"] == "done"]
    return {"copies": len(done),
            "copies_by_policy": dict(Counter(r["policy"] for r in done)),
            "copies_failed": len(rows) - len(done),
            "copies_failed_by_cause": dict(Counter(r["error_cause"] for r in rows if r["state"] != "done")),
            "copies_verified": sum(1 for r in done if r["verified"] == 1),
            "copies_failing_verification": sum(1 for r in done if r["verified"] == 0)}
