"""rows: compare two audit DBs row by row; exit 1 and print the differences when any row differs.

    python -m dicom_ocr.bench rows /tmp/db-before /tmp/db-after [--text] [--limit 20]

What a refactor must leave unchanged: the DicomRects rows (with their ``dicom_ocr_rects`` source, reason and
confidence), without ids and timestamps, and the ``dicom_ocr_files`` records, without timings. Rows are compared as
multisets (their order depends on ``--jobs``). Differences are printed as ``-`` (only in the first DB) and ``+`` (only
in the second), the OCR text as a short hash unless ``--text`` is given (it may be PHI).
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


def query(db: AuditDB, table: str) -> tuple[tuple[str, ...], Counter]:
    """The compared columns of ``table`` and its rows; DicomRects rows carry their dicom_ocr_rects columns."""
    found = (db.rects.with_sources(IGNORED["DicomRects"]) if table == "DicomRects"
             else db.table_rows(table, IGNORED.get(table, set())))
    return found.columns, Counter(found.rows)


def compare(first: Path, second: Path) -> tuple[list[Difference], dict[str, int]]:
    """The tables whose compared rows differ between the two DBs (none when they hold the same rows), and the
    first DB's row count per table."""
    differences, counts = [], {}
    with read_audit_db(first) as a, read_audit_db(second) as b:
        for table in TABLES:
            (columns, rows_a), (columns_b, rows_b) = query(a, table), query(b, table)
            counts[table] = sum(rows_a.values())
            if columns != columns_b:
                differences.append(Difference(f"{table} (columns differ: {columns} / {columns_b})", columns,
                                              rows_a, rows_b))
            elif rows_a != rows_b:
                differences.append(Difference(table, columns, rows_a - rows_b, rows_b - rows_a))
    return differences, counts


def run(args: argparse.Namespace) -> int:
    differences, counts = compare(args.first, args.second)
    for difference in differences:
        print("\n".join(difference.lines(args.limit, args.text)))
    if differences:
        return 1
    print("same rows: " + ", ".join(f"{table} {n}" for table, n in counts.items()))
    return 0
