"""text-free: false alarms on the corpus's text-free files: which of them got any OCR rect in an audit DB.

    dicom_ocr scan - --db /tmp/tf < <(python -m dicom_ocr.bench text-free --list)
    python -m dicom_ocr.bench text-free --db /tmp/tf

The text-free files are the rows of ``../shared/corpus/MANIFEST.md`` whose "text visible" column says ``no`` (the shoe
photo whose only text is a brand logo, "no (tiny logo)", is listed but counted apart). Only rects from reading text
(OCR engines, not rule rows, not summaries) count. Prints file names and rect counts, never the text read.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from .auditdir import read_audit_db
from .scorer import OCR_ENGINES, REPO

CORPUS = REPO.parent / "shared" / "corpus"
LOGO = "no (tiny logo)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--list", action="store_true", help="print the text-free files' paths, one a line, and stop")
    group.add_argument("--db", type=Path, help="the audit DB (directory or file) of a scan of those files")


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
    with read_audit_db(db) as audit:
        return {path: audit.rects.count_at_path(path, OCR_ENGINES) for path in files}


def report(files: dict[str, str], counts: dict[str, int]) -> list[str]:
    """One line per file with rects, and the count of text-free files with rects (the logo file apart)."""
    lines = [f"{count:4d} rects  {path}{'  (' + LOGO + ')' if files[path] == LOGO else ''}"
             for path, count in counts.items() if count]
    strict = [p for p in files if files[p] != LOGO]
    alarms = sum(1 for p in strict if counts[p])
    logo = [counts[p] for p in files if files[p] == LOGO]
    lines.append(f"{alarms} of {len(strict)} text-free files have rects" + (f"; the logo file: {logo[0]}" if logo else ""))
    return lines


def run(args: argparse.Namespace) -> int:
    files = text_free_files(args.corpus)
    if args.list:
        print("\n".join(str(args.corpus / path) for path in files))
    else:
        print("\n".join(report(files, rects_per_file(args.db, files))))
    return 0
