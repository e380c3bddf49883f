"""The ``dicom_ocr`` command: a thin skin over the importable API."""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from . import __version__, logs
from .errors import DicomOcrError, ExitCode, NotDicomError
from .inputs import count_input_files, iter_input_files
from .privacy import make_outputs_private
from .progress import Progress

if TYPE_CHECKING:
    from .api import ScanOptions
    from .batch import RunStats
    from .redaction import Redacted
    from .store import FileRecord

log = logging.getLogger("dicom_ocr")


class Refused(Exception):
    """A command refused before it touched anything: its message is the one line the user sees."""

    exit_code = ExitCode.REFUSED


def main(argv: Sequence[str] | None = None) -> int:
    from .engines import EngineRegistryError
    from .store import DatabaseError

    try:
        parser = build_parser()         # lists the registered engines
    except EngineRegistryError as exc:  # a plugin that breaks the engine contract
        print(f"dicom_ocr: {exc}", file=sys.stderr)
        return ExitCode.REFUSED
    args = parser.parse_args(argv)
    logs.configure(logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING)
    if not hasattr(args, "run"):
        parser.print_help()
        return ExitCode.REFUSED
    umask = make_outputs_private(args.group_readable)   # for this command only: main() is also called in-process
    try:
        return args.run(args)
    except Refused as exc:
        print(f"dicom_ocr: {exc}", file=sys.stderr)
        return exc.exit_code
    except DicomOcrError as exc:     # a command-level failure (a per-file one is recorded, never raised here)
        print(f"dicom_ocr: {exc} [{exc.cause}]", file=sys.stderr)
        return exc.exit_code
    except DatabaseError as exc:     # not an SQLite file, a full disk: one line, the rows written so far are kept
        print(f"dicom_ocr: the audit DB in {getattr(args, 'db', '?')} cannot be used: {exc}", file=sys.stderr)
        return ExitCode.FILES_FAILED
    except BrokenPipeError:   # output piped into head & co.: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.FILES_FAILED
    finally:
        os.umask(umask)


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors on one line (``dicom_ocr scan: argument --jobs: ...``), exit status 2."""

    def error(self, message: str):
        self.exit(ExitCode.REFUSED, f"{self.prog}: {message} (see {self.prog} --help)\n")


def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def seconds_or_off(text: str) -> float | None:
    """An argparse type: a number of seconds above 0, or 0 for none (no limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:                      # NaN too
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more, not {text}")
    return value or None


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dicom_ocr", description="Find text burned into DICOM pixel data and overlays.")
    parser.add_argument("--version", action="version", version=f"dicom_ocr {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for DEBUG, which may show recognised text: PHI)")
    commands = parser.add_subparsers(title="commands")
    _add_frames(commands)
    _add_scan(commands)
    _add_status(commands)
    _add_report(commands)
    _add_redact(commands)
    _add_rules(commands)
    for command in commands.choices.values():
        command.add_argument("--group-readable", action="store_true",
                             help="let the group read the files and folders this command creates (PHI); by default "
                                  "they are owner-only (0600 files, 0700 folders) whatever the umask")
    return parser


def _add_paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="DICOM file, directory (recursive), CSV list (column DicomFilePath or filename), or - for "
                             "a list of paths on stdin")


def _add_frames(commands) -> None:
    frames = commands.add_parser(
        "frames", help="list the planes (image frames and overlay frames) of DICOM files, optionally as PNGs",
        description="List each file's planes: frame, overlay (-1 = image pixels, n = group 0x6000+2n), size, kind, "
                    "colour and whether the plane is blank. Errors go to stderr, one line per file naming the cause; "
                    "the command goes on to the next file and exits with status 1 if any file failed (files that "
                    "are not DICOM, zip archives included, are skipped, not failed).")
    _add_paths_argument(frames)
    frames.add_argument("--png", metavar="DIR", type=Path,
                        help="write each plane as DIR/<file stem>_f<frame>_o<overlay>.png, the frame zero-padded "
                             "(f0000) so names sort in frame order")
    frames.add_argument("--json", action="store_true", help="one JSON object per file on stdout (JSON Lines)")
    frames.set_defaults(run=run_frames)


