"""A ``dicom_ocr scan`` as users run it (a fresh interpreter, models loaded), timed, into an audit DB directory."""
from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .scorer import REPO
from .timing import Timed, run_timed


@dataclass(frozen=True)
class ScanCase:
    """The scan options a measurement varies; ``ocr`` None is the tool's default."""

    ocr: str | None = None
    backend: str = "auto"
    jobs: int = 2

    @property
    def label(self) -> str:
        return f"dicom_ocr {self.ocr or 'default'} rapidocr.backend={self.backend} --jobs {self.jobs}"


def scan(files: Sequence[str | Path], db: Path, options: ScanCase) -> Timed:
    """Scan ``files`` (listed on stdin) into the audit DB in ``db``; the ``/usr/bin/time`` log is ``db/time.txt``."""
    db.mkdir(parents=True, exist_ok=True)
    listing = db / "files.txt"
    listing.write_text("".join(f"{Path(f).resolve()}\n" for f in files))
    command = [sys.executable, "-m", "dicom_ocr", "scan", "-", "--db", str(db.resolve()), "--jobs", str(options.jobs),
               "--rescan", "-q", "--engine-option", f"rapidocr.backend={options.backend}"]
    if options.ocr:
        command += ["--ocr", options.ocr]
    with listing.open() as stdin:
        return run_timed(command, db / "time.txt", stdin=stdin, cwd=REPO)
