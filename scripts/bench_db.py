#!/usr/bin/env python3
"""How long the audit DB takes to record scans: N files x R rects written through AuditDB, one transaction per file.

    python scripts/bench_db.py --files 1000 --rects 10
"""
from __future__ import annotations

import argparse
import tempfile
import time

from dicom_ocr.geometry import Box
from dicom_ocr.store import AuditDB, FileRecord, RectRow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rects", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, AuditDB(directory) as db:
        started = time.perf_counter()
        for n in range(args.files):
            name = f"/archive/{n:07d}.dcm"
            rects = [RectRow(name, Box(10, 10 * i, 200, 10 * i + 8), 0, -1, 6, "TEXT", 70, 1, "rapidocr", "test", 0.9)
                     for i in range(args.rects)]
            db.write_file(FileRecord(name, "done", n_planes=1, n_regions=args.rects), rects)
        seconds = time.perf_counter() - started
    print(f"{args.files} files x {args.rects} rects: {seconds:.2f} s ({1000 * seconds / args.files:.2f} ms per file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
