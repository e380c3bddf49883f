"""The one sqlite3 connection a process holds to the audit DB: WAL, a busy timeout and short ``BEGIN IMMEDIATE``
transactions, so a reviewer's open dcmaudit (reader and writer) keeps working during a scan."""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
DatabaseError = sqlite3.Error     # what a DB that cannot be used (not SQLite, a full disk) raises


def connect(path: Path) -> sqlite3.Connection:
    """An autocommit connection to ``path`` in WAL mode, waiting up to ``BUSY_TIMEOUT_S`` for locks."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        log.warning("%s: journal mode stays %s (another connection holds the DB)", path, mode)
    conn.execute("PRAGMA synchronous = NORMAL")    # safe with WAL; a power cut may lose only the last file
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection to the existing DB file ``path`` that cannot write (nor create the file), waiting up to
    ``BUSY_TIMEOUT_S`` for locks."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", timeout=BUSY_TIMEOUT_S, uri=True, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One BEGIN IMMEDIATE transaction: takes the write lock first (waiting up to busy_timeout), so it never has to
    upgrade a read snapshot, which fails at once in WAL mode when another writer got in between. sqlite-utils
    writes inside it nest as savepoints."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