def _add_file_timeout(command, work: str) -> None:
    from .time_limit import FILE_TIMEOUT_S
    command.add_argument("--file-timeout", type=seconds_or_off, default=FILE_TIMEOUT_S, metavar="SECONDS",
                         help=f"record {work} still not finished after SECONDS as failed (timeout) and go on; a later "
                              f"run retries it; a native call runs to its end first. 0: no limit (default "
                              f"{FILE_TIMEOUT_S:.0f})")


def _add_scan(commands) -> None:
    from .batch import DASK_CONNECT_TIMEOUT_S
    from .detection.variants import VARIANT_NAMES
    from .documents import FormsMode
    from .engines import engine_names
    from .triage import POLICIES as TRIAGE_POLICIES

    scan = commands.add_parser(
        "scan", help="find burned-in text in DICOM files and record it in the reviewers' audit DB",
        description="OCR every frame and overlay of each file and write one DicomRects row per text region (plus one "
                    "summary row per plane) into DIR/dcmaudit.sqlite.db, the database dcmaudit opens. Resumable: "
                    "each finished file is recorded (table dicom_ocr_files); after a crash or a kill, run the same "
                    "command again and it scans only the rest. One bad file never stops the run: it gets one line "
                    "naming its cause. Files that are not DICOM (zip archives included: they are not read) are "
                    "recorded as skipped; the exit status is 1 if any file failed in this run (with --strict, also "
                    "if one was not DICOM), 2 for unusable options or paths (nothing is created then), 130 if "
                    "interrupted. OCR text is PHI: the DB and exports hold it.")
    _add_paths_argument(scan)
    _add_db_argument(scan)
    scan.add_argument("--ocr", metavar="SPEC", default=None,
                      help="engines and preprocessing variants, e.g. 'rapidocr:plain+x2,tesseract:top' (each variant "
                           "read whole) or 'rapidocr:lines' (lines detected on the plane and an enlarged copy, each "
                           f"recognised once; rapidocr only); default: {_default_ocr()}; engines: "
                           f"{', '.join(engine_names())}; variants: {', '.join(VARIANT_NAMES)}")
    _add_engine_options(scan)
    scan.add_argument("--rules", metavar="FILE", nargs="+", action="extend", default=[],
                      help="extra region rule files, deid recipes or RSNA CTP scripts (on top of the built-in ones)")
    scan.add_argument("--no-default-rules", action="store_true",
                      help="do not use deid's model-specific recipe (deid.dicom)")
    scan.add_argument("--ultrasound-recipe", action="store_true",
                      help="also apply deid's ultrasound recipe (deid.dicom.ultrasound): on Modality US, everything "
                           "outside SequenceOfUltrasoundRegions as a rule region, the whole image when none is declared "
                           "(a redaction policy: see redact --policy outside-ultrasound-regions)")
    scan.add_argument("--ultrasound-regions", action="store_true",
                      help="also record the area outside SequenceOfUltrasoundRegions (ocrengine 4)")
    scan.add_argument("--forms", choices=[mode.value for mode in FormsMode], default=FormsMode.INK.value,
                      help="on a document plane (a scanned page: light paper, dark ink; Modality OT/SC/DOC or "
                           "ConversionType SD): ink = also a PHI region around each group of ink no OCR region "
                           "covers (signatures, stamps, handwriting; ocrengine 53), whole = the whole page as one PHI "
                           "region (dcmaudit's scanned form, ocrengine 5), off = OCR regions only (default ink)")
    scan.add_argument("--no-learned", action="store_true",
                      help="do not suggest rectangles reviewers marked on files of the same signature")
    scan.add_argument("--triage", choices=TRIAGE_POLICIES, default=None,
                      help="header: do not read files whose header makes burned-in text unlikely (CT, MR, PT or NM, "
                           "ImageType ORIGINAL\\PRIMARY, BurnedInAnnotation not YES, no secondary capture or report "
                           "marker; see README, 'Header triage'); they are recorded as not read (header-triage), not "
                           "failed, and a later scan without --triage reads them (default: off, every file is read)")
    _add_file_timeout(scan, "a file")
    scan.add_argument("--rescan", action="store_true", help="scan files again even if already done")
    scan.add_argument("-j", "--jobs", type=positive_int, default=usable_cores(), metavar="N",
                      help="local worker processes, each running its engines on one thread (default: one per core, "
                           f"{usable_cores()} here, which scans faster than one process using every core)")
    scan.add_argument("--strict", action="store_true",
                      help="count files that are not DICOM as failures (exit status 1), not as skipped; files a "
                           "run recorded as not DICOM are read again")
    scan.add_argument("--dask", metavar="ADDRESS",
                      help="scan on the dask.distributed scheduler at ADDRESS (e.g. tcp://host:8786): its workers OCR, "
                           "this process writes the DB; workers must see the files at the same paths. A scheduler "
                           f"that does not answer within {DASK_CONNECT_TIMEOUT_S:.0f} s stops the command before the "
                           "DB is created")
    scan.add_argument("--csv", metavar="FILE", type=Path,
                      help="also append the rows to FILE in the original dicom_ocr CSV columns")
    scan.add_argument("--jsonl", metavar="FILE", type=Path, help="also append the rows to FILE as JSON Lines")
    scan.add_argument("--relative-paths", action="store_true",
                      help="store paths as given instead of absolute paths")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress and no final summary (errors only)")
    scan.add_argument("--log-every", metavar="SECONDS", type=float, default=30.0,
                      help="when stderr is not a terminal, one progress line every SECONDS (default 30)")
    scan.set_defaults(run=run_scan)


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine-option", metavar="NAME.KEY=VALUE", action="append", default=[],
                        help="an option of one engine (repeatable), e.g. rapidocr.backend=onnxruntime (auto, openvino, "
                             "onnxruntime), rapidocr.device=cuda (needs onnxruntime-gpu and a GPU), tesseract.psm=11, "
                             "easyocr.gpu=true; the options are the engine class's (README, 'Engines')")
    for flag, key in (("--backend", "backend"), ("--device", "device")):     # before --engine-option: kept working
        parser.add_argument(flag, dest="engine_option", metavar=key.upper(), action=_LegacyEngineOption,
                            help=argparse.SUPPRESS)


