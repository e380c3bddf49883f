"""The Python API: what each command does, callable from a notebook, a pipeline or a Dask job. The CLI is a skin over
these functions and takes the same options (:class:`ScanOptions`).

    import dicom_ocr
    result = dicom_ocr.scan_file("us.dcm")                  # one file, nothing written: a FileResult
    stats = dicom_ocr.scan(["archive/"], "audit")           # many files into audit/dcmaudit.sqlite.db
    print(dicom_ocr.status("audit")["with_phi"])
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .batch import RunStats, ScanSettings
from .batch import run_scan as run_batch
from .detection import DEFAULT_SPEC, parse_passes
from .dicomfile import open_dicom
from .documents import FormsMode
from .engines.options import FrozenEngineOptions, frozen
from .errors import DicomOcrError
from .inputs import iter_input_files
from .planes import Plane
from .pngs import plane_png_name, write_png
from .privacy import private_outputs
from .redaction import REFILL_ROUNDS, Policy, Redacted, Verifier, redact_scan
from .reports import TRIAGE_ORDER, ReportSummary, write_report
from .results import FileResult
from .store import AuditDB, FileRecord, status_summary
from .time_limit import FILE_TIMEOUT_S, check_seconds
from .triage import POLICIES as TRIAGE_POLICIES


@dataclass(frozen=True)
class ScanOptions:
    """How files are scanned; ``dicom_ocr scan``'s options, by the same names.

    ``ocr``: engines and variants (``--ocr``); ``engine_options``: options by engine (``--engine-option``);
    ``rules``: extra deid recipes or CTP scripts (``--rules``); ``default_rules``: deid's model-specific recipe
    (``--no-default-rules`` turns it off); ``ultrasound_recipe``, ``ultrasound_regions``: as the flags;
    ``forms``: what document planes get besides OCR (``--forms``); ``learned``: suggest the rectangles reviewers
    marked on files of the same signature (a scan into a DB only; ``--no-learned``); ``absolute_paths``: store
    absolute paths (``--relative-paths`` turns it off); ``default_pii``: text no rule recognises is PHI;
    ``triage``: None (read every file), or "header" to record files whose header makes burned-in text unlikely as not
    read (``--triage``, :mod:`dicom_ocr.triage`); ``file_timeout``: seconds a file may take before it is recorded
    as failed with cause ``timeout`` (``--file-timeout``; None: no limit; :mod:`dicom_ocr.time_limit`).
    """

    ocr: str = DEFAULT_SPEC
    engine_options: FrozenEngineOptions = ()
    rules: tuple[str, ...] = ()
    default_rules: bool = True
    ultrasound_recipe: bool = False
    ultrasound_regions: bool = False
    forms: FormsMode = FormsMode.INK
    learned: bool = True
    absolute_paths: bool = True
    default_pii: bool = True
    triage: str | None = None
    file_timeout: float | None = FILE_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.triage is not None and self.triage not in TRIAGE_POLICIES:
            raise ValueError(f"triage must be None or one of {TRIAGE_POLICIES}, not {self.triage!r}")
        check_seconds(self.file_timeout)

    @classmethod
    def of(cls, engine_options: Mapping[str, Mapping[str, Any]] | None = None, rules: Iterable[str | Path] = (),
           forms: FormsMode | str = FormsMode.INK, **options: Any) -> ScanOptions:
        """Options from plain values: ``engine_options`` as a dict by engine, rule paths as any iterable, ``forms`` as
        its name."""
        return cls(engine_options=frozen(engine_options or {}), rules=tuple(str(p) for p in rules),
                   forms=FormsMode(forms), **options)

    def settings(self, single_threaded: bool = False) -> ScanSettings:
        """What workers build their scanners from; rule files are parsed here. Raises OcrSpecError (a ValueError) for
        a bad ``ocr`` spec or engine option, RecipeError or OSError for a rule file."""
        from .rules.sources import build_sources

        sources = build_sources(self.rules, default_rules=self.default_rules, ultrasound=self.ultrasound_regions,
                                ultrasound_recipe=self.ultrasound_recipe)
        return ScanSettings(parse_passes(self.ocr), absolute_paths=self.absolute_paths, default_pii=self.default_pii,
                            sources=tuple(sources), single_threaded=single_threaded,
                            engine_options=self.engine_options, forms=self.forms, triage=self.triage,
                            file_timeout=self.file_timeout)

DEFAULT_OPTIONS = ScanOptions()


def scan_file(path: str | Path, options: ScanOptions = DEFAULT_OPTIONS) -> FileResult:
    """Everything found in one file: regions with box, text, verdict and reason per plane. Writes nothing; never
    raises for a bad file (its ``state`` and ``error_cause`` say what happened). Engines are loaded on the first call
    with given options and kept for the next ones."""
    return _scanner(options).scan_file(str(path))


@functools.lru_cache(maxsize=4)
def _scanner(options: ScanOptions):
    settings = options.settings()
    settings.check_engines()
    return settings.scanner()


def scan(paths: Sequence[str | Path], db: str | Path, options: ScanOptions = DEFAULT_OPTIONS, *, jobs: int = 1,
         rescan: bool = False, strict: bool = False, dask: str | None = None, csv: str | Path | None = None,
         jsonl: str | Path | None = None, on_result: Callable[[FileResult], None] | None = None,
         on_skip: Callable[[int], None] | None = None, log_level: int = logging.WARNING,
         group_readable: bool = False) -> RunStats:
    """Scan the files under ``paths`` (files, folders, CSV lists) not yet done into ``db``/dcmaudit.sqlite.db (made
    when missing), in ``jobs`` local processes or on the Dask scheduler at ``dask``; append the rows to ``csv`` and
    ``jsonl`` too when given. ``on_result`` hears of each file as it is written, ``on_skip`` of files already done.
    Returns what the run did. Raises before writing anything when an engine cannot run here
    (EngineUnavailableError), or an option or rule file is unusable (ValueError, RecipeError, OSError). What it writes
    is owner-only, or readable by the group with ``group_readable``."""
    from .exports import CsvExporter, JsonlExporter
    from .learned import LearnedSource

    settings = options.settings(single_threaded=jobs > 1 or bool(dask))
    if not dask:
        settings.check_engines()
    with ExitStack() as stack:
        stack.enter_context(private_outputs(group_readable))
        store = stack.enter_context(AuditDB(db))
        if options.learned:
            learned = LearnedSource.from_db(store)
            if learned.rects:
                settings = replace(settings, sources=settings.sources + (learned,))
        exporters = [stack.enter_context(CsvExporter(csv))] if csv else []
        if jsonl:
            exporters.append(stack.enter_context(JsonlExporter(jsonl)))
        return run_batch(store, iter_input_files([str(p) for p in paths]), settings, jobs=jobs, rescan=rescan,
                         dask=dask, exporters=exporters, log_level=log_level, strict=strict, on_result=on_result,
                         on_skip=on_skip)


def status(db: str | Path) -> dict[str, Any]:
    """What the scans and redactions recorded in ``db``: counts by state and cause, times and rates, copies
    (``dicom_ocr status --json``)."""
    with AuditDB(db) as store:
        return status_summary(store)


def report(db: str | Path, out: str | Path, *, sample: int | None = None, seed: int = 0, limit: int = 200,
           only: Sequence[str] = TRIAGE_ORDER, images: bool = True, group_readable: bool = False) -> ReportSummary:
    """Write the spot-check report of the scan in ``db`` to ``out`` (``dicom_ocr report``); it holds PHI, so it is
    owner-only, or readable by the group with ``group_readable``."""
    with private_outputs(group_readable):
        return write_report(db, out, sample=sample, seed=seed, limit=limit, only=only, images=images)


def redact(db: str | Path, out: str | Path, *, root: str | Path | None = None, policy: str = "all-text",
           deid_header: bool = False, verify: bool = False, refill_rounds: int | None = None, jobs: int = 1,
           engine_options: Mapping[str, Mapping[str, Any]] | None = None, group_readable: bool = False,
           file_timeout: float | None = FILE_TIMEOUT_S) -> Iterator[Redacted]:
    """Redacted copies of the files the scan in ``db`` finished, under ``out`` (``dicom_ocr redact``): one outcome
    per file as it finishes, each recorded in the DB as it comes (iterate to the end). The header is not
    de-identified unless ``deid_header``. With ``verify``, raises EngineUnavailableError here, before any copy, when
    an engine of the scan cannot run. The copies are owner-only, or readable by the group with ``group_readable``
    (the process's umask says so while they are made). A copy not made and verified within ``file_timeout`` seconds
    is recorded as failed with cause ``timeout`` (``--file-timeout``; None: no limit)."""
    check_seconds(file_timeout)
    with AuditDB(db) as store:
        done = [record for record in store.files.records().values() if record.state == "done"]
    verifier = Verifier(engine_options) if verify else None
    if verifier is not None:
        for spec in {record.engine for record in done}:
            verifier.detector(spec)        # fail early when an engine of the scan cannot run here
    return _copies(db, out, done, root=root, policy=Policy(policy), header_recipe=deid_header, verifier=verifier,
                   refill_rounds=REFILL_ROUNDS if refill_rounds is None else refill_rounds, jobs=jobs,
                   group_readable=group_readable, file_timeout=file_timeout)


def _copies(db: str | Path, out: str | Path, done: list[FileRecord], group_readable: bool,
            **options: Any) -> Iterator[Redacted]:
    with private_outputs(group_readable), AuditDB(db) as store:
        yield from redact_scan(store, out, done, **options)


def describe_planes(path: str | Path, png_dir: str | Path | None = None,
                    group_readable: bool = False) -> tuple[list[dict[str, Any]], dict | None]:
    """The planes of one file as ``dicom_ocr frames --json`` lists them (frame, overlay, size, kind, colour, blank,
    origin, image frame; the PNG written for each to ``png_dir`` when given, owner-only unless ``group_readable``),
    and the error that stopped it, if any (``{"cause": ..., "message": ...}``): the planes before it are kept."""
    planes: list[dict[str, Any]] = []
    try:
        dicom = open_dicom(path)
        with private_outputs(group_readable):
            for plane in dicom.planes():
                summary = _plane_summary(plane)
                if png_dir is not None:
                    target = Path(png_dir) / plane_png_name(plane, dicom.number_of_frames)
                    write_png(target, plane.image)
                    summary["png"] = str(target)
                planes.append(summary)
    except DicomOcrError as exc:
        return planes, {"cause": exc.cause, "message": exc.message}
    return planes, None


def _plane_summary(plane: Plane) -> dict[str, Any]:
    return {"frame": plane.frame, "overlay": plane.overlay, "rows": plane.rows, "columns": plane.columns,
            "kind": plane.kind.value, "colour": plane.is_colour, "blank": plane.blank,
            "origin": list(plane.origin), "image_frame": plane.image_frame}
