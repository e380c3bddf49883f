#!/usr/bin/env python3
"""Time each OCR engine on a 512x512 grey image holding 15 words of light text on a dark noisy background.

Usage: OMP_THREAD_LIMIT=1 python scripts/bench_engines.py [--repeat N] [--engines NAME ...]
Prints, per engine setup, the median and fastest wall-clock milliseconds per read() after one warm-up call, the median
CPU milliseconds of this process (all its threads; steadier than wall time on a busy machine; pytesseract's work
happens in a child process and is not counted), and the words read.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dicom_ocr.engines import EngineUnavailableError, get_engine  # noqa: E402

WORDS = "PATIENT DOE JOHN 1976 MRN 448213 STUDY 2024 ABDOMEN LIVER LEFT KIDNEY GAIN 12 DEPTH".split()
SETUPS = {
    "tesseract/tesserocr": ("tesseract", {"backend": "tesserocr"}),
    "tesseract/pytesseract": ("tesseract", {"backend": "pytesseract"}),
    "rapidocr": ("rapidocr", {}),
    "rapidocr/detect-only": ("rapidocr", {"recognise": False}),
    "easyocr": ("easyocr", {}),
}


def bench_image(size: int = 512) -> np.ndarray:
    """Rows of WORDS (~20 px high) in light grey on a dark noisy background."""
    image = np.random.default_rng(0).normal(40, 12, (size, size)).clip(0, 255).astype(np.uint8)
    x, y = 20, 60
    for word in WORDS:
        (width, _), _ = cv2.getTextSize(word, cv2.FONT_HERSHEY_SIMPLEX, 0.7, 2)
        if x + width > size - 20:
            x, y = 20, y + 60
        cv2.putText(image, word, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 230, 2, cv2.LINE_AA)
        x += width + 25
    return image


def bench(setup: str, image: np.ndarray, repeat: int) -> str:
    name, options = SETUPS[setup]
    try:
        engine = get_engine(name, **options)
    except EngineUnavailableError as error:
        return f"{setup:24s} unavailable: {error}"
    words = engine.read(image)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        engine.read(image)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    found = sum(any(w.upper() in word.text.upper().split() for word in words) for w in WORDS)
    return (f"{setup:24s} median {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms  "
            f"cpu {statistics.median(cpu):7.1f} ms  {len(words):2d} boxes, {found}/{len(WORDS)} words exact")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    args = parser.parse_args(argv)
    image = bench_image()
    for setup in args.engines:
        print(bench(setup, image, args.repeat), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