class _LegacyEngineOption(argparse.Action):
    """``--backend X`` / ``--device X``, the RapidOCR flags before ``--engine-option``: still taken, with a warning."""

    def __call__(self, parser, namespace, value, option_string=None) -> None:
        key = option_string.lstrip("-")
        print(f"dicom_ocr: {option_string} is deprecated; use --engine-option rapidocr.{key}={value}", file=sys.stderr)
        getattr(namespace, self.dest).append(f"rapidocr.{key}={value}")


def _engine_options(args: argparse.Namespace) -> dict[str, dict]:
    """The ``--engine-option`` values by engine (Refused when one names an unknown engine or option)."""
    from .engines.options import parse_engine_options

    try:
        return parse_engine_options(args.engine_option)
    except ValueError as exc:
        raise Refused(f"--engine-option: {exc}") from None


def _add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="DIR", type=Path, required=True, help="directory of dcmaudit.sqlite.db")


def _require_audit_db(directory: Path) -> None:
    """Refuse a command that reads the audit DB when ``directory`` does not hold one."""
    from .store import DB_NAME

    if not (directory / DB_NAME).is_file():
        raise Refused(f"no {DB_NAME} in {directory}")


def _add_status(commands) -> None:
    status = commands.add_parser(
        "status", help="summarise what scans recorded in an audit DB",
        description="From DIR/dcmaudit.sqlite.db, each figure labelled: files recorded, done (with text, with PHI, "
                    "technical text only, no text read), not DICOM (skipped), not read (header triage), failed by "
                    "cause, planes read; worker time in all and per file on average; the rate of one worker (files "
                    "over worker time) and the rate over the wall time from the first file's start to the last one's "
                    "finish; the redacted copies (by policy, verified, failing verification, failed).")
    _add_db_argument(status)
    status.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    status.set_defaults(run=run_status)


