"""Rows of any table of the audit DB without chosen columns (ids, times), as comparing two DBs needs them."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class TableRows:
    """Rows of a table (or a join) and the names of their columns; none of either for a table the DB lacks."""

    columns: tuple[str, ...]
    rows: list[tuple]


def kept_columns(db: sqlite_utils.Database, table: str, without: Collection[str]) -> list[str]:
    """The columns of ``table`` as the DB names them, in order, except ``without`` (none for a missing table)."""
    if table not in db.table_names():
        return []
    return [column for column in db.table(table).columns_dict if column not in without]


def table_rows(db: sqlite_utils.Database, table: str, without: Collection[str] = ()) -> TableRows:
    """Every row of ``table``, without the columns ``without``, in no particular order."""
    columns = kept_columns(db, table, without)
    if not columns:
        return TableRows((), [])
    selected = ", ".join(f'"{column}"' for column in columns)
    return TableRows(tuple(columns), [tuple(row) for row in db.execute(f'SELECT {selected} FROM "{table}"')])
