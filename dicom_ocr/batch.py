"""Batch execution: many files through per-file :class:`~dicom_ocr.scanner.Scanner` work, one writer for the audit DB.

Files are scanned in this process (``jobs=1``), in local worker processes (``jobs>1``) or on a dask.distributed cluster
(``dask=ADDRESS``); each worker loads its engines once. Only the calling process writes: each file's rows (and its CSV
/ JSON Lines lines) in one transaction, after the file is finished. A file is done once its record says so, so a run
killed at any moment loses at most the files in flight, which the next run scans again. At most a few files per
worker are in flight and the done-check reads the DB in chunks: memory does not grow with the archive.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Protocol
from uuid import uuid4

from . import logs
from .detection import Detector, Pass
from .documents import FormsMode
from .engines import check_engine
from .engines.options import EngineOptions, FrozenEngineOptions, frozen, one_thread_each, thawed
from .errors import WorkerCrashedError
from .pool import IN_FLIGHT_PER_WORKER, run_pool
from .results import FileResult
from .scanner import Scanner, stored_filename
from .sources import RegionSource
from .store import AuditDB, FileRecord, RectRow
from .store.rows import file_rows, plane_notes
from .time_limit import pool_item_limit

log = logging.getLogger(__name__)

DONE_CHECK_CHUNK = 500
WORKER_CRASHED = WorkerCrashedError.cause
DASK_WINDOW_REFRESH_S = 30.0
DASK_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ScanSettings:
    """What every worker needs to build its own Scanner (picklable)."""

    passes: tuple[Pass, ...]
    absolute_paths: bool = True
    default_pii: bool = True
    sources: tuple[RegionSource, ...] = ()   # built (rule files parsed) once per run, then shipped to workers
    single_threaded: bool = False            # engines use one thread each: several workers share the cores
    engine_options: FrozenEngineOptions = ()   # by engine name (--engine-option NAME.KEY=VALUE), see with_options
    forms: FormsMode = FormsMode.INK           # what document planes get besides OCR (scan --forms)
    triage: str | None = None                  # "header": leave files unread whose header makes text unlikely
    file_timeout: float | None = None          # seconds a file may take before it is recorded as failed (timeout)

    def with_options(self, options: EngineOptions) -> ScanSettings:
        """These settings with the engines built with ``options``."""
        return replace(self, engine_options=frozen(options))

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.engine for p in self.passes))

    def worker_engine_options(self) -> EngineOptions:
        """The options each worker builds its engines with."""
        options = thawed(self.engine_options)
        return one_thread_each(options, self.engines) if self.single_threaded else options

    def detector(self) -> Detector:
        return Detector(self.passes, self.worker_engine_options())

    def check_engines(self) -> None:
        """Raise EngineUnavailableError (or ValueError) unless every engine can run here, without loading models."""
        options = self.worker_engine_options()
        for name in self.engines:
            check_engine(name, **options.get(name, {}))

    def scanner(self) -> Scanner:
        return Scanner(self.detector(), self.sources, default_pii=self.default_pii,
                       absolute_paths=self.absolute_paths, forms=self.forms, triage=self.triage,
                       file_timeout=self.file_timeout)

    def filename(self, path: str) -> str:
        return stored_filename(path, self.absolute_paths)


@dataclass(frozen=True)
class Job:
    """What a worker is told once: how to scan, whether to read tags, how much to log; ``run`` names the run it
    belongs to (a Dask worker keeps the Scanner of its current run: settings holding rule sources do not compare
    equal once copied to a worker)."""

    settings: ScanSettings
    log_level: int = logging.WARNING
    run: str = field(default_factory=lambda: uuid4().hex)


class Exporter(Protocol):
    """Where each finished file's rows also go (:class:`~dicom_ocr.exports.CsvExporter`, ``JsonlExporter``)."""

    def write_file(self, rects: list[RectRow], imagetype: str = "", manufacturer: str = "",
                   burnedinannotation: str = "") -> None: ...


