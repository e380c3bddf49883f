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
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__, logs
from .errors import DicomOcrError
from .inputs import count_input_files, iter_input_files
from .planes import Plane, iter_planes
from .pngs import plane_png_name, write_png
from .progress import Progress, format_duration

if TYPE_CHECKING:
    from .batch import RunStats, ScanSettings

log = logging.getLogger("dicom_ocr")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except BrokenPipeError:   # output piped into head & co.: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dicom_ocr",
                                     description="Find text burned into DICOM pixel data and overlays.")
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
    return parser


def _add_paths_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="DICOM file, directory (recursive), CSV list (column DicomFilePath or filename), or - for "
                             "a list of paths on stdin")


def _add_frames(commands) -> None:
    frames = commands.add_parser(
        "frames", help="list the planes (image frames and overlay frames) of DICOM files, optionally as PNGs",
        description="List each file's planes: frame, overlay (-1 = image pixels, n = group 0x6000+2n), size, kind and "
                    "whether the plane is blank. Errors are reported per file; the command goes on to the next file "
                    "and exits with status 1 if any file failed.")
    _add_paths_argument(frames)
    frames.add_argument("--png", metavar="DIR", type=Path,
                        help="write each plane as DIR/<file stem>_f<frame>_o<overlay>.png")
    frames.add_argument("--json", action="store_true", help="one JSON object per file on stdout (JSON Lines)")
    frames.set_defaults(run=run_frames)


def _add_scan(commands) -> None:
    scan = commands.add_parser(
        "scan", help="find burned-in text in DICOM files and record it in the reviewers' audit DB",
        description="OCR every frame and overlay of each file and write one DicomRects row per text region (plus one "
                    "summary row per plane) into DIR/dcmaudit.sqlite.db, the database dcmaudit opens. Resumable: "
                    "each finished file is recorded (table dicom_ocr_files); after a crash or a kill, run the same "
                    "command again and it scans only the rest. One bad file never stops the run; the exit status is 1 "
                    "if any file failed in this run, 130 if interrupted. OCR text is PHI: the DB and exports hold it.")
    _add_paths_argument(scan)
    _add_db_argument(scan)
    scan.add_argument("--ocr", metavar="SPEC", default=None,
                      help="engines and preprocessing variants, e.g. 'rapidocr:plain+top,tesseract:top' "
                           f"(default: {_default_ocr()}); engines: rapidocr, tesseract, easyocr")
    scan.add_argument("--rules", metavar="FILE", nargs="+", action="extend", default=[],
                      help="extra region rule files, deid recipes or RSNA CTP scripts (on top of the built-in ones)")
    scan.add_argument("--no-default-rules", action="store_true",
                      help="do not use the recipes shipped with deid (deid.dicom and deid.dicom.ultrasound)")
    scan.add_argument("--ultrasound-regions", action="store_true",
                      help="also record the area outside SequenceOfUltrasoundRegions (ocrengine 4); the default deid "
                           "ultrasound recipe already names it as a rule region")
    scan.add_argument("--no-learned", action="store_true",
                      help="do not suggest rectangles reviewers marked on files of the same signature")
    scan.add_argument("--rescan", action="store_true", help="scan files again even if already done")
    scan.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="local worker processes (default 1)")
    scan.add_argument("--dask", metavar="ADDRESS",
                      help="scan on the dask.distributed scheduler at ADDRESS (e.g. tcp://host:8786): its workers OCR, "
                           "this process writes the DB; workers must see the files at the same paths")
    scan.add_argument("--csv", metavar="FILE", type=Path,
                      help="also append the rows to FILE in the original dicom_ocr CSV columns")
    scan.add_argument("--jsonl", metavar="FILE", type=Path, help="also append the rows to FILE as JSON Lines")
    scan.add_argument("--relative-paths", action="store_true",
                      help="store paths as given instead of absolute paths")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress and no final summary (errors only)")
    scan.add_argument("--log-every", metavar="SECONDS", type=float, default=30.0,
                      help="when stderr is not a terminal, one progress line every SECONDS (default 30)")
    scan.set_defaults(run=run_scan)


def _add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="DIR", type=Path, required=True, help="directory of dcmaudit.sqlite.db")


