"""The store object: one connection per process to the reviewers' audit DB (dcmaudit's ``dcmaudit.sqlite.db``), so
dcmaudit shows our results, with a view per table and the one write a scan makes per file."""
from __future__ import annotations

import logging
from pathlib import Path

import sqlite_utils

from .connection import connect, transaction
from .files import FileRecord, Files
from .rects import RectRow, Rects
from .redactions import Redactions
from .schema import DB_NAME, create_our_tables, prepare_dcmaudit_tables
from .tags import Tags

log = logging.getLogger(__name__)


class AuditDB:
    """The audit DB in ``directory`` (created if absent): dcmaudit's tables bootstrapped through pydal, then all
    reading and writing through one sqlite3 connection (plain SQL for dcmaudit's tables, sqlite-utils for ours)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / DB_NAME
        prepare_dcmaudit_tables(self.directory)
        self.tables = sqlite_utils.Database(connect(self.path))
        with transaction(self.tables.conn):
            create_our_tables(self.tables)
        self.files = Files(self.tables)
        self.rects = Rects(self.tables)
        self.tags = Tags(self.tables)
        self.redactions = Redactions(self.tables)

    def __enter__(self) -> AuditDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.tables.conn.close()

    def write_file(self, record: FileRecord, rects: list[RectRow]) -> None:
        """Replace the rects this tool wrote earlier for ``record.filename`` by ``rects`` and store ``record``, in one
        transaction: a crash mid-file never counts the file as done."""
        name = record.filename
        strangers = {r.filename for r in rects} - {name}
        if strangers:
            raise ValueError(f"rects for other files than {name!r}: {sorted(strangers)!r}")
        with transaction(self.tables.conn):
            self.rects.replace(name, rects)
            self.files.put(record)
        log.debug("stored %d rects for %s", len(rects), name)
