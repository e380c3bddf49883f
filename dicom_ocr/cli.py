"""The ``dicom_ocr`` command: a thin skin over the importable API."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import DicomOcrError
from .inputs import iter_input_files
from .planes import Plane, iter_planes
from .pngs import plane_png_name, write_png

log = logging.getLogger("dicom_ocr")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return args.run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dicom_ocr",
                                     description="Find text burned into DICOM pixel data and overlays.")
    parser.add_argument("--version", action="version", version=f"dicom_ocr {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for DEBUG, which may show recognised text: PHI)")
    commands = parser.add_subparsers(title="commands")
    _add_frames(commands)
    _add_scan(commands)
    return parser


def _add_frames(commands) -> None:
    frames = commands.add_parser(
        "frames", help="list the planes (image frames and overlay frames) of DICOM files, optionally as PNGs",
        description="List each file's planes: frame, overlay (-1 = image pixels, n = group 0x6000+2n), size, kind and "
                    "whether the plane is blank. Errors are reported per file; the command goes on to the next file "
                    "and exits with status 1 if any file failed.")
    frames.add_argument("paths", nargs="+", metavar="PATH",
                        help="DICOM file, directory (recursive), CSV list (column DicomFilePath or filename), or - for "
                             "a list of paths on stdin")
    frames.add_argument("--png", metavar="DIR", type=Path,
                        help="write each plane as DIR/<file stem>_f<frame>_o<overlay>.png")
    frames.add_argument("--json", action="store_true", help="one JSON object per file on stdout (JSON Lines)")
    frames.set_defaults(run=run_frames)


def _add_scan(commands) -> None:
    scan = commands.add_parser(
        "scan", help="find burned-in text in DICOM files and record it in the reviewers' audit DB",
        description="OCR every frame and overlay of each file and write one DicomRects row per text region (plus one "
                    "summary row per plane) into DIR/dcmaudit.sqlite.db, the database dcmaudit opens. Files already "
                    "done are skipped (resumable). OCR text is PHI: the DB holds it.")
    scan.add_argument("paths", nargs="+", metavar="PATH",
                      help="DICOM file, directory (recursive), CSV list (column DicomFilePath or filename), or - for "
                           "a list of paths on stdin")
    scan.add_argument("--db", metavar="DIR", type=Path, required=True, help="directory of dcmaudit.sqlite.db")
    scan.add_argument("--ocr", metavar="SPEC", default=None,
                      help="engines and preprocessing variants, e.g. 'rapidocr:plain+top,tesseract:top' "
                           f"(default: {_default_ocr()}); engines: rapidocr, tesseract, easyocr")
    scan.add_argument("--rescan", action="store_true", help="scan files again even if already done")
    scan.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="worker processes (default 1)")
    scan.add_argument("--relative-paths", action="store_true",
                      help="store paths as given instead of absolute paths")
    scan.set_defaults(run=run_scan)


def _default_ocr() -> str:
    from .detect import DEFAULT_PASSES
    return ",".join(f"{p.engine}:{'+'.join(p.variants)}" for p in DEFAULT_PASSES)


def run_scan(args: argparse.Namespace) -> int:
    from .auditdb import AuditDB
    from .batch import ScanSettings, run_scan as run_batch
    from .detect import DEFAULT_PASSES, Detector, parse_passes
    from .errors import EngineUnavailableError

    try:
        settings = ScanSettings(parse_passes(args.ocr) if args.ocr else DEFAULT_PASSES,
                                absolute_paths=not args.relative_paths)
        Detector(settings.passes)  # fail early, with a clear message, when an engine cannot run here
    except (EngineUnavailableError, ValueError) as exc:
        print(f"dicom_ocr: {exc}", file=sys.stderr)
        return 2
    with AuditDB(args.db) as db:
        failed = run_batch(db, iter_input_files(args.paths), settings, jobs=args.jobs, rescan=args.rescan)
    return 1 if failed else 0


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
