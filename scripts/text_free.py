#!/usr/bin/env python3
"""False alarms on text-free files: which of the corpus's files without visible text got any rect in an audit DB.

    dicom_ocr scan - --db /tmp/tf < <(python scripts/text_free.py --list)
    python scripts/text_free.py --db /tmp/tf

The text-free files are the rows of ``../shared/corpus/MANIFEST.md`` whose "text visible" column says ``no`` (the
shoe photo whose only text is a brand logo, "no (tiny logo)", is listed but counted apart). Only rects from
reading text (OCR engines, not rule rows, not summaries) count. Prints file names and rect counts, never the text read.
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LOGO = "no (tiny logo)"


def text_free_files(corpus: Path = CORPUS) -> dict[str, str]:
    """Corpus-relative path -> the manifest's "text visible" cell, for files whose cell starts with ``no``."""
    files = {}
    for line in (corpus / "MANIFEST.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 12 and "/" in cells[1] and cells[11].startswith("no"):
            files[cells[1]] = cells[11]
    return files


def rects_per_file(db: Path, files: dict[str, str]) -> dict[str, int]:
    """How many OCR rects (the OCR engines' ``ocrengine`` numbers, as ``score.py`` counts them; real boxes, not
    summaries) the DB holds for each of ``files`` (by path suffix)."""
    con = sqlite3.connect(db / "dcmaudit.sqlite.db" if db.is_dir() else db)
    counts = {}
    for path in files:
        (count,) = con.execute("SELECT count(*) FROM DicomRects WHERE top >= 0 AND (ocrengine IN (1, 2, 3) "
                               "OR ocrengine BETWEEN 6 AND 49) AND (filename = ? OR filename LIKE ?)", (path, f"%/{path}")).fetchone()
        counts[path] = count
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--list", action="store_true", help="print the text-free files' paths, one a line, and stop")
    group.add_argument("--db", type=Path, help="the audit DB (directory or file) of a scan of those files")
    args = parser.parse_args(argv)
    files = text_free_files(args.corpus)
    if args.list:
        print("\n".join(str(args.corpus / path) for path in files))
        return 0
    counts = rects_per_file(args.db, files)
    for path, count in counts.items():
        if count:
            print(f"{count:4d} rects  {path}{'  (' + LOGO + ')' if files[path] == LOGO else ''}")
    strict = [p for p in files if files[p] != LOGO]
    alarms = sum(1 for p in strict if counts[p])
    print(f"{alarms} of {len(strict)} text-free files have rects" +
          ("" if len(strict) == len(files) else f"; the logo file: {counts[next(p for p in files if files[p] == LOGO)]}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