@dataclass
class RunStats:
    """What one run did: files scanned, already done before it, not DICOM (skipped), not read (header triage),
    failed by cause."""

    scanned: int = 0
    already_done: int = 0
    not_dicom: int = 0
    not_read: int = 0
    failed: int = 0
    planes: int = 0
    with_regions: int = 0
    with_phi: int = 0
    failed_by_cause: Counter = field(default_factory=Counter)

    def add(self, record: FileRecord) -> None:
        self.scanned += 1
        self.planes += record.n_planes
        self.with_regions += record.n_regions > 0
        self.with_phi += bool(record.has_phi)
        if record.state == "skipped":
            self.not_dicom += 1
        elif record.state == "not-read":
            self.not_read += 1
        elif record.state == "error":
            self.failed += 1
            self.failed_by_cause[record.error_cause or "error"] += 1


def error_outcome(filename: str, cause: str, message: str) -> FileResult:
    """The outcome of a file whose worker failed (not the file's own fault, or not only)."""
    return FileResult.failed(filename, cause, message)


# ---------------------------------------------------------------- local processes

_worker: Scanner | None = None


def _init_worker(job: Job) -> None:
    global _worker
    logs.configure(job.log_level)
    _worker = job.settings.scanner()


def _scan_in_worker(path: str) -> FileResult:
    assert _worker is not None
    return _worker.scan_file(path)


def scan_local(paths: Iterable[str], job: Job, jobs: int = 1) -> Iterator[FileResult]:
    """Scan ``paths`` here (``jobs`` 1) or in ``jobs`` spawned processes (:func:`.pool.run_pool`), yielding
    outcomes as files finish.

    If a worker process dies (a crash in native OCR code) or is stopped (a file past
    :func:`~dicom_ocr.time_limit.pool_item_limit`), the files then in flight are recorded as ``worker-crashed`` errors
    (a later run retries them) and a new pool takes over."""
    if jobs <= 1:
        scanner = job.settings.scanner()
        for path in paths:
            yield scanner.scan_file(path)
        return
    limit = pool_item_limit(job.settings.file_timeout)
    for path, outcome in run_pool(paths, _scan_in_worker, jobs, _init_worker, (job,), limit):
        yield outcome if outcome is not None else error_outcome(
            path, WORKER_CRASHED, "the worker process died, or was stopped past the time limit, while this file "
                                  "(or another one in flight) was scanned")


# ---------------------------------------------------------------- dask.distributed

_dask_local = threading.local()


def _scan_on_dask_worker(path: str, job: Job) -> FileResult:
    """Runs on a dask worker: one Scanner per worker thread, built on the thread's first file of a run and kept for
    the run's other files (a new run replaces it). Every file's copy of ``job`` is a new object: keyed by its
    settings, a Scanner (engines and models) was built, and kept, for every file."""
    current = getattr(_dask_local, "scanner", None)
    if current is None or current[0] != job.run:
        current = _dask_local.scanner = (job.run, job.settings.scanner())
    return current[1].scan_file(path)


def check_dask_scheduler(address: str) -> None:
    """Raise OSError (or ValueError for a malformed address) unless a scheduler answers at ``address`` soon."""
    from distributed import Client

    with Client(address, timeout=DASK_CONNECT_TIMEOUT_S):
        pass