def _add_report(commands) -> None:
    from .reports import TRIAGE_ORDER

    report = commands.add_parser(
        "report", help="write an HTML spot-check report of what a scan recorded (contains PHI)",
        description="A spot-check report: overview charts (triage classes, modalities, scanner models, failures, planes, "
                    "time per file), then each file once: one picture per group of frames with the same regions (red "
                    "PHI, green not PHI, blue rule regions; click for full size) and the regions' text, verdict and "
                    "reason. --sample N draws N files at random, stratified by triage class and scanner signature; "
                    "otherwise the first --limit files in triage order (PHI text, technical text only, failed, no "
                    "text, not read by header triage, not DICOM). It shows OCR text and images: it contains PHI.")
    _add_db_argument(report)
    report.add_argument("--out", metavar="PATH", type=Path, required=True,
                        help="FILE.html for one self-contained page, or a folder name (no .html; new, empty or an "
                             "earlier report's) for index.html with the pictures in images/")
    report.add_argument("--sample", type=positive_int, metavar="N", help="a stratified random sample of N files")
    report.add_argument("--seed", type=int, default=0, help="random seed of --sample (default 0)")
    report.add_argument("--limit", type=positive_int, default=200, metavar="N",
                        help="without --sample: the first N files in triage order (default 200)")
    report.add_argument("--only", choices=TRIAGE_ORDER, action="append",
                        help="only files of this triage class (repeatable; default all)")
    report.add_argument("--no-images", dest="images", action="store_false",
                        help="tables only, without reading the DICOM files' pixels again")
    report.set_defaults(run=run_report)


def _add_redact(commands) -> None:
    from .redaction import REFILL_ROUNDS, Policy

    redact = commands.add_parser(
        "redact", help="write redacted copies of the files a scan recorded (pixels only: the header is not "
                       "de-identified)",
        description="Copy each file the scan in DIR finished with the rectangles its policy names filled in the pixel "
                    "data and 60xx overlays. Policies: all-text (default: every text region found, every rule region, "
                    "every rect reviewers drew in dcmaudit), keep-technical (text judged not PHI stays readable), "
                    "outside-ultrasound-regions (all-text plus everything outside the declared "
                    "SequenceOfUltrasoundRegions, by deid's ultrasound recipe). A copy keeps its transfer syntax when "
                    "it is uncompressed, deflated, RLE, JPEG-LS lossless or JPEG 2000 lossless, else it is written "
                    "JPEG-LS lossless (RLE when overlays live in its high bits); lossy input is never recompressed "
                    "lossily. Copies get BurnedInAnnotation NO (not under keep-technical), (113101, DCM, Clean Pixel "
                    "Data Option) in DeidentificationMethodCodeSequence and a new SOP Instance UID; THE HEADER STILL "
                    "HOLDS THE PATIENT'S NAME AND EVERY OTHER VALUE: de-identify it separately, or with --deid-header. "
                    "Each copy is recorded in table dicom_ocr_redactions; the command is resumable. Inputs are never "
                    "modified. Exit status 1 if a file failed or a copy failed verification.")
    _add_db_argument(redact)
    redact.add_argument("--out", metavar="OUTDIR", type=Path, required=True,
                        help="where the copies go, at their path below --root (or their absolute path)")
    redact.add_argument("--root", metavar="ROOT", type=Path,
                        help="the directory the scanned paths are below, compared as stored (symlinks not resolved)")
    redact.add_argument("--policy", choices=[p.value for p in Policy], default=Policy.ALL_TEXT.value,
                        help="what is filled (default all-text)")
    redact.add_argument("--keep-technical", dest="policy", action="store_const", const=Policy.KEEP_TECHNICAL.value,
                        help="same as --policy keep-technical")
    redact.add_argument("--deid-header", action="store_true",
                        help="also de-identify the header with the deid package's default recipe (deid.dicom)")
    redact.add_argument("--verify", action="store_true",
                        help="read every copy again with the scan's OCR engines and PHI verdicts; where text judged "
                             "PHI is found, what the policy fills of what was found is filled too and the copy read "
                             "again (up to 2 more rounds); a copy with text judged PHI still left fails verification "
                             "(recorded, exit status 1; the copy stays, to be looked at: release only verified copies)")
    redact.add_argument("--no-refill", dest="refill_rounds", action="store_const", const=0,
                        default=REFILL_ROUNDS, help="with --verify: only check, fill nothing the copy shows")
    _add_engine_options(redact)
    _add_file_timeout(redact, "a copy (made and verified)")
    redact.add_argument("-j", "--jobs", type=positive_int, default=usable_cores(), metavar="N",
                        help="local worker processes making (and verifying) copies, each running its engines on one "
                             f"thread (default: one per core, {usable_cores()} here)")
    redact.add_argument("-q", "--quiet", action="store_true",
                        help="no progress and no final summary (errors only)")
    redact.add_argument("--log-every", metavar="SECONDS", type=float, default=30.0,
                        help="when stderr is not a terminal, one progress line every SECONDS (default 30)")
    redact.set_defaults(run=run_redact)


