"""The store object: one connection per process to the reviewers' audit DB (dcmaudit's ``dcmaudit.sqlite.db``), so
dcmaudit shows our results, with a view per table and the one write a scan makes per file."""
from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

import sqlite_utils

from .connection import connect, connect_read_only, transaction
from .files import FileRecord, Files
from .planes import PlaneNote, Planes
from .rects import RectRow, Rects
from .redactions import Redactions
from .schema import DB_NAME, create_our_tables, prepare_dcmaudit_tables
from .tablerows import TableRows, table_rows
from .tags import Tags

log = logging.getLogger(__name__)


class AuditDB:
    """The audit DB in ``directory`` (created if absent): dcmaudit's tables bootstrapped through pydal, then all
    reading and writing through one sqlite3 connection (plain SQL for dcmaudit's tables, sqlite-utils for ours)."""

    def __init__(self, directory: str | Path):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        prepare_dcmaudit_tables(directory)
        tables = sqlite_utils.Database(connect(directory / DB_NAME))
        with transaction(tables.conn):
            create_our_tables(tables)
        self._attach(directory / DB_NAME, tables)

    @classmethod
    def read_only(cls, path: str | Path) -> AuditDB:
        """The audit DB at ``path`` (its directory or the file itself) as it is: nothing is created or changed, and
        writes fail. Raises FileNotFoundError when there is none."""
        given = Path(path)
        file = given / DB_NAME if given.is_dir() else given
        if not file.is_file():
            raise FileNotFoundError(f"no audit DB at {given}")
        db = cls.__new__(cls)
        db._attach(file, sqlite_utils.Database(connect_read_only(file)))
        return db

    def _attach(self, path: Path, tables: sqlite_utils.Database) -> None:
        """Hold the connection ``tables`` to the DB file ``path`` and a view per table."""
        self.path = path
        self.directory = path.parent
        self.tables = tables
        self.files = Files(self.tables)
        self.rects = Rects(self.tables)
        self.planes = Planes(self.tables)
        self.tags = Tags(self.tables)
        self.redactions = Redactions(self.tables)

    def __enter__(self) -> AuditDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.tables.conn.close()

    def table_rows(self, table: str, without: Collection[str] = ()) -> TableRows:
        """Every row of ``table`` (any table, read only) without the columns ``without``, such as ids and times;
        no columns and no rows when the DB has no such table."""
        return table_rows(self.tables, table, without)

    def write_file(self, record: FileRecord, rects: list[RectRow], notes: list[PlaneNote] | None = None) -> None:
        """Replace the rects (and plane notes) this tool wrote earlier for ``record.filename`` by ``rects`` (and
        ``notes``) and store ``record``, in one transaction: a crash mid-file never counts the file as done."""
        name = record.filename
        strangers = {r.filename for r in rects} - {name}
        if strangers:
            raise ValueError(f"rects for other files than {name!r}: {sorted(strangers)!r}")
        with transaction(self.tables.conn):
            self.rects.replace(name, rects)
            self.planes.replace(name, notes or [])
            self.files.put(record)
        log.debug("stored %d rects for %s", len(rects), name)
