"""stages: where a scan's time goes, by stage (RapidOCR detection at each scale, recognition) and by OCR pass.

    python -m dicom_ocr.bench stages ../shared/corpus
    python -m dicom_ocr.bench stages /tmp/synth --every 2 [--ocr rapidocr:plain+x2+top,tesseract:top]

Every plane of the files is read by one process on one thread, as a scan reads it (identical and unchanged cine
planes are not read). Prints the stage table (detection with calls and megapixels, recognition with crops; the rest is
decoding, regions and verdicts) and the time of each OCR pass (``engine:variant``); never the text.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

from ..detection import DEFAULT_PASSES, Detector, parse_passes
from ..errors import DicomOcrError
from ..inputs import iter_input_files
from ..planes import iter_planes
from .tables import markdown

STAGES = {"detect:plain": "detection, plane scale", "detect:x2": "detection, enlarged",
          "detect:dark": "detection, dark strokes", "detect:clahe": "detection, equalised (faint text)",
          "recognise": "recognition"}


@dataclass
class Stage:
    seconds: float = 0.0
    calls: int = 0
    units: int = 0           # pixels detected on, or crops recognised


@dataclass
class Times:
    stages: dict[str, Stage] = field(default_factory=lambda: defaultdict(Stage))
    passes: dict[str, tuple[int, float]] = field(default_factory=dict)    # engine:variant -> (calls, seconds)
    planes: int = 0
    read: int = 0
    total: float = 0.0

    def add(self, key: str, seconds: float, units: int) -> None:
        """The detector's stage hook (:mod:`dicom_ocr.detection.stages`): one call of stage ``key``."""
        stage = self.stages[key]
        stage.seconds += seconds
        stage.calls += 1
        stage.units += units


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", help="DICOM files or directories")
    parser.add_argument("--every", type=int, default=1, help="take every n-th file")
    parser.add_argument("--ocr", help="OCR passes (default: the tool's default)")


def measure(paths: list[str], ocr: str | None = None) -> Times:
    """Read ``paths`` with the detector of ``ocr`` (default passes), timing each stage and pass."""
    times = Times()
    detector = Detector(parse_passes(ocr) if ocr else DEFAULT_PASSES, engine_options={"rapidocr": {"threads": 1}},
                        on_stage=times.add)
    started = time.perf_counter()
    for path in paths:
        try:
            times.planes += sum(1 for _ in detector.detect_planes(iter_planes(path)))
        except DicomOcrError as error:
            print(f"skipped {path}: {error.cause}", file=sys.stderr)
    times.total, times.read = time.perf_counter() - started, detector.planes_read
    times.passes = {key: (detector.calls[key], seconds) for key, seconds in detector.seconds.items()}
    return times


def stage_table(times: Times) -> str:
    """The Markdown table of the stages, slowest first, and the rest."""
    total = max(times.total, 1e-9)
    rows: list[tuple[str, str, str, int | str, str]] = [
        (STAGES.get(key, key), f"{stage.seconds:.1f}", f"{stage.seconds / total:.0%}", stage.calls,
         f"{stage.units / 1e6:.1f} Mpix" if key.startswith("detect:") else f"{stage.units} crops")
        for key, stage in sorted(times.stages.items(), key=lambda item: -item[1].seconds)]
    rest = times.total - sum(stage.seconds for stage in times.stages.values())
    rows.append(("the rest (decoding, regions, verdicts)", f"{rest:.1f}", f"{rest / total:.0%}", "", ""))
    return markdown(("stage", "seconds", "share", "calls", "Mpix or crops"), rows)


def pass_table(times: Times) -> str:
    """The Markdown table of the OCR passes: calls, ms per call, share of all OCR time."""
    ocr = max(sum(seconds for _, seconds in times.passes.values()), 1e-9)
    rows = [(key, calls, f"{1000 * seconds / max(1, calls):.0f}", f"{seconds / ocr:.0%}")
            for key, (calls, seconds) in sorted(times.passes.items(), key=lambda kv: -kv[1][1])]
    return markdown(("engine:variant", "calls", "ms per call", "share of OCR time"), rows)


def run(args: argparse.Namespace) -> int:
    paths = list(iter_input_files(args.inputs))[::args.every]
    times = measure(paths, args.ocr)
    print(f"{len(paths)} files, {times.planes} planes, {times.read} read, {times.total:.1f} s "
          f"({times.total / max(1, times.read):.3f} s a plane read)")
    print(stage_table(times), "", pass_table(times), sep="\n")
    return 0
