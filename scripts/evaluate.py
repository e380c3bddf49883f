#!/usr/bin/env python3
"""Scan the files of a ground-truth set into a fresh audit DB and score it with shared/bench/score.py.

    python scripts/evaluate.py --gt ../shared/gt/jsl.json --root ../shared/corpus --ocr rapidocr:plain+top --jobs 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gt", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--ocr", default=None, help="dicom_ocr scan --ocr SPEC (default: the tool's default)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--db", type=Path, help="keep the DB here (default: a temporary directory)")
    parser.add_argument("--scorer", type=Path, default=Path(__file__).resolve().parents[2] / "shared/bench/score.py")
    parser.add_argument("--per-file", action="store_true")
    args = parser.parse_args()
    gt = json.loads(args.gt.read_text())
    db = args.db or Path(tempfile.mkdtemp(prefix="dicom_ocr_eval_"))
    listing = db / "files.txt"
    db.mkdir(parents=True, exist_ok=True)
    listing.write_text("".join(f"{args.root / f['path']}\n" for f in gt["files"]))
    command = [sys.executable, "-m", "dicom_ocr", "scan", "-", "--db", str(db), "--jobs", str(args.jobs), "--rescan"]
    if args.ocr:
        command += ["--ocr", args.ocr]
    started = time.perf_counter()
    with listing.open() as stdin:
        subprocess.run(command, stdin=stdin, check=False)
    seconds = time.perf_counter() - started
    score = [sys.executable, str(args.scorer), "--gt", str(args.gt), "--root", str(args.root), "--db", str(db)]
    result = subprocess.run(score + (["--per-file"] if args.per_file else []), capture_output=True, text=True)
    print(result.stdout, result.stderr, sep="")
    print(f"ocr={args.ocr or 'default'} files={len(gt['files'])} wall={seconds:.1f}s jobs={args.jobs} db={db}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
