"""DicomTags, dcmaudit's per-file metadata and marks: only read (marks are the reviewer's decision)."""
from __future__ import annotations

import sqlite_utils


class Tags:
    """The DicomTags rows of the audit DB, through the store's connection."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def scanners(self) -> dict[str, tuple[str | None, str | None]]:
        """(Modality, ManufacturerModelName) of the files dcmaudit has a DicomTags row for, by filename."""
        rows = self._db.execute('SELECT filename, modality, manufacturermodelname FROM "DicomTags"')
        return {name: (modality, model) for name, modality, model in rows.fetchall()}