def _audit_db_exists(directory: Path) -> bool:
    """Whether ``directory`` holds the audit DB; says on stderr when it does not."""
    from .auditdb import DB_NAME

    if (directory / DB_NAME).is_file():
        return True
    print(f"dicom_ocr: no {DB_NAME} in {directory}", file=sys.stderr)
    return False


def _add_status(commands) -> None:
    status = commands.add_parser(
        "status", help="summarise what scans recorded in an audit DB",
        description="Files done, with text, with PHI, with technical text only, with no text read, failed (by cause), "
                    "and throughput, from DIR/dcmaudit.sqlite.db.")
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
                    "text). It shows OCR text and images: it contains PHI.")
    _add_db_argument(report)
    report.add_argument("--out", metavar="PATH", type=Path, required=True,
                        help="FILE.html for one self-contained page, or a folder name (no .html; new, empty or an "
                             "earlier report's) for index.html with the pictures in images/")
    report.add_argument("--sample", type=int, metavar="N", help="a stratified random sample of N files")
    report.add_argument("--seed", type=int, default=0, help="random seed of --sample (default 0)")
    report.add_argument("--limit", type=int, default=200, metavar="N",
                        help="without --sample: the first N files in triage order (default 200)")
    report.add_argument("--only", choices=TRIAGE_ORDER, action="append",
                        help="only files of this triage class (repeatable; default all)")
    report.add_argument("--no-images", dest="images", action="store_false",
                        help="tables only, without reading the DICOM files' pixels again")
    report.set_defaults(run=run_report)


def _add_redact(commands) -> None:
    redact = commands.add_parser(
        "redact", help="write redacted copies of the files a scan recorded",
        description="Copy each file the scan in DIR finished, with its rectangles in DicomRects (ours, rule regions and "
                    "those reviewers drew in dcmaudit; not those judged not PHI unless --all-text) filled in the pixel "
                    "data and 60xx overlays. Copies are uncompressed Explicit VR Little Endian with a new SOP Instance "
                    "UID; inputs are never modified. A file that fails is reported and the others go on (exit 1).")
    _add_db_argument(redact)
    redact.add_argument("--out", metavar="OUTDIR", type=Path, required=True,
                        help="where the copies go, at their path below --root (or their absolute path)")
    redact.add_argument("--root", metavar="ROOT", type=Path, help="the directory the scanned paths are relative to")
    redact.add_argument("--all-text", action="store_true", help="also fill text judged not PHI")
    redact.set_defaults(run=run_redact)


def _default_ocr() -> str:
    from .detect import DEFAULT_PASSES
    return ",".join(f"{p.engine}:{'+'.join(p.variants)}" for p in DEFAULT_PASSES)


def run_scan(args: argparse.Namespace) -> int:
    from .batch import ScanSettings
    from .detect import DEFAULT_PASSES, Detector, parse_passes
    from .errors import EngineUnavailableError
    from .rules import RecipeError
    from .rules.sources import build_sources

    try:
        settings = ScanSettings(parse_passes(args.ocr) if args.ocr else DEFAULT_PASSES,
                                absolute_paths=not args.relative_paths,
                                sources=tuple(build_sources(args.rules, default_rules=not args.no_default_rules,
                                                            ultrasound=args.ultrasound_regions)),
                                single_threaded=args.jobs > 1 or bool(args.dask))
        if not args.dask:
            Detector(settings.passes)  # fail early, with a clear message, when an engine cannot run here
    except (EngineUnavailableError, RecipeError, OSError, ValueError) as exc:
        print(f"dicom_ocr: {exc}", file=sys.stderr)
        return 2
    if args.dask and importlib.util.find_spec("distributed") is None:
        print("dicom_ocr: --dask needs the 'distributed' package (pip install distributed)", file=sys.stderr)
        return 2
    logging.getLogger("dicom_ocr").setLevel(logging.ERROR if args.quiet else logging.NOTSET)
    progress = Progress.for_stream(sys.stderr, quiet=args.quiet, interval=args.log_every)
    try:
        stats = _scan_with_progress(args, settings, progress)
    except KeyboardInterrupt:
        progress.close()
        print("dicom_ocr: interrupted; run the same command again to scan the rest", file=sys.stderr)
        return 130
    except ValueError as exc:       # an unusable input list (CSV without a path column)
        progress.close()
        print(f"dicom_ocr: {exc}", file=sys.stderr)
        return 2
    progress.close()
    if not args.quiet:
        _print_run_summary(stats, time.monotonic() - progress.started)
    return 1 if stats.failed else 0