def _default_ocr() -> str:
    from .detection import DEFAULT_SPEC
    return DEFAULT_SPEC


def run_scan(args: argparse.Namespace) -> int:
    _check_scan_arguments(args)
    options = _scan_options(args)
    logging.getLogger("dicom_ocr").setLevel(logging.ERROR if args.quiet else logging.NOTSET)
    progress = Progress.for_stream(sys.stderr, quiet=args.quiet, interval=args.log_every)
    try:
        with progress.keeping_log_lines_apart():
            stats = _scan_with_progress(args, options, progress)
    except KeyboardInterrupt:
        progress.close()
        print("dicom_ocr: interrupted; run the same command again to scan the rest", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BaseException:
        progress.close()     # end the bar's line before main() prints the error
        raise
    progress.close()
    if not args.quiet:
        _print_run_summary(stats, time.monotonic() - progress.started, args.db)
    return ExitCode.FILES_FAILED if stats.failed or (args.strict and stats.not_dicom) else ExitCode.OK


def _check_paths(paths: list[str]) -> None:
    """Refuse PATH arguments that name nothing, or CSV lists without a path column."""
    from .inputs import InputError, check_input_arguments

    try:
        check_input_arguments(paths)
    except (InputError, OSError) as exc:
        raise Refused(str(exc)) from None


def _check_scan_arguments(args: argparse.Namespace) -> None:
    """Refuse paths or output options that cannot be used, before anything is created."""
    _check_paths(args.paths)
    for option, path in (("--csv", args.csv), ("--jsonl", args.jsonl)):
        _check_output_file(option, path)
    _check_output_dir("--db", args.db)


def _scan_options(args: argparse.Namespace) -> ScanOptions:
    """The API's options for these arguments, with the OCR spec, rules and engines (or the Dask scheduler) checked
    (Refused if not)."""
    from .api import ScanOptions
    from .documents import FormsMode
    from .errors import EngineUnavailableError
    from .rules import RecipeError

    options = ScanOptions.of(_engine_options(args), rules=args.rules, forms=FormsMode(args.forms),
                             ocr=args.ocr or ScanOptions.ocr, default_rules=not args.no_default_rules,
                             ultrasound_regions=args.ultrasound_regions, ultrasound_recipe=args.ultrasound_recipe,
                             learned=not args.no_learned, absolute_paths=not args.relative_paths, triage=args.triage,
                             file_timeout=args.file_timeout)
    try:
        settings = options.settings(single_threaded=args.jobs > 1 or bool(args.dask))
        if not args.dask:
            settings.check_engines()  # fail early, with a clear message, when an engine cannot run here
    except (EngineUnavailableError, RecipeError, OSError, ValueError) as exc:
        raise Refused(str(exc)) from None
    if args.dask:
        _check_dask(args.dask)
    return options


def _check_dask(address: str) -> None:
    from .batch import check_dask_scheduler

    if importlib.util.find_spec("distributed") is None:
        raise Refused("--dask needs the 'distributed' package (pip install distributed)")
    try:
        check_dask_scheduler(address)
    except (OSError, ValueError, TypeError) as exc:
        raise Refused(f"--dask {address}: no scheduler answers there ({exc})") from None


def _check_output_file(option: str, path: Path | None) -> None:
    """Refuse a file to write that is a directory or whose folder is missing."""
    if path is None:
        return
    if path.is_dir():
        raise Refused(f"{option} {path}: is a directory; give a file name")
    if not path.parent.is_dir():
        raise Refused(f"{option} {path}: folder {path.parent} does not exist")


def _check_output_dir(option: str, path: Path | None) -> None:
    """Refuse a directory to write into that exists as something else."""
    if path is not None and path.exists() and not path.is_dir():
        raise Refused(f"{option} {path}: exists and is not a directory")


def _scan_with_progress(args: argparse.Namespace, options: ScanOptions, progress: Progress) -> RunStats:
    from .api import scan

    if progress.mode != "quiet":
        threading.Thread(target=_count_inputs, args=(args.paths, progress), daemon=True).start()
    return scan(args.paths, args.db, options, jobs=args.jobs, rescan=args.rescan, strict=args.strict, dask=args.dask,
                csv=args.csv, jsonl=args.jsonl, log_level=logging.getLogger("dicom_ocr").getEffectiveLevel(),
                on_result=lambda result: progress.update(result.state == "error", result.planes_read),
                on_skip=progress.skip, group_readable=args.group_readable)


def _count_inputs(paths: list[str], progress: Progress) -> None:
    """Count the inputs beside the scan so the progress can show a total and an ETA."""
    try:
        total = count_input_files(paths)
    except (OSError, ValueError):
        return
    if total is not None:
        progress.set_total(total)


def _print_run_summary(stats: RunStats, elapsed: float, db_dir: Path) -> None:
    """The run in one line, then one line per failure cause (each file's own line came as it failed)."""
    rate = f"{stats.scanned / elapsed:.2f} files/s, {stats.planes / elapsed:.2f} planes/s" if elapsed > 0 else ""
    print(f"dicom_ocr scan: {stats.scanned} files scanned in {tqdm.format_interval(elapsed)} ({rate}), "
          f"{stats.already_done} already done, {stats.with_regions} with text regions, {stats.with_phi} with PHI, "
          + (f"{stats.not_read} not read (header triage), " if stats.not_read else "")
          + f"{stats.not_dicom} not DICOM (skipped), {stats.failed} failed", file=sys.stderr)
    for cause, n in stats.failed_by_cause.most_common():
        print(f"  failed, {cause}: {n}", file=sys.stderr)
    if stats.failed:
        print(f"  the failed files: dicom_ocr status --db {db_dir}, or table dicom_ocr_files", file=sys.stderr)


def _add_rules(commands) -> None:
    rules = commands.add_parser("rules", help="work with region rules (deid recipes)")
    actions = rules.add_subparsers(title="actions")
    export = actions.add_parser(
        "export", help="write the rectangles reviewers kept as a deid recipe",
        description="Write the rectangles of files reviewers marked done in dcmaudit as a deid recipe, one LABEL per "
                    "scanner signature (Modality, ImageType, Rows, Columns, ManufacturerModelName); image-pixel "
                    "rectangles only, applied to every frame. Read it back with `dicom_ocr scan --rules FILE`.")
    _add_db_argument(export)
    export.add_argument("-o", "--output", metavar="FILE", type=Path, default=Path("reviewed.dicom"),
                        help="recipe file to write (default: reviewed.dicom)")
    export.set_defaults(run=run_rules_export)


def run_rules_export(args: argparse.Namespace) -> int:
    from .rules.export import export_recipe
    from .store import AuditDB

    _require_audit_db(args.db)
    _check_output_file("-o", args.output)
    with AuditDB(args.db) as db:
        labels = export_recipe(db, args.output)
    print(f"{args.output}: {labels} scanner signature(s)")
    return ExitCode.OK


def run_report(args: argparse.Namespace) -> int:
    from .api import report
    from .reports import TRIAGE_ORDER, ReportOutputError

    _require_audit_db(args.db)
    try:
        summary = report(args.db, args.out, sample=args.sample, seed=args.seed, limit=args.limit,
                         only=args.only or TRIAGE_ORDER, images=args.images, group_readable=args.group_readable)
    except (ReportOutputError, OSError) as exc:
        raise Refused(str(exc)) from None
    shown = ", ".join(f"{n} {kind}" for kind, n in summary.shown.items() if n)
    how = "not in the sample" if args.sample is not None else "left out by --limit"
    print(f"dicom_ocr report: {summary.index} ({shown or 'no files'}; {summary.left_out} {how}). "
          "It contains PHI.", file=sys.stderr)
    return ExitCode.OK


def run_redact(args: argparse.Namespace) -> int:
    from .api import redact
    from .errors import EngineUnavailableError
    from .store import AuditDB

    _require_audit_db(args.db)
    _check_output_dir("--out", args.out)
    engine_options = _engine_options(args)
    with AuditDB(args.db) as db:
        records = list(db.files.records().values())
    try:
        copies = redact(args.db, args.out, root=args.root, policy=args.policy, deid_header=args.deid_header,
                        verify=args.verify, refill_rounds=args.refill_rounds, jobs=args.jobs,
                        engine_options=engine_options, group_readable=args.group_readable,
                        file_timeout=args.file_timeout)
    except (EngineUnavailableError, ValueError) as exc:
        raise Refused(f"--verify: {exc}") from None
    progress = Progress.for_stream(sys.stderr, quiet=args.quiet, interval=args.log_every,
                                   command="dicom_ocr redact", planes=False)
    progress.set_total(sum(r.state == "done" for r in records))
    counts: Counter[str] = Counter()
    try:
        with progress.keeping_log_lines_apart():
            for result in copies:
                _count_copy(result, counts, progress)
    finally:
        progress.close()
    if not args.quiet:
        _print_redact_summary(args, counts, records, args.verify)
    return ExitCode.FILES_FAILED if counts["failed"] or counts["unverified"] else ExitCode.OK


def _count_copy(result: Redacted, counts: Counter, progress: Progress) -> None:
    """Count one redaction outcome, report its failure (one line) and move the progress on."""
    record = result.record
    if result.error is not None:
        counts["failed"] += 1
        progress.message(f"dicom_ocr: {result.error} [{result.error.cause}]")
    elif result.skipped:
        counts["skipped"] += 1
        progress.skip(1)
        return
    else:
        counts["copies"] += 1
        counts["boxes"] += record.boxes
        counts["refilled"] += bool(record.refilled)
        if record.verified is False:
            counts["unverified"] += 1
            progress.message(f"dicom_ocr: {record.filename}: {record.phi_left} region(s) judged PHI left in "
                             f"{record.target} [verification-failed]")
    progress.update(result.error is not None, 0)


def _print_redact_summary(args: argparse.Namespace, counts: Counter, records: list[FileRecord], verifying: bool) -> None:
    not_copied = Counter(r.state for r in records if r.state != "done")
    print(f"dicom_ocr redact: {counts['copies']} copies in {args.out} ({args.policy}), {counts['boxes']} boxes "
          f"filled, {counts['skipped']} already done, {counts['failed']} failed"
          + (f", {counts['unverified']} failed verification" if verifying else "")
          + (f", {counts['refilled']} with text the scan missed filled after verification" if counts["refilled"] else "")
          + (f", {not_copied['error']} not copied because their scan failed" if not_copied["error"] else "")
          + (f", {not_copied['not-read']} not copied because header triage left them unread"
             if not_copied["not-read"] else "")
          + (f", {not_copied['skipped']} not DICOM" if not_copied["skipped"] else ""), file=sys.stderr)


def run_status(args: argparse.Namespace) -> int:
    from .api import status

    _require_audit_db(args.db)
    summary = status(args.db)
    print(json.dumps(summary) if args.json else _status_text(summary))
    return ExitCode.OK


def _status_text(s: dict) -> str:
    """The summary in labelled lines: counts, then totals and per-file means of worker time, then rates."""
    def num(value, fmt: str = ".1f") -> str:
        return "-" if value is None else format(value, fmt)

    def causes(by_cause: dict[str, int]) -> list[str]:
        return [f"  {cause + ':':<22} {n}" for cause, n in by_cause.items()]

    lines = [f"files recorded:          {s['files']}",
             f"done:                    {s['done']}",
             f"  with text:             {s['with_text']}",
             f"  with PHI:              {s['with_phi']}",
             f"  technical text only:   {s['technical_only']}",
             f"  no text read:          {s['no_text']}",
             f"not DICOM (skipped):     {s['skipped']}", *causes(s["skipped_by_cause"]),
             f"not read (header triage): {s['not_read']}",
             f"failed:                  {s['failed']}", *causes(s["failed_by_cause"]),
             f"planes read (done files): {s['planes']}",
             f"  enlarged copy skipped: {s['planes_enlarged_copy_skipped']} (no sign of small text; table "
             "dicom_ocr_planes says which)",
             f"worker time, all files:  {num(s['seconds_total'])} s (OCR {num(s['seconds_ocr'])} s, decoding and the "
             f"rest {num(s['seconds_decode'])} s)",
             f"worker time per file:    {num(s['seconds_per_file'], '.3f')} s on average (OCR "
             f"{num(s['seconds_ocr_per_file'], '.3f')} s, decoding and the rest "
             f"{num(s['seconds_decode_per_file'], '.3f')} s)",
             f"rate of one worker:      {num(s['files_per_hour'], '.0f')} files/hour (files over worker time)",
             f"rate over the wall time: {num(s['wall_files_per_hour'], '.0f')} files/hour "
             f"({num(s['wall_seconds'])} s from the first file's start, {s['first_started']}, to the last one's "
             f"finish, {s['last_finished']}; pauses between runs included)",
             f"redacted copies:         {s['copies']} ({_counts(s['copies_by_policy'])}), {s['copies_verified']} "
             f"verified, {s['copies_failing_verification']} failing verification, {s['copies_failed']} failed"]
    return "\n".join(lines)


def _counts(counts: dict) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "none"


def run_frames(args: argparse.Namespace) -> int:
    from .api import describe_planes

    _check_paths(args.paths)
    _check_output_dir("--png", args.png)
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    if not args.json:
        print(f"{'':2}{'frame':>6} {'overlay':>7} {'columns':>7} x {'rows':<5} {'kind':<11} {'colour':<6} blank")
    for path in iter_input_files(args.paths):
        planes, error = describe_planes(path, args.png, group_readable=args.group_readable)
        counts.update(files=1, planes=len(planes), pngs=sum(1 for p in planes if "png" in p))
        if args.json:
            print(json.dumps({"path": path, "planes": planes, "error": error}), flush=True)
        elif planes or not error:      # a file that gave no plane is named once, by its error line on stderr
            _print_file(path, planes)
        if error:
            counts["not_dicom" if error["cause"] == NotDicomError.cause else "failed"] += 1
            print(f"dicom_ocr: {path}: {error['message']} [{error['cause']}]", file=sys.stderr)
    print(f"dicom_ocr frames: {counts['files']} files, {counts['planes']} planes, {counts['not_dicom']} not DICOM "
          f"(skipped), {counts['failed']} failed" + (f"; {counts['pngs']} PNGs written to {args.png}" if args.png else ""),
          file=sys.stderr)
    return ExitCode.FILES_FAILED if counts["failed"] else ExitCode.OK


def _print_file(path: str, planes: list[dict]) -> None:
    """The file's path, then one line per plane under the column heads."""
    print(path)
    for p in planes:
        print(f"{'':2}{p['frame']:>6} {p['overlay']:>7} {p['columns']:>7} x {p['rows']:<5} {p['kind']:<11} "
              f"{'colour' if p['colour'] else 'grey':<6} {'yes' if p['blank'] else 'no'}")
