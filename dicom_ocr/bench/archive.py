"""archive: what scanning an archive costs its owner, old code against new: speed, memory, DB size, resume, recall.

    python scripts/make_archive.py --out /tmp/archive            # 10,000 files in a PACS-export mix, gt.json
    python -m dicom_ocr.bench archive /tmp/archive --old /path/to/old/checkout [--jobs 2] [--keep DIR]
    python -m dicom_ocr.bench archive /tmp/archive --dask tcp://SCHEDULER:8786 --jobs 2 --keep DIR  # on a cluster
    python -m dicom_ocr.bench archive /tmp/archive --old . --engine-option rapidocr.max_detect_pixels=2200000

Each version (``--old DIR``: a checkout of the old code, run with cwd DIR; then this checkout) runs what an owner
runs, each a fresh interpreter: ``python -m dicom_ocr scan ARCHIVE --db DB --jobs N -q`` into a new audit DB, the same
command again (resuming a finished scan), ``dicom_ocr status --db DB`` and ``dicom_ocr report --db DB --out DB/report
--sample 50``; ``--engine-option`` goes to this checkout's scans only (the old code may not know it: ``--old .``
measures an option against the same code without it). It prints a Markdown table per version:

- files/hour over the scan's wall time; per class (the GT's ``case``), from the per-file seconds of
  ``dicom_ocr_files`` (``seconds_total``) as N busy workers would do them: N x 3600 / mean seconds;
- worker seconds per plane read (``seconds_total`` over ``n_planes``), files with text and without (``text_present``);
- peak RSS of the largest process (``/usr/bin/time -v``) and of the largest worker (psutil samples, a lower bound);
  and the largest worker's sampled peak while each thousand files was being done (does memory grow over the run?);
- the audit DB's size per 1,000 files; the wall time of the resume, of status and of report;
- recall of the GT boxes (coverage >= 0.8, all and PHI), file recall on the files with text and file false alarms
  on the others, from ``../shared/bench/score.py``.

With ``--dask ADDRESS`` the scans run on that Dask cluster (``dicom_ocr scan --dask ADDRESS``; ``--jobs`` then says
how many worker processes it has, for the per-class rates); its workers' memory is what they report to the scheduler
(:class:`~.memory.DaskWorkerPeaks`), and the largest process measured is the client. ``python -m dicom_ocr.bench rows
DB1 DB2`` compares its rows with a local pool's.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from statistics import fmean
from typing import Any

from ..store.files import FileFacts
from ..store.schema import DB_NAME
from . import scorer
from .auditdir import audit_dir, read_audit_db
from .memory import DaskWorkerPeaks, WorkerPeaks
from .scorer import REPO
from .tables import markdown
from .timing import Timed, run_timed

SAMPLE = 50          # files in the report


@dataclass(frozen=True)
class Version:
    """A checkout of dicom_ocr to measure: its commands run as ``python -m dicom_ocr`` with cwd ``checkout``; its
    scans get ``scan_options`` too."""

    name: str
    checkout: Path
    scan_options: tuple[str, ...] = ()

    def run(self, args: list[str], log: Path, timelog: Path | None = None) -> Timed:
        """``dicom_ocr ARGS`` of this version, timed; its output goes to ``log``."""
        with log.open("a") as out:
            return run_timed([sys.executable, "-m", "dicom_ocr", *args], timelog, cwd=self.checkout, stdout=out,
                             stderr=subprocess.STDOUT)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("archive", type=Path, help="a directory with gt.json (scripts/make_archive.py)")
    parser.add_argument("--old", type=Path, metavar="DIR", help="a checkout of the old code (default: only this one)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (with --dask: the cluster's)")
    parser.add_argument("--dask", metavar="ADDRESS", help="scan on this Dask scheduler instead of a local pool")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each version's audit DB, logs and report in DIR")
    parser.add_argument("--engine-option", action="append", default=[], metavar="NAME.KEY=VALUE",
                        help="passed to this checkout's scans (not the old one's, which may not know it); repeatable")
    scorer.add_argument(parser)


def measure(version: Version, archive: Path, gt: dict[str, Any], jobs: int, work: Path, score: Path,
            dask: str | None = None) -> list[tuple]:
    """Scan ``archive`` with ``version`` into a new audit DB in ``work`` (on the Dask scheduler at ``dask`` when
    given), resume it, run status and report: the rows of its table."""
    db, log = work / "db", work / "log.txt"
    scan = ["scan", str(archive), "--db", str(db), *(["--dask", dask] if dask else ["--jobs", str(jobs)]), "-q",
            *version.scan_options]
    with DaskWorkerPeaks(dask) if dask else WorkerPeaks() as workers:
        first = version.run(scan, log, work / "time.txt")
    print(f"{version.name}: scanned in {first.wall_s:.1f} s (exit {first.status})", file=sys.stderr)
    again = version.run(scan, log)
    status = version.run(["status", "--db", str(db)], log)
    report = version.run(["report", "--db", str(db), "--out", str(work / "report"), "--sample", str(SAMPLE)], log)
    files = {entry["path"]: entry for entry in gt["files"]}
    facts = matched_facts(db, files)
    scores = scorer.score_json(score, archive / "gt.json", archive, db)
    n = len(files)
    rows: list[tuple] = [("files (scanned and recorded)", f"{n} ({len(facts)})"),
                         (f"scan wall s, {'--dask' if dask else '--jobs'} {jobs} (exit status)",
                          f"{first.wall_s:.1f} ({first.status})"),
                         ("files/hour, all (wall time)", round(n / first.wall_s * 3600) if first.wall_s else None)]
    rows += [(f"files/hour, {case} (per-file seconds x {jobs} workers)", rate) for case, rate in
             class_rates(facts, files, jobs).items()]
    rows += [(f"s per plane read, files {label}", seconds_per_plane(facts, files, text))
             for label, text in (("with text", True), ("without text", False))]
    rows += [("peak RSS MiB, the client process" if dask else "peak RSS MiB, largest process", first.peak_rss_mib),
             ("peak RSS MiB, largest worker (sampled)", workers.peak_mib),
             ("peak worker RSS MiB per 1,000 files done, in order (sampled)",
              ", ".join(f"{mib:.0f}" for mib in rss_by_thousand(workers.timeline, finish_times(db)))),
             ("DB MiB per 1,000 files", db_mib(db) / n * 1000),
             ("resume of the finished scan, wall s (exit status)", f"{again.wall_s:.2f} ({again.status})"),
             ("status wall s (exit status)", f"{status.wall_s:.2f} ({status.status})"),
             (f"report --sample {SAMPLE} wall s (exit status)", f"{report.wall_s:.2f} ({report.status})")]
    rows += [(label, scores.get(key)) for label, key in (
        ("recall, boxes (coverage >= 0.8)", "recall_all"), ("recall, PHI boxes", "recall_phi"),
        ("file recall, files with text", "file_recall"), ("file false alarm, files without text", "file_false_alarm"))]
    return rows


def matched_facts(db: Path, files: dict[str, dict]) -> dict[str, FileFacts]:
    """The DB's per-file facts by GT path (a DB filename matches the GT path it ends with), GT files only."""
    with read_audit_db(db) as audit:
        facts = audit.files.facts()
    matched = {}
    for fact in facts:
        parts = Path(fact.filename).parts
        path = next(("/".join(parts[k:]) for k in range(len(parts)) if "/".join(parts[k:]) in files), None)
        if path is not None:
            matched[path] = fact
    return matched


