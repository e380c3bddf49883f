#!/usr/bin/env python3
"""What padding line crops for recognition costs: the crops the default pipeline recognises on a set's planes,
recognised again with batches padded to several minimum widths, timed, and compared with the widest (the library's
320 px).

    python scripts/rec_padding.py ../shared/corpus --every 2 --widths 320 160 96 48

One thread, OpenVINO when installed. Prints per width the seconds, the crops read the same as at the first width,
and the crops whose reading changed between text and nothing; never the text.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dicom_ocr.detection.lines import read_once_per_line  # noqa: E402
from dicom_ocr.engines import get_engine  # noqa: E402
from dicom_ocr.inputs import iter_input_files  # noqa: E402
from dicom_ocr.planes import iter_planes  # noqa: E402


class Recording:
    """The real engine, keeping every batch of crops it is asked to recognise."""

    def __init__(self, engine):
        self.engine, self.batches = engine, []

    def detect(self, image):
        return self.engine.detect(image)

    def crop(self, image, quad):
        return self.engine.crop(image, quad)

    def recognise(self, crops):
        self.batches.append([crop.copy() for crop in crops])
        return self.engine.recognise(crops)


def collect(root: str, every: int) -> list[list]:
    """The crop batches the default pipeline recognises on the first non-blank plane of every ``every``-th file."""
    recording = Recording(get_engine("rapidocr", threads=1))
    for path in sorted(iter_input_files([root]))[::every]:
        try:
            plane = next(p for p in iter_planes(path) if not p.blank)
        except Exception:  # noqa: BLE001 - not DICOM, undecodable, no plane: nothing to collect
            continue
        read_once_per_line(recording, plane)
    return recording.batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root")
    parser.add_argument("--every", type=int, default=1, help="use every N-th file (sorted paths)")
    parser.add_argument("--widths", type=int, nargs="+", default=[320, 96])
    args = parser.parse_args(argv)
    batches = [b for b in collect(args.root, args.every) if b]
    print(f"{sum(map(len, batches))} crops in {len(batches)} batches")
    first = None
    for width in args.widths:
        engine = get_engine("rapidocr", threads=1, rec_min_width=width)
        engine.recognise(batches[0])                               # models loaded before timing
        started = time.perf_counter()
        readings = [engine.recognise(batch) for batch in batches]
        seconds = time.perf_counter() - started
        texts = [text for batch in readings for text, _ in batch]
        first = first or texts
        same = sum(a == b for a, b in zip(first, texts))
        flipped = sum(bool(a) != bool(b) for a, b in zip(first, texts))
        print(f"min width {width:4d} px: {seconds:6.2f} s, {same} read the same, {flipped} between text and nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
