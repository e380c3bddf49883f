#!/usr/bin/env python3
"""What leaving an ultrasound cine's moving image out of the change test saves, and what it misses.

    python scripts/cine_cost.py FILE... [--ocr SPEC]

Each file is read twice with the same engines: with every top-of-range change counted (``all changes``) and with
changes inside the ultrasound regions that show the moving image left out (``text changes``, what scans do). Per
file: seconds, reads, and the share of the first run's region area the second run covers, with the texts it lost.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from dicom_ocr.detection import DEFAULT_PASSES, Detector, parse_passes  # noqa: E402
from dicom_ocr.planes import iter_planes, read_header  # noqa: E402
from dicom_ocr.rules.ultrasound import moving_areas  # noqa: E402


def _run(detector: Detector, path: str, moving) -> tuple[float, int, dict]:
    """Seconds, reads (calls of the first variant) and {(frame, overlay): (rows, columns, regions)}."""
    first = f"{detector.passes[0].engine}:{detector.passes[0].variants[0]}"
    calls = detector.calls[first]
    started = time.perf_counter()
    found = {(p.frame, p.overlay): (p.rows, p.columns, regions)
             for p, regions in detector.detect_planes(iter_planes(path), moving=moving)}
    return time.perf_counter() - started, detector.calls[first] - calls, found


def _compare(reference: dict, other: dict) -> tuple[float, set[str]]:
    """Share of the reference regions' area the other regions cover, and the texts of reference regions they miss."""
    total = inside = 0
    lost = set()
    for key, (rows, columns, regions) in reference.items():
        have = np.zeros((rows, columns), bool)
        for r in other[key][2]:
            have[r.box.top:r.box.bottom + 1, r.box.left:r.box.right + 1] = True
        want = np.zeros((rows, columns), bool)
        for r in regions:
            want[r.box.top:r.box.bottom + 1, r.box.left:r.box.right + 1] = True
            if have[r.box.top:r.box.bottom + 1, r.box.left:r.box.right + 1].mean() < 0.8:
                lost.add(r.text)
        total += int(want.sum())
        inside += int((want & have).sum())
    return (inside / total if total else 1.0), lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--ocr", default=None)
    args = parser.parse_args()
    detector = Detector(parse_passes(args.ocr) if args.ocr else DEFAULT_PASSES)
    print("| file | planes | moving areas | all changes: s | reads | text changes: s | reads | covered | texts lost |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args.paths:
        moving = moving_areas(read_header(path))
        all_s, all_reads, everything = _run(detector, path, ())
        text_s, text_reads, text_only = _run(detector, path, moving)
        covered, lost = _compare(everything, text_only)
        print(f"| {os.path.basename(path)} | {len(everything)} | {len(moving)} | {all_s:.1f} | {all_reads} | "
              f"{text_s:.1f} | {text_reads} | {covered:.3f} | {', '.join(sorted(lost)) or '-'} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
