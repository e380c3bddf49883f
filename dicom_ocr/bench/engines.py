"""engines: time each OCR engine on a 512x512 grey image of 15 words of light text on a dark noisy background.

    OMP_THREAD_LIMIT=1 python -m dicom_ocr.bench engines [--repeat N] [--engines NAME ...]

Per engine setup: the median and fastest wall-clock milliseconds per read() after one warm-up call, the median CPU
milliseconds of this process (all its threads; steadier than wall time on a busy machine; pytesseract's work happens
in a child process and is not counted), and the words read. Time by pipeline stage on real planes: ``stages``.
"""
from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import cv2
import numpy as np

from ..engines import EngineUnavailableError, get_engine
from .tables import markdown

WORDS = "PATIENT DOE JOHN 1976 MRN 448213 STUDY 2024 ABDOMEN LIVER LEFT KIDNEY GAIN 12 DEPTH".split()
SETUPS: dict[str, tuple[str, dict[str, Any]]] = {
    "tesseract/tesserocr": ("tesseract", {"backend": "tesserocr"}),
    "tesseract/pytesseract": ("tesseract", {"backend": "pytesseract"}),
    "rapidocr": ("rapidocr", {}),
    "rapidocr/detect-only": ("rapidocr", {"recognise": False}),
    "easyocr": ("easyocr", {}),
}
HEADERS = ("engine", "median ms", "min ms", "CPU ms", "boxes", "words exact")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", nargs="+", choices=list(SETUPS), default=list(SETUPS))


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


def bench(setup: str, image: np.ndarray, repeat: int) -> tuple:
    """The table row of one engine setup (``unavailable`` and the reason when it cannot be loaded)."""
    name, options = SETUPS[setup]
    try:
        engine = get_engine(name, **options)
    except EngineUnavailableError as error:
        return setup, f"unavailable: {error}", "", "", "", ""
    words = engine.read(image)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        engine.read(image)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    found = sum(any(w.upper() in word.text.upper().split() for word in words) for w in WORDS)
    return (setup, f"{statistics.median(times):.1f}", f"{min(times):.1f}", f"{statistics.median(cpu):.1f}",
            len(words), f"{found}/{len(WORDS)}")


def run(args: argparse.Namespace) -> int:
    image = bench_image()
    print(markdown(HEADERS, [bench(setup, image, args.repeat) for setup in args.engines]))
    return 0
