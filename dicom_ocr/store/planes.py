"""``dicom_ocr_planes``: what was decided on a plane that was not read in full, and why (a reviewer can audit it)."""
from __future__ import annotations

from typing import NamedTuple

import sqlite_utils

from .schema import PLANES_TABLE


class PlaneNote(NamedTuple):
    """One decision on one plane of a file: ``overlay`` -1 for image pixels, n for group 0x6000 + 2n."""

    filename: str
    frame: int
    overlay: int
    note: str


class Planes:
    """The plane notes of the audit DB, through the store's connection."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def replace(self, filename: str, notes: list[PlaneNote]) -> None:
        """Replace the notes of ``filename`` by ``notes`` (call inside the file's transaction)."""
        table = self._db.table(PLANES_TABLE)
        table.delete_where("filename = ?", [filename])
        table.insert_all([note._asdict() for note in notes])

    def of(self, filename: str) -> list[PlaneNote]:
        """The notes of one file, by frame and overlay."""
        rows = self._db.execute(f"SELECT filename, frame, overlay, note FROM {PLANES_TABLE} WHERE filename = ? "
                                "ORDER BY overlay, frame, note", (filename,))
        return [PlaneNote(*row) for row in rows]

    def count(self) -> int:
        """How many planes carry a note."""
        return self._db.execute(f"SELECT count(DISTINCT filename || ':' || frame || ':' || overlay) "
                                f"FROM {PLANES_TABLE}").fetchone()[0]
