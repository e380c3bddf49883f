"""The project's scorer, ``../shared/bench/score.py`` (``--gt GT --root ROOT --db DBDIR``), run as a subprocess.

It is found from ``--scorer``, else ``$DICOM_OCR_SCORER``, else beside the repository (``../shared/bench/score.py``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO.parent / "shared" / "bench" / "score.py"
ENV = "DICOM_OCR_SCORER"
OCR_ENGINES = (1, 2, 3, *range(6, 50))     # the ocrengine numbers score.py counts as reading text


def default_scorer() -> Path:
    """``$DICOM_OCR_SCORER`` when set, else ``../shared/bench/score.py`` beside the repository."""
    return Path(os.environ.get(ENV) or DEFAULT)


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scorer", type=Path, default=None,
                        help=f"score.py to use (default: ${ENV}, else {DEFAULT})")


def find(scorer: Path | None) -> Path:
    """The scorer to run; exits with a message when it is not there."""
    path = scorer or default_scorer()
    if not path.is_file():
        raise SystemExit(f"scorer not found: {path} (give --scorer or set ${ENV})")
    return path


def command(scorer: Path, gt: Path, root: Path, db: Path, *extra: str) -> list[str]:
    """The command line scoring the audit DB in directory ``db`` against ``gt``."""
    return [sys.executable, str(scorer), "--gt", str(gt), "--root", str(root), "--db", str(db), *extra]


def score_text(scorer: Path, gt: Path, root: Path, db: Path) -> str:
    """score.py's own text report."""
    return subprocess.run(command(scorer, gt, root, db), check=True, capture_output=True, text=True).stdout


def score_json(scorer: Path, gt: Path, root: Path, db: Path, name: str = "tool",
               timelog: Path | None = None) -> dict[str, Any]:
    """score.py's JSON result with per-file details (``files``); ``timelog`` gives it the run's wall time and RSS."""
    extra = ["--json", "--per-file", "--name", name]
    if timelog and timelog.exists() and timelog.stat().st_size:
        extra += ["--timelog", str(timelog)]
    out = subprocess.run(command(scorer, gt, root, db, *extra), check=True, capture_output=True, text=True).stdout
    return json.loads(out)
