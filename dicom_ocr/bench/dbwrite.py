"""db: how long the audit DB takes to record scans: N files x R rects written through AuditDB, one transaction a file.

    python -m dicom_ocr.bench db --files 1000 --rects 10
"""
from __future__ import annotations

import argparse
import time

from ..geometry import Box
from ..store import AuditDB, FileRecord, RectRow
from .auditdir import audit_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rects", type=int, default=10)


def write_files(db: AuditDB, files: int, rects: int) -> float:
    """Seconds to write ``files`` file records of ``rects`` rects each."""
    started = time.perf_counter()
    for n in range(files):
        name = f"/archive/{n:07d}.dcm"
        rows = [RectRow(name, Box(10, 10 * i, 200, 10 * i + 8), 0, -1, 6, "TEXT", 70, 1, "rapidocr", "test", 0.9)
                for i in range(rects)]
        db.write_file(FileRecord(name, "done", n_planes=1, n_regions=rects), rows)
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> int:
    with audit_dir() as directory, AuditDB(directory) as db:
        seconds = write_files(db, args.files, args.rects)
    print(f"{args.files} files x {args.rects} rects: {seconds:.2f} s ({1000 * seconds / max(args.files, 1):.2f} ms per file)")
    return 0
