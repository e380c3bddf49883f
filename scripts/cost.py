#!/usr/bin/env python3
"""What a scan costs: wall time, planes/s and CPU seconds per plane read, for OCR specs side by side in one run.

    python scripts/cost.py --set corpus=../shared/corpus --set synthetic=/tmp/synth --jobs 1 2 \\
        --spec "new=rapidocr:lines" --spec "previous=rapidocr:plain+x2+rot90@onnxruntime"

Each spec is ``name=OCR_SPEC[@BACKEND]``. For every set and ``--jobs`` value, the specs run one after the other
(``dicom_ocr scan SET --db TMP -q --ocr SPEC --backend BACKEND --jobs J``), each into a fresh audit DB, as users run
it (model loading included). CPU is this script's children's user + system time (the scan and its workers).
Planes are image and overlay frames; planes read are those OCR reads (not blank, not identical to an earlier plane,
not an unchanged cine frame): the same for every spec, counted once per set without OCR. Prints a Markdown table;
``--out FILE`` also writes JSON; ``--keep DIR`` keeps the DBs for ``shared/bench/score.py``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dicom_ocr.detection import Detector  # noqa: E402
from dicom_ocr.errors import DicomOcrError  # noqa: E402
from dicom_ocr.inputs import iter_input_files  # noqa: E402
from dicom_ocr.planes import iter_planes, read_header  # noqa: E402
from dicom_ocr.rules.ultrasound import moving_areas  # noqa: E402


def count_planes(root: str) -> tuple[int, int, int]:
    """(files, planes, planes read) of the DICOM files below ``root``, with the scan's own reuse rules, no OCR."""
    counter = Detector(())          # no passes: every plane it is asked to read costs nothing
    files = planes = 0
    for path in iter_input_files([root]):
        files += 1
        try:
            header = read_header(path)
            planes += sum(1 for _ in counter.detect_planes(iter_planes(path, header=header), moving_areas(header)))
        except DicomOcrError:
            continue
    return files, planes, counter.planes_read


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_scan(root: str, spec: str, backend: str, jobs: int, keep: Path | None = None) -> tuple[float, float, int]:
    """(wall s, CPU s, exit status) of one quiet scan of ``root`` into a new DB (temporary unless ``keep``)."""
    with tempfile.TemporaryDirectory() as scratch:
        db = str(keep) if keep else scratch
        command = [sys.executable, "-m", "dicom_ocr", "scan", root, "--db", db, "-q", "--ocr", spec,
                   "--backend", backend, "--jobs", str(jobs)]
        cpu, started = children_cpu(), time.perf_counter()
        status = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        return time.perf_counter() - started, children_cpu() - cpu, status


def parse_named(value: str) -> tuple[str, str]:
    name, sep, rest = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name, rest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", dest="sets", type=parse_named, action="append", required=True, metavar="NAME=DIR")
    parser.add_argument("--spec", dest="specs", type=parse_named, action="append", required=True,
                        metavar="NAME=OCR[@BACKEND]")
    parser.add_argument("--jobs", type=int, nargs="+", default=[2])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each scan's audit DB in DIR/<set>-<spec name>-j<jobs> (to score it)")
    args = parser.parse_args()
    rows = []
    for set_name, root in args.sets:
        files, planes, read = count_planes(root)
        for jobs in args.jobs:
            for spec_name, value in args.specs:
                spec, _, backend = value.partition("@")
                keep = args.keep / f"{set_name}-{spec_name}-j{jobs}" if args.keep else None
                wall, cpu, status = run_scan(root, spec, backend or "auto", jobs, keep)
                rows.append({"set": set_name, "files": files, "planes": planes, "planes_read": read, "jobs": jobs,
                             "name": spec_name, "spec": spec, "backend": backend or "auto", "wall_s": round(wall, 1),
                             "cpu_s": round(cpu, 1), "exit": status})
                print(f"{set_name} jobs {jobs} {spec_name}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
    print(render(rows, args.specs[-1][0]))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    return 0


def render(rows: list[dict], baseline: str) -> str:
    """A Markdown table; the speed-up is against the ``baseline`` spec's wall time on the same set and jobs."""
    base = {(r["set"], r["jobs"]): r["wall_s"] for r in rows if r["name"] == baseline}
    lines = ["| set | files | planes | planes read | jobs | spec | backend | wall s | planes/s | CPU s per plane read "
             "| wall speed-up |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        speedup = base[(r["set"], r["jobs"])] / r["wall_s"] if r["wall_s"] else 0
        lines.append(f"| {r['set']} | {r['files']} | {r['planes']} | {r['planes_read']} | {r['jobs']} | "
                     f"{r['name']} `{r['spec']}` | {r['backend']} | {r['wall_s']} | {r['planes'] / r['wall_s']:.2f} | "
                     f"{r['cpu_s'] / max(r['planes_read'], 1):.3f} | {speedup:.2f}x |")
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
