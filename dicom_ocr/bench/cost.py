"""cost: what a scan costs (wall time, planes/s, CPU seconds per plane read) for OCR specs side by side.

    python -m dicom_ocr.bench cost --set corpus=../shared/corpus --set synthetic=/tmp/synth --jobs 1 2 \\
        --spec "new=rapidocr:lines" --spec "previous=rapidocr:plain+x2+rot90@onnxruntime"

Each spec is ``name=OCR_SPEC[@BACKEND]``. For every set and ``--jobs`` value the specs run one after the other, each a
``dicom_ocr scan`` of the set into a fresh audit DB, as users run it (model loading included). CPU is the scan's and
its workers' user + system time. Planes are image and overlay frames; planes read are those OCR reads (not blank, not
identical to an earlier plane, not an unchanged cine frame): the same for every spec, counted once per set without
OCR. Prints a Markdown table (speed-up against the last spec); ``--out FILE`` also writes JSON; ``--keep DIR`` keeps
the DBs (``DIR/<set>-<spec name>-j<jobs>``) for score.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..detection import Detector
from ..errors import DicomOcrError
from ..inputs import iter_input_files
from ..planes import iter_planes, read_header
from ..rules.ultrasound import moving_areas
from .auditdir import audit_dir
from .scanning import ScanCase, scan
from .tables import markdown


def parse_named(value: str) -> tuple[str, str]:
    """``NAME=VALUE`` as (name, value)."""
    name, sep, rest = value.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name, rest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", dest="sets", type=parse_named, action="append", required=True, metavar="NAME=DIR")
    parser.add_argument("--spec", dest="specs", type=parse_named, action="append", required=True,
                        metavar="NAME=OCR[@BACKEND]")
    parser.add_argument("--jobs", type=int, nargs="+", default=[2])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each scan's audit DB in DIR")


def count_planes(files: list[str]) -> tuple[int, int]:
    """(planes, planes read) of ``files`` with the scan's own reuse rules, no OCR."""
    counter = Detector(())          # no passes: every plane it is asked to read costs nothing
    planes = 0
    for path in files:
        try:
            header = read_header(path)
            planes += sum(1 for _ in counter.detect_planes(iter_planes(path, header=header), moving_areas(header)))
        except DicomOcrError:
            continue
    return planes, counter.planes_read


def measure(set_name: str, files: list[str], spec_name: str, value: str, jobs: int, keep: Path | None) -> dict[str, Any]:
    """One scan of a set with one spec: its row."""
    spec, _, backend = value.partition("@")
    options = ScanCase(spec, backend or "auto", jobs)
    with audit_dir(keep / f"{set_name}-{spec_name}-j{jobs}" if keep else None) as db:
        timed = scan(files, db, options)
    print(f"{set_name} jobs {jobs} {spec_name}: {timed.wall_s:.1f} s wall, {timed.cpu_s:.1f} s CPU", file=sys.stderr)
    return {"set": set_name, "jobs": jobs, "name": spec_name, "spec": spec, "backend": options.backend,
            "wall_s": round(timed.wall_s, 1), "cpu_s": round(timed.cpu_s, 1), "peak_rss_mib": timed.peak_rss_mib,
            "exit": timed.status}


def run(args: argparse.Namespace) -> int:
    rows = []
    for set_name, root in args.sets:
        files = list(iter_input_files([root]))
        planes, read = count_planes(files)
        for jobs in args.jobs:
            for spec_name, value in args.specs:
                row = measure(set_name, files, spec_name, value, jobs, args.keep)
                rows.append({**row, "files": len(files), "planes": planes, "planes_read": read})
    print(render(rows, args.specs[-1][0]))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    return 0


def render(rows: list[dict[str, Any]], baseline: str) -> str:
    """A Markdown table; the speed-up is against the ``baseline`` spec's wall time on the same set and jobs."""
    base = {(r["set"], r["jobs"]): r["wall_s"] for r in rows if r["name"] == baseline}
    headers = ("set", "files", "planes", "planes read", "jobs", "spec", "backend", "wall s", "planes/s",
               "CPU s per plane read", "wall speed-up")
    return markdown(headers, [
        (r["set"], r["files"], r["planes"], r["planes_read"], r["jobs"], f"{r['name']} `{r['spec']}`", r["backend"],
         str(r["wall_s"]), f"{r['planes'] / r['wall_s']:.2f}" if r["wall_s"] else "n/a",
         f"{r['cpu_s'] / max(r['planes_read'], 1):.3f}",
         f"{base[(r['set'], r['jobs'])] / r['wall_s']:.2f}x" if r["wall_s"] else "n/a") for r in rows])
