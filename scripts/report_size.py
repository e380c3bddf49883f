#!/usr/bin/env python3
"""How big spot-check reports are: of a scan, and per file from pictures alone.

    python scripts/report_size.py --db DIR --sample 40 [--seeds 0 1 2]
    python scripts/report_size.py --pictures FILE_OR_DIR...

``--db``: writes the one-file report of ``--sample N`` files of the scan in DIR once per seed and prints its size,
files, pictures and seconds. ``--pictures``: no scan needed; decodes the first plane of each file and prints the bytes
of its thumbnail (JPEG) and full-size picture (WebP) (what one plane group adds to a report; a file has one group per distinct set of
regions in each of its image and overlay planes), with the mean per file.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from dicom_ocr.errors import DicomOcrError
from dicom_ocr.inputs import iter_input_files
from dicom_ocr.planes import iter_planes
from dicom_ocr.reports import write_report
from dicom_ocr.reports.thumbnails import picture


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="directory of a scan's dcmaudit.sqlite.db")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--pictures", nargs="+", metavar="PATH", help="files or directories to picture")
    args = parser.parse_args()
    if args.db:
        report_sizes(args.db, args.sample, args.seeds)
    if args.pictures:
        picture_sizes(args.pictures)
    if not (args.db or args.pictures):
        parser.error("give --db or --pictures")


if __name__ == "__main__":
    main()