def _scan_with_progress(args: argparse.Namespace, settings: ScanSettings, progress: Progress) -> RunStats:
    from .auditdb import AuditDB
    from .batch import run_scan as run_batch
    from .exports import CsvExporter, JsonlExporter
    from .learned import LearnedSource

    if progress.mode != "quiet":
        threading.Thread(target=_count_inputs, args=(args.paths, progress), daemon=True).start()
    level = logging.getLogger("dicom_ocr").getEffectiveLevel()
    with ExitStack() as stack:
        db = stack.enter_context(AuditDB(args.db))
        if not args.no_learned:
            learned = LearnedSource.from_db(db)
            if learned.rects:
                settings = replace(settings, sources=settings.sources + (learned,))
        exporters = []
        if args.csv:
            exporters.append(stack.enter_context(CsvExporter(args.csv)))
        if args.jsonl:
            exporters.append(stack.enter_context(JsonlExporter(args.jsonl)))
        return run_batch(db, iter_input_files(args.paths), settings, jobs=args.jobs, rescan=args.rescan,
                         dask=args.dask, exporters=exporters, log_level=level,
                         on_result=lambda o: progress.update(o.record.state == "error", o.record.n_planes),
                         on_skip=progress.skip)


def _count_inputs(paths: list[str], progress: Progress) -> None:
    """Count the inputs beside the scan so the progress can show a total and an ETA."""
    try:
        total = count_input_files(paths)
    except (OSError, ValueError):
        return
    if total is not None:
        progress.set_total(total)


def _print_run_summary(stats: RunStats, elapsed: float) -> None:
    rate = f"{stats.scanned / elapsed:.2f} files/s, {stats.planes / elapsed:.2f} planes/s" if elapsed > 0 else ""
    print(f"dicom_ocr scan: {stats.scanned} files scanned in {format_duration(elapsed)} ({rate}), "
          f"{stats.skipped} already done, {stats.with_regions} with text regions, {stats.with_phi} with PHI, "
          f"{stats.failed} failed", file=sys.stderr)
    for cause, n in stats.failed_by_cause.most_common():
        print(f"  {cause}: {n}", file=sys.stderr)
    for filename, cause, message in stats.failed_examples:
        print(f"  failed ({cause}): {filename}: {message}", file=sys.stderr)
    if stats.failed > len(stats.failed_examples):
        print(f"  ... see 'dicom_ocr status' and table dicom_ocr_files for all {stats.failed}", file=sys.stderr)


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
    from .auditdb import AuditDB
    from .rules.export import export_recipe

    if not _audit_db_exists(args.db):
        return 2
    with AuditDB(args.db) as db:
        labels = export_recipe(db, args.output)
    print(f"{args.output}: {labels} scanner signature(s)")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from .reports import TRIAGE_ORDER, ReportOutputError, write_report

    if not _audit_db_exists(args.db):
        return 2
    if args.sample is not None and args.sample < 1:
        print("dicom_ocr: --sample must be at least 1", file=sys.stderr)
        return 2
    try:
        summary = write_report(args.db, args.out, sample=args.sample, seed=args.seed, limit=args.limit,
                               only=args.only or TRIAGE_ORDER, images=args.images)
    except (ReportOutputError, OSError) as exc:
        print(f"dicom_ocr: {exc}", file=sys.stderr)
        return 2
    shown = ", ".join(f"{n} {kind}" for kind, n in summary.shown.items() if n)
    how = "not in the sample" if args.sample is not None else "left out by --limit"
    print(f"dicom_ocr report: {summary.index} ({shown or 'no files'}; {summary.left_out} {how}). "
          "It contains PHI.", file=sys.stderr)
    return 0


