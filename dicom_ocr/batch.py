"""Batch execution: many files through per-file :class:`~dicom_ocr.scan.Scanner` work, one writer for the audit DB.

``jobs=1`` scans in this process; ``jobs>1`` uses worker processes, each loading its engines once, while this process
alone writes to the database. Results stream: memory does not grow with the number of files.
"""
from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .auditdb import AuditDB
from .detect import Detector, Pass
from .scan import FileScan, Scanner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanSettings:
    """What every worker needs to build its own Scanner (picklable)."""

    passes: tuple[Pass, ...]
    absolute_paths: bool = True
    default_pii: bool = True

    def scanner(self) -> Scanner:
        return Scanner(Detector(self.passes), default_pii=self.default_pii, absolute_paths=self.absolute_paths)


_worker_scanner: Scanner | None = None


def _init_worker(settings: ScanSettings) -> None:
    global _worker_scanner
    _worker_scanner = settings.scanner()


def _scan_in_worker(path: str) -> FileScan:
    assert _worker_scanner is not None
    return _worker_scanner.scan_file(path)


def scan_files(paths: Iterable[str], settings: ScanSettings, jobs: int = 1) -> Iterator[FileScan]:
    """Scan ``paths`` with ``jobs`` processes, yielding each file's result as it completes."""
    if jobs <= 1:
        scanner = settings.scanner()
        for path in paths:
            yield scanner.scan_file(path)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(settings,), maxtasksperchild=500) as pool:
        yield from pool.imap_unordered(_scan_in_worker, paths, chunksize=1)


def run_scan(db: AuditDB, paths: Iterable[str], settings: ScanSettings, jobs: int = 1, rescan: bool = False,
             on_result: Callable[[FileScan], None] | None = None) -> int:
    """Scan the files not yet done in ``db`` and write each one's rows in one transaction; return how many failed."""
    scanner_filename = Scanner(None, absolute_paths=settings.absolute_paths).filename  # type: ignore[arg-type]
    done = set() if rescan else db.done_filenames()
    todo = (path for path in paths if scanner_filename(path) not in done)
    failed = 0
    for result in scan_files(todo, settings, jobs):
        db.write_file(result.record, result.rects)
        failed += result.record.state == "error"
        if on_result is not None:
            on_result(result)
    return failed
