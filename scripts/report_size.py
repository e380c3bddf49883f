#!/usr/bin/env python3
"""How big spot-check reports are: of a scan, and per file from pictures alone.

    python scripts/report_size.py --db DIR --sample 40 [--seeds 0 1 2]
    python scripts/report_size.py --pictures FILE_OR_DIR...
    python scripts/report_size.py --synthetic 1000000 --sample 40

``--synthetic N``: builds a DB of N file records (no DICOM files behind them, so no pictures: what it measures is the
DB side of a report of a million-file archive), writes the report of ``--sample N`` files and prints seconds and the
peak memory of this process.

``--db``: writes the one-file report of ``--sample N`` files of the scan in DIR once per seed and prints its size,
files, pictures and seconds. ``--pictures``: no scan needed; decodes the first plane of each file and prints the bytes
of its thumbnail (JPEG) and full-size picture (WebP) (what one plane group adds to a report; a file has one group per distinct set of
regions in each of its image and overlay planes), with the mean per file.
"""
from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from dicom_ocr.errors import DicomOcrError
from dicom_ocr.inputs import iter_input_files
from dicom_ocr.planes import iter_planes
from dicom_ocr.reports import write_report
from dicom_ocr.reports.thumbnails import picture
from dicom_ocr.store import DB_NAME, AuditDB


def report_sizes(db: Path, sample: int, seeds: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            out = Path(tmp) / f"report-{seed}.html"
            started = time.perf_counter()
            summary = write_report(db, out, sample=sample, seed=seed)
            seconds = time.perf_counter() - started
            files = sum(summary.shown.values())
            print(f"seed {seed}: {out.stat().st_size / 1e6:.2f} MB, {files} files "
                  f"({out.stat().st_size / max(files, 1) / 1e3:.0f} kB/file), {summary.pictures} pictures, {seconds:.1f} s")


def picture_sizes(paths: list[str]) -> None:
    totals = []
    for path in iter_input_files(paths):
        try:
            plane = next(iter_planes(path, frames=[0], overlays=False))
        except (DicomOcrError, OSError, StopIteration) as error:
            print(f"{path}: no picture ({error})")
            continue
        pic = picture(plane.image, [])
        totals.append(len(pic.thumbnail) + len(pic.full))
        print(f"{len(pic.thumbnail) / 1e3:7.1f} kB thumbnail {len(pic.full) / 1e3:8.1f} kB full "
              f"{plane.columns}x{plane.rows}  {path}")
    if totals:
        print(f"{len(totals)} files: mean {statistics.mean(totals) / 1e3:.0f} kB, median "
              f"{statistics.median(totals) / 1e3:.0f} kB, max {max(totals) / 1e3:.0f} kB per first plane "
              "(binary; inline in one file as base64, x4/3)")


def synthetic_archive(directory: Path, n: int, seed: int = 0) -> None:
    """N file records: 1% failed, 59% no text, 20% technical text only, 20% PHI text."""
    AuditDB(directory).close()
    rng = random.Random(seed)

    def rows():
        for i in range(n):
            name, r = f"/archive/study{i // 100:06d}/IM{i:08d}.dcm", rng.random()
            if r < 0.01:
                yield name, "error", "corrupt-pixel-data", "x", 0, 0, None, 0.1, 0.0, 0.1, "", "", "", "2026-12-01 10:00:00"
            else:
                regions = 0 if r < 0.6 else rng.randint(1, 20)
                yield (name, "done", None, None, rng.choice((1, 1, 1, 30, 87)), regions, int(regions > 0 and r > 0.8),
                       0.5, 1.0, 1.5, "rapidocr:plain+x2+rot90", "3.10", "0.1.0", "2026-12-01 10:00:00")

    with sqlite3.connect(directory / DB_NAME) as conn:
        conn.executemany("INSERT INTO dicom_ocr_files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())


def synthetic_report(n: int, sample: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        synthetic_archive(Path(tmp), n)
        started = time.perf_counter()
        summary = write_report(tmp, Path(tmp) / "report.html", sample=sample, seed=0)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n} files: report of {sum(summary.shown.values())} ({summary.shown}) in {seconds:.1f} s, "
              f"peak memory {peak:.0f} MB, {(Path(tmp) / 'report.html').stat().st_size / 1e3:.0f} kB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="directory of a scan's dcmaudit.sqlite.db")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--pictures", nargs="+", metavar="PATH", help="files or directories to picture")
    parser.add_argument("--synthetic", type=int, metavar="N", help="a report of a DB of N synthetic file records")
    args = parser.parse_args()
    if args.db:
        report_sizes(args.db, args.sample, args.seeds)
    if args.pictures:
        picture_sizes(args.pictures)
    if args.synthetic:
        synthetic_report(args.synthetic, args.sample)
    if not (args.db or args.pictures or args.synthetic):
        parser.error("give --db, --pictures or --synthetic")


if __name__ == "__main__":
    main()