def class_rates(facts: dict[str, FileFacts], files: dict[str, dict], jobs: int) -> dict[str, float | None]:
    """Files/hour per class, in the GT's order of classes: ``jobs`` x 3600 / the class's mean seconds per file."""
    rates: dict[str, float | None] = {}
    for case in dict.fromkeys(entry["case"] for entry in files.values()):
        seconds = [fact.seconds_total for path, fact in facts.items() if files[path]["case"] == case]
        mean = fmean(seconds) if seconds else 0.0
        rates[case] = round(jobs * 3600 / mean) if mean else None
    return rates


def seconds_per_plane(facts: dict[str, FileFacts], files: dict[str, dict], text: bool) -> float | None:
    """Worker seconds per plane read over the files whose ``text_present`` is ``text``."""
    chosen = [fact for path, fact in facts.items() if files[path]["text_present"] == text]
    planes = sum(fact.n_planes for fact in chosen)
    return sum(fact.seconds_total for fact in chosen) / planes if planes else None


def finish_times(db: Path) -> list[float]:
    """When each file's record was written, epoch seconds, in order."""
    with read_audit_db(db) as audit:
        return [datetime.fromisoformat(stamp).timestamp() for stamp in audit.files.finish_times()]


def rss_by_thousand(timeline: list[tuple[float, int]], finished: list[float]) -> list[float]:
    """The largest worker RSS (MiB) sampled while files 1-1,000, 1,001-2,000, ... were being done; samples after the
    last file count in the last thousand."""
    last = max(len(finished) - 1, 0) // 1000
    peaks = [0.0] * (last + 1)
    for when, rss in timeline:
        block = min(bisect_right(finished, when) // 1000, last)
        peaks[block] = max(peaks[block], rss / 2 ** 20)
    return peaks


def db_mib(db: Path) -> float:
    """The audit DB's size with its write-ahead log, MiB."""
    return sum(path.stat().st_size for path in db.glob(f"{DB_NAME}*")) / 2 ** 20


def run(args: argparse.Namespace) -> int:
    score = scorer.find(args.scorer)
    archive = args.archive.resolve()
    gt = json.loads((archive / "gt.json").read_text())
    options = tuple(arg for option in args.engine_option for arg in ("--engine-option", option))
    versions = ([Version("old", args.old.resolve())] if args.old else []) + [Version("new", REPO, options)]
    for version in versions:
        with audit_dir(args.keep / version.name if args.keep else None, prefix="dicom_ocr_archive_") as work:
            rows = measure(version, archive, gt, args.jobs, work, score, args.dask)
        print(f"\n### {version.name}: {version.checkout} {' '.join(version.scan_options)}\n")
        print(markdown(("figure", "value"), rows))
    return 0
