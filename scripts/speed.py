#!/usr/bin/env python3
"""Where detection time goes: ms per call and planes per second for each engine and preprocessing variant.

    python scripts/speed.py ../shared/corpus --ocr rapidocr:plain+x2+top,tesseract:top+invert [--max-planes 400]

Every plane is read (no cine reuse), so the figures are per plane; decode time is reported separately.
"""
from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from dicom_ocr.detection import DEFAULT_PASSES, Detector, parse_passes  # noqa: E402
from dicom_ocr.errors import DicomOcrError  # noqa: E402
from dicom_ocr.inputs import iter_input_files  # noqa: E402
from dicom_ocr.planes import iter_planes  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--ocr", default=None)
    parser.add_argument("--max-planes", type=int, default=400, help="stop after this many non-blank planes")
    parser.add_argument("--max-frames-per-file", type=int, default=3, help="image frames read per file")
    args = parser.parse_args()
    detector = Detector(parse_passes(args.ocr) if args.ocr else DEFAULT_PASSES)
    decode = 0.0
    planes = blank = 0
    pixels = defaultdict(int)
    for path in iter_input_files(args.paths):
        started = time.perf_counter()
        try:
            for plane in iter_planes(path, frames=range(args.max_frames_per_file)):
                decode += time.perf_counter() - started
                if plane.blank:
                    blank += 1
                else:
                    planes += 1
                    pixels["all"] += plane.rows * plane.columns
                    detector.detect(plane)
                started = time.perf_counter()
        except DicomOcrError:
            continue
        if planes >= args.max_planes:
            break
    ocr = sum(detector.seconds.values())
    print(f"planes read {planes} (+{blank} blank, skipped), mean {pixels['all'] / max(1, planes) / 1e6:.2f} Mpx; "
          f"decode {decode:.1f} s, OCR {ocr:.1f} s -> {planes / max(1e-9, ocr + decode):.2f} planes/s")
    print("| engine:variant | calls | ms per call | share of OCR time |")
    print("|---|---|---|---|")
    for key, seconds in sorted(detector.seconds.items(), key=lambda kv: -kv[1]):
        calls = detector.calls[key]
        print(f"| {key} | {calls} | {1000 * seconds / max(1, calls):.0f} | {100 * seconds / max(1e-9, ocr):.0f}% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