def run_redact(args: argparse.Namespace) -> int:
    from .auditdb import AuditDB
    from .redact import redact_scan

    if not _audit_db_exists(args.db):
        return 2
    with AuditDB(args.db) as db:
        records = db.file_records().values()
    done = [r.filename for r in records if r.state == "done"]
    copies = boxes = failed = 0
    for result in redact_scan(args.db, args.out, done, root=args.root, all_text=args.all_text):
        if result.error is None:
            copies, boxes = copies + 1, boxes + result.boxes
        else:
            failed += 1
            print(f"dicom_ocr: {result.error} [{result.error.cause}]", file=sys.stderr)
    skipped = len(records) - len(done)
    print(f"dicom_ocr redact: {copies} copies in {args.out}, {boxes} boxes filled, {failed} failed"
          + (f", {skipped} not copied because their scan failed" if skipped else ""), file=sys.stderr)
    return 1 if failed else 0


def run_status(args: argparse.Namespace) -> int:
    from .auditdb import AuditDB

    if not _audit_db_exists(args.db):
        return 2
    with AuditDB(args.db) as db:
        summary = db.summary()
        summary.update(_wall_throughput(db.file_records().values()))
    if args.json:
        print(json.dumps(summary))
    else:
        print(_status_text(summary))
    return 0


def _wall_throughput(records) -> dict:
    """Files per hour between the first and the last file finished (includes pauses between runs)."""
    stamps = sorted(r.finished_at for r in records if r.finished_at)
    if len(stamps) < 2:
        return {"first_finished": stamps[0] if stamps else None, "last_finished": stamps[-1] if stamps else None,
                "wall_files_per_hour": None}
    span = (datetime.fromisoformat(stamps[-1]) - datetime.fromisoformat(stamps[0])).total_seconds()
    return {"first_finished": stamps[0], "last_finished": stamps[-1],
            "wall_files_per_hour": 3600 * len(stamps) / span if span > 0 else None}


def _status_text(s: dict) -> str:
    def num(value, fmt: str = ".1f") -> str:
        return "-" if value is None else format(value, fmt)

    lines = [f"files recorded:  {s['files']}",
             f"done:            {s['done']}",
             f"  with text:     {s['with_text']}",
             f"  with PHI:      {s['with_phi']}",
             f"  technical only: {s['technical_only']}",
             f"  no text read:  {s['no_text']}",
             f"failed:          {s['failed']}"]
    lines += [f"  {cause + ':':<14} {n}" for cause, n in sorted(s["failed_by_cause"].items(), key=lambda kv: -kv[1])]
    lines += [f"planes:          {s['planes']}",
              f"time per file:   {num(s['seconds_per_file'], '.3f')} s "
              f"(OCR {num(s['seconds_ocr'])} s, decode and rest {num(s['seconds_decode'])} s in all)",
              f"throughput:      {num(s['files_per_hour'], '.0f')} files/hour per worker; "
              f"{num(s['wall_files_per_hour'], '.0f')} files/hour from {s['first_finished']} to {s['last_finished']}"]
    return "\n".join(lines)


def run_frames(args: argparse.Namespace) -> int:
    failed = 0
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)
    for path in iter_input_files(args.paths):
        planes, error = _describe_file(path, args.png)
        failed += error is not None
        if args.json:
            print(json.dumps({"path": path, "planes": planes, "error": error}), flush=True)
        else:
            _print_file(path, planes, error)
    return 1 if failed else 0


def _describe_file(path: str, png_dir: Path | None) -> tuple[list[dict], dict | None]:
    planes: list[dict] = []
    try:
        for plane in iter_planes(path):
            planes.append(_plane_summary(plane))
            if png_dir is not None:
                write_png(png_dir / plane_png_name(plane), plane.image)
    except DicomOcrError as exc:
        return planes, {"cause": exc.cause, "message": exc.message}
    return planes, None


def _plane_summary(plane: Plane) -> dict:
    return {"frame": plane.frame, "overlay": plane.overlay, "rows": plane.rows, "columns": plane.columns,
            "kind": plane.kind.value, "colour": plane.is_colour, "blank": plane.blank,
            "origin": list(plane.origin), "image_frame": plane.image_frame}


def _print_file(path: str, planes: list[dict], error: dict | None) -> None:
    print(path)
    for p in planes:
        print(f"  frame {p['frame']:>4}  overlay {p['overlay']:>2}  {p['columns']:>5} x {p['rows']:<5} "
              f"{p['kind']:<11} {'colour' if p['colour'] else 'grey':<6} {'blank' if p['blank'] else ''}".rstrip())
    if error:
        print(f"  error ({error['cause']}): {error['message']}")
        print(f"{path}: {error['message']}", file=sys.stderr)