def scan_dask(paths: Iterable[str], job: Job, address: str) -> Iterator[FileResult]:
    """Scan ``paths`` on the dask.distributed cluster at ``address``; this process only submits and collects.

    Workers must see the files at the same paths. A task whose worker died too often (``KilledWorker``) or that
    raised is recorded as an error of its file."""
    from distributed import Client, as_completed
    from distributed.scheduler import KilledWorker

    with Client(address, timeout=DASK_CONNECT_TIMEOUT_S) as client:
        source = iter(paths)
        pending: dict[str, str] = {}

        def submit(path: str):
            future = client.submit(_scan_on_dask_worker, path, job, pure=False)
            pending[future.key] = path
            return future

        window, window_at = _dask_window(client), time.monotonic()
        queue = as_completed([submit(path) for path in islice(source, window)])
        for future in queue:
            path = pending.pop(future.key)
            try:
                outcome = future.result()
            except Exception as exc:
                cause = WORKER_CRASHED if isinstance(exc, KilledWorker) else "worker-error"
                outcome = error_outcome(path, cause, f"{type(exc).__name__}: {exc}")
            future.release()
            if time.monotonic() - window_at > DASK_WINDOW_REFRESH_S:     # workers may have joined or left
                window, window_at = _dask_window(client), time.monotonic()
            for following in islice(source, max(0, window - len(pending))):
                queue.add(submit(following))
            yield outcome


def _dask_window(client) -> int:
    """How many files to keep in flight: a few per worker thread of the cluster now."""
    return max(2, IN_FLIGHT_PER_WORKER * sum(client.nthreads().values()))


# ---------------------------------------------------------------- the run

def pending_files(db: AuditDB, paths: Iterable[str], settings: ScanSettings, rescan: bool = False,
                  on_skip: Callable[[int], None] | None = None, strict: bool = False) -> Iterator[str]:
    """The stored filenames of ``paths`` not done yet (all with ``rescan``), checked in chunks; files recorded as not
    DICOM count as done (they are not read again) unless ``strict``, which counts them as failures; files header
    triage left unread count as done only for a scan with triage (a scan without it reads them)."""
    finished = ("done",) + (() if strict else ("skipped",)) + (("not-read",) if settings.triage else ())
    names = (settings.filename(path) for path in paths)
    if rescan:
        yield from names
        return
    while chunk := list(islice(names, DONE_CHECK_CHUNK)):
        done = db.files.finished_among(chunk, finished)
        if on_skip is not None and done:
            on_skip(sum(name in done for name in chunk))
        yield from (name for name in chunk if name not in done)


def _log_bad_file(record: FileRecord) -> None:
    """One line for a file failed or not DICOM: its name, what is wrong and the cause (ERROR for a bug, else WARNING)."""
    level = logging.ERROR if record.error_cause == "internal-error" else logging.WARNING
    message = " ".join((record.error_message or "").split())     # one line, whatever the exception's text
    log.log(level, "%s: %s [%s]", record.filename, message, record.error_cause)


def run_scan(db: AuditDB, paths: Iterable[str], settings: ScanSettings, jobs: int = 1, rescan: bool = False,
             dask: str | None = None, exporters: Iterable[Exporter] = (), log_level: int = logging.WARNING,
             on_result: Callable[[FileResult], None] | None = None,
             on_skip: Callable[[int], None] | None = None, strict: bool = False) -> RunStats:
    """Scan the files of ``paths`` not yet done in ``db`` and write each one's rows to ``exporters``, then to ``db``;
    ``strict`` reads files recorded as not DICOM again (the caller counts them as failures).

    Exporters come first so a kill between the two never loses their lines (the file is scanned again: at worst
    its lines appear twice there, never in the DB)."""
    exporters = tuple(exporters)
    job = Job(settings, log_level=log_level)
    stats = RunStats()

    def count_done(n: int) -> None:
        stats.already_done += n
        if on_skip is not None:
            on_skip(n)

    todo = pending_files(db, paths, settings, rescan, count_done, strict)
    outcomes = scan_dask(todo, job, dask) if dask else scan_local(todo, job, jobs)
    for outcome in outcomes:
        record, rects = file_rows(outcome)
        if record.state == "done":
            tags = outcome.tags
            for exporter in exporters:
                exporter.write_file(rects, tags.imagetype, tags.manufacturer, tags.burnedinannotation)
        db.write_file(record, rects, plane_notes(outcome))
        stats.add(record)
        if record.state in ("error", "skipped"):
            _log_bad_file(record)
        if on_result is not None:
            on_result(outcome)
    return stats
