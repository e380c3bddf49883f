#!/usr/bin/env python3
"""Where the default pipeline's time goes: detection at each scale (plane, enlarged, dark strokes, equalised) and
recognition, with calls, megapixels and crops, for every plane of a set read by one process on one thread.

    python scripts/stage_times.py ../shared/corpus
    python scripts/stage_times.py /tmp/synth --every 2

Identical and unchanged cine planes are not read, as in a scan. Prints one row per stage; never the text.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dicom_ocr.detection import lines  # noqa: E402
from dicom_ocr.detection.detector import Detector  # noqa: E402
from dicom_ocr.errors import DicomOcrError  # noqa: E402
from dicom_ocr.inputs import iter_input_files  # noqa: E402
from dicom_ocr.planes import iter_planes  # noqa: E402

STAGES = {"plain": "detection, plane scale", "x2": "detection, enlarged", "dark": "detection, dark strokes",
          "clahe": "detection, equalised (faint text)"}


@dataclass
class Stage:
    seconds: float = 0.0
    calls: int = 0
    units: int = 0           # pixels detected on, or crops recognised


@dataclass
class Times:
    stages: dict[str, Stage] = field(default_factory=lambda: defaultdict(Stage))
    planes: int = 0
    read: int = 0
    total: float = 0.0


def measure(paths: list[str]) -> Times:
    """Scan ``paths`` with the default detector, timing its engine's calls by stage."""
    detector = Detector(engine_options={"rapidocr": {"threads": 1}})
    engine = detector.engines["rapidocr"]
    times, scale = Times(), ["plain"]
    detect, recognise, detect_lines = engine.detect, engine.recognise, lines.detect_lines

    def timed(key, call, argument, units):
        started = time.perf_counter()
        result = call(argument)
        stage = times.stages[key]
        stage.seconds += time.perf_counter() - started
        stage.calls += 1
        stage.units += units
        return result

    def scaled(the_engine, variant, plane):
        scale[0] = variant.name
        return detect_lines(the_engine, variant, plane)

    engine.detect = lambda image: timed(scale[0], detect, image, image.shape[0] * image.shape[1])
    engine.recognise = lambda crops: timed("recognition", recognise, crops, len(crops)) if crops else []
    lines.detect_lines = scaled
    started = time.perf_counter()
    try:
        for path in paths:
            try:
                times.planes += sum(1 for _ in detector.detect_planes(iter_planes(path)))
            except DicomOcrError as error:
                print(f"skipped {path}: {error.cause}", file=sys.stderr)
    finally:
        lines.detect_lines = detect_lines
    times.total, times.read = time.perf_counter() - started, detector.planes_read
    return times


def table(times: Times) -> list[str]:
    """The Markdown table of ``times``."""
    rows = ["| stage | seconds | share | calls | Mpix or crops |", "|---|---|---|---|---|"]
    for key, stage in sorted(times.stages.items(), key=lambda item: -item[1].seconds):
        units = f"{stage.units / 1e6:.1f} Mpix" if key in STAGES else f"{stage.units} crops"
        rows.append(f"| {STAGES.get(key, key)} | {stage.seconds:.1f} | {stage.seconds / times.total:.0%} | "
                    f"{stage.calls} | {units} |")
    rest = times.total - sum(stage.seconds for stage in times.stages.values())
    rows.append(f"| the rest (decoding, regions, verdicts) | {rest:.1f} | {rest / times.total:.0%} | | |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="DICOM files or directories")
    parser.add_argument("--every", type=int, default=1, help="take every n-th file")
    args = parser.parse_args(argv)
    paths = list(iter_input_files(args.inputs))[::args.every]
    times = measure(paths)
    print(f"{len(paths)} files, {times.planes} planes, {times.read} read, {times.total:.1f} s "
          f"({times.total / max(1, times.read):.3f} s a plane read)")
    print("\n".join(table(times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
