"""rows: compare two audit DBs row by row; exit 1 and print the differences when any row differs.

    python -m dicom_ocr.bench rows /tmp/db-before /tmp/db-after [--text] [--limit 20]
    python -m dicom_ocr.bench rows OLD NEW --without dicom_ocr_files.modality --without dicom_ocr_files.model

What a refactor must leave unchanged: the DicomRects rows (with their ``dicom_ocr_rects`` source, reason and
confidence), without ids and timestamps, and the ``dicom_ocr_files`` records, without timings. Rows are compared as
multisets (their order depends on ``--jobs``). Differences are printed as ``-`` (only in the first DB) and ``+`` (only
in the second), the OCR text as a short hash unless ``--text`` is given (it may be PHI). ``--without TABLE.COLUMN``
leaves out a column a change added on purpose.
"""
from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..store import AuditDB
from ..store.schema import FILES_TABLE
from .auditdir import read_audit_db

IGNORED = {"DicomRects": {"id", "last_modified"},    # the store leaves out dicom_ocr_rects' rect_id and filename
           FILES_TABLE: {"seconds_decode", "seconds_ocr", "seconds_total", "finished_at"}}
TABLES = ("DicomRects", FILES_TABLE)
Row = tuple


@dataclass(frozen=True)
class Difference:
    """The rows of one table found in only one of the two DBs (with their multiplicity)."""

    table: str
    columns: tuple[str, ...]
    only_first: Counter
    only_second: Counter

    def lines(self, limit: int, show_text: bool) -> list[str]:
        """``-``/``+`` lines, sorted, at most ``limit`` of each."""
        out = [f"{self.table}: {sum(self.only_first.values())} rows only in the first DB, "
               f"{sum(self.only_second.values())} only in the second; columns {', '.join(self.columns)}"]
        for sign, rows in (("-", self.only_first), ("+", self.only_second)):
            listed = sorted(rows.elements(), key=repr)
            out += [f"  {sign} {self._shown(row, show_text)}" for row in listed[:limit]]
            if len(listed) > limit:
                out.append(f"  {sign} ... {len(listed) - limit} more")
        return out

    def _shown(self, row: Row, show_text: bool) -> str:
        if show_text or "ocrtext" not in self.columns:
            return repr(row)
        at = self.columns.index("ocrtext")
        digest = hashlib.sha1(str(row[at]).encode()).hexdigest()[:8]
        return repr(row[:at] + (f"text#{digest}",) + row[at + 1:])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("first", type=Path, help="an audit DB: its directory or its file")
    parser.add_argument("second", type=Path, help="the audit DB to compare with")
    parser.add_argument("--text", action="store_true", help="print the OCR text of differing rows (PHI!)")
    parser.add_argument("--limit", type=int, default=20, help="rows printed per table and side (default 20)")
    parser.add_argument("--without", metavar="TABLE.COLUMN", action="append", default=[],
                        help="also leave out this column (repeatable), e.g. one a change added on purpose")


def ignored(without: list[str]) -> dict[str, set[str]]:
    """The columns left out per table: timings, ids and timestamps, and ``without``'s ``TABLE.COLUMN`` items."""
    columns = {table: set(names) for table, names in IGNORED.items()}
    for item in without:
        table, _, column = item.partition(".")
        columns.setdefault(table, set()).add(column)
    return columns


def query(db: AuditDB, table: str, left_out: dict[str, set[str]]) -> tuple[tuple[str, ...], Counter]:
    """The compared columns of ``table`` and its rows; DicomRects rows carry their dicom_ocr_rects columns."""
    found = (db.rects.with_sources(left_out["DicomRects"]) if table == "DicomRects"
             else db.table_rows(table, left_out.get(table, set())))
    return found.columns, Counter(found.rows)


def compare(first: Path, second: Path, without: list[str] | None = None) -> tuple[list[Difference], dict[str, int]]:
    """The tables whose compared rows differ between the two DBs (none when they hold the same rows), and the
    first DB's row count per table."""
    differences, counts = [], {}
    left_out = ignored(without or [])
    with read_audit_db(first) as a, read_audit_db(second) as b:
        for table in TABLES:
            (columns, rows_a), (columns_b, rows_b) = query(a, table, left_out), query(b, table, left_out)
            counts[table] = sum(rows_a.values())
            if columns != columns_b:     # rows of two layouts cannot be compared, nor printed with one header
                differences.append(Difference(f"{table} (columns differ: {columns} / {columns_b})", columns,
                                              Counter(), Counter()))
            elif rows_a != rows_b:
                differences.append(Difference(table, columns, rows_a - rows_b, rows_b - rows_a))
    return differences, counts


def run(args: argparse.Namespace) -> int:
    differences, counts = compare(args.first, args.second, args.without)
    for difference in differences:
        print("\n".join(difference.lines(args.limit, args.text)))
    if differences:
        return 1
    print("same rows: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
    return 0
