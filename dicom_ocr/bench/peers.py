"""peers: run the peer tools on a ground-truth set, as their users would, and score them like dicom_ocr.

    python -m dicom_ocr.bench peers --gt /tmp/synth/gt.json --root /tmp/synth [--peers presidio,deid] [--json]

Each peer runs in its own subprocess (``--worker PEER``, timed with ``/usr/bin/time -v`` for wall time and peak RSS,
imports and engine set-up included), writes its boxes as DicomRects rows of an audit DB (``AuditDB.rects.add_others``;
the DB is made before the timed run) and is scored by score.py per case, as ``score`` scores dicom_ocr.

Peers:
- presidio: ``DicomImageRedactorEngine.redact_and_return_bbox(ds)`` with its defaults (Tesseract, 25 px padding,
  header deny-list ``use_metadata=True``); boxes as ocrengine 1, nerpii 1, frame 0. Redaction of the pixels is skipped
  (only the boxes are scored). Presidio's NER needs a spaCy model; ``en_core_web_lg`` is used when installed, else a
  blank English pipeline, i.e. no NER: only its regex recognizers (dates, phones, e-mails, IDs...) and the header
  deny-list. Multi-frame files raise inside Presidio and are counted as failures (no boxes).
- deid: ``DicomCleaner().detect(path)`` with deid's default recipe (rules on header fields only, no OCR); the boxes
  are the area its ``clean()`` would blank (``coordinates`` minus later ``keepcoordinates``, exclusive max), as
  ocrengine 50 on every frame (frame -1). Files it flags without coordinates get no box; their share is reported as
  ``flagged``.

Install (benchmark only; not project requirements). presidio-image-redactor pulls in opencv-python, which replaces
the cv2 of opencv-python-headless, and python-gdcm, which pydicom then prefers over pylibjpeg; so install it in a
virtual environment that sees the project's packages:

    python -m venv --system-site-packages /tmp/peers-venv
    /tmp/peers-venv/bin/pip install presidio-image-redactor deid
    /tmp/peers-venv/bin/python -m dicom_ocr.bench peers --gt ... --root ...

(or install globally and restore with ``pip uninstall -y opencv-python python-gdcm`` followed by
``pip install --force-reinstall --no-deps opencv-python-headless``). A spaCy model is not on PyPI under
``en-core-web-lg``/``en-core-web-sm``; where one is installed, Presidio uses it.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..dicomfile import open_dicom
from ..geometry import Box
from ..planes import read_dataset
from ..store import AuditDB, RectRow
from . import scorer
from .auditdir import audit_dir
from .score import render as render_scores
from .score import score_db
from .tables import cell
from .timing import run_timed

PEERS = ("presidio", "deid")
WRITER = "peers.py"                 # last_modified_by of the peers' rows
Rect = tuple[int, int, int, int]  # left, top, right, bottom, inclusive


def rect_row(path: str, box: Rect, frame: int, ocrengine: int, nerpii: int) -> RectRow:
    """A peer's box as a DicomRects row (no text, no NER engine, no overlay)."""
    return RectRow(path, Box(*box), frame, -1, ocrengine, "", -1, nerpii)


def write_db(db: Path, rows: list[RectRow]) -> None:
    """Add ``rows`` to the audit DB in directory ``db`` (made when missing) as :data:`WRITER`'s."""
    with AuditDB(db) as audit:
        audit.rects.add_others(rows, WRITER)


def mask_rects(mask: Any) -> list[Rect]:
    """Cover the True pixels of a 2-D boolean array with rectangles (row runs merged down while unchanged)."""
    import numpy as np
    rects: list[Rect] = []
    open_runs: dict[tuple[int, int], int] = {}          # (left, right) -> top
    for y in range(mask.shape[0] + 1):
        row = mask[y] if y < mask.shape[0] else np.zeros(mask.shape[1], bool)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        runs = {(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])}
        for run in [r for r in open_runs if r not in runs]:
            rects.append((run[0], open_runs.pop(run), run[1], y - 1))
        for run in runs - open_runs.keys():
            open_runs[run] = y
    return rects


def deid_cleaned_area(results: dict[str, Any], rows: int, cols: int) -> list[Rect]:
    """The rectangles deid's clean_pixel_data would blank, from a detect() result (same order and semantics)."""
    import numpy as np
    keep = np.ones((rows, cols), bool)
    for item in results.get("results") or []:
        for value, coordinates in item.get("coordinates") or []:
            for coordinate in coordinates if isinstance(coordinates, list) else [coordinates]:
                if coordinate.lower() == "all":
                    minr, minc, maxr, maxc = 0, 0, cols, rows
                else:
                    minr, minc, maxr, maxc = (int(v) for v in coordinate.split(","))
                keep[minc:maxc, minr:maxr] = bool(value)
    return mask_rects(~keep)


def run_deid(paths: list[str], stats: dict[str, Any]) -> Iterator[RectRow]:
    from deid.dicom import DicomCleaner
    logging.getLogger("deid").setLevel(logging.ERROR)
    cleaner = DicomCleaner()
    stats["flagged"] = []
    for path in paths:
        results = cleaner.detect(path)
        if results and results.get("flagged"):
            stats["flagged"].append(path)
        header = open_dicom(path).header
        for box in deid_cleaned_area(results or {}, int(header.Rows), int(header.Columns)):
            yield rect_row(path, box, -1, 50, 1)


def presidio_engine(stats: dict[str, Any]) -> Any:
    """Presidio's DICOM engine with en_core_web_lg when installed, else a blank spaCy pipeline (no NER)."""
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_image_redactor import DicomImageRedactorEngine, ImageAnalyzerEngine

    class BoxesOnly(DicomImageRedactorEngine):
        def _add_redact_box(self, instance, *args, **kwargs):  # the redacted copy is not scored
            return instance

    model = "en_core_web_lg"
    if spacy.util.is_package(model):
        stats["ner"] = model
    else:
        model = tempfile.mkdtemp(prefix="blank_en_")
        spacy.blank("en").to_disk(model)
        stats["ner"] = "none (blank spaCy 'en': regex recognizers and header deny-list only)"
    nlp = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
                                               "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
    return BoxesOnly(image_analyzer_engine=ImageAnalyzerEngine(analyzer_engine=AnalyzerEngine(nlp_engine=nlp)))


def run_presidio(paths: list[str], stats: dict[str, Any]) -> Iterator[RectRow]:
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    engine = presidio_engine(stats)
    for path in paths:
        try:
            _, boxes = engine.redact_and_return_bbox(read_dataset(path), use_metadata=True)
        except Exception as error:  # noqa: BLE001  (a peer's failure on one file is a result, not a crash)
            stats["failed"][path] = f"{type(error).__name__}: {str(error)[:80]}"
            continue
        for b in boxes:
            yield rect_row(path, (b["left"], b["top"], b["left"] + b["width"] - 1, b["top"] + b["height"] - 1), 0, 1, 1)


def worker(peer: str, gt: dict[str, Any], root: Path, db: Path) -> None:
    """Run one peer over the GT files into ``db``; stats (failures, NER used, flags) into db/stats.json."""
    paths = [str((root / f["path"]).resolve()) for f in gt["files"]]
    stats: dict[str, Any] = {"failed": {}}
    started = time.perf_counter()
    runner = run_presidio if peer == "presidio" else run_deid
    write_db(db, list(runner(paths, stats)))
    stats["seconds_in_process"] = time.perf_counter() - started
    (db / "stats.json").write_text(json.dumps(stats))


def run_peer(peer: str, gt_path: Path, root: Path, db: Path, by: str, score_py: Path) -> dict[str, Any]:
    """Run one peer in a timed subprocess and score its DB."""
    AuditDB(db).close()             # dcmaudit's tables made here, so the peer's timed run only adds its rows
    command = [sys.executable, "-m", "dicom_ocr.bench", "peers", "--worker", peer, "--gt", str(gt_path),
               "--root", str(root), "--db", str(db)]
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    timed = run_timed(command, db / "time.txt", env=env)
    result = score_db(score_py, gt_path, root, db, timed, by, name=peer)
    stats = json.loads((db / "stats.json").read_text()) if (db / "stats.json").exists() else {}
    result.update(n_failed=len(stats.get("failed", {})), failed=stats.get("failed", {}), ner=stats.get("ner"))
    if "flagged" in stats:
        result["flagged"] = flagged_shares(json.loads(gt_path.read_text()), root, stats["flagged"])
    return result


def flagged_shares(gt: dict[str, Any], root: Path, flagged: list[str]) -> dict[str, float | None]:
    """Share of text files and of text-free files that deid flagged (with or without coordinates)."""
    marked = set(flagged)
    text = [str((root / f["path"]).resolve()) in marked for f in gt["files"] if f.get("text_present", bool(f["boxes"]))]
    clean = [str((root / f["path"]).resolve()) in marked for f in gt["files"]
             if not f.get("text_present", bool(f["boxes"]))]
    return {"text_files": sum(text) / len(text) if text else None,
            "text_free_files": sum(clean) / len(clean) if clean else None}


def render(result: dict[str, Any]) -> str:
    """``score``'s report of a peer, with its NER, its failures and what deid flagged."""
    lines = [render_scores(result)]
    if result.get("ner"):
        lines.append(f"\nNER: {result['ner']}")
    if result.get("n_failed"):
        reasons = sorted(set(result["failed"].values()))
        lines.append(f"\nFailed files: {result['n_failed']} ({'; '.join(reasons[:3])})")
    if "flagged" in result:
        f = result["flagged"]
        lines.append(f"\nFlagged by header rules (any group): text files {cell(f['text_files'])}, "
                     f"text-free files {cell(f['text_free_files'])}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gt", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}")
    parser.add_argument("--by", choices=("case", "folder"), default="case")
    parser.add_argument("--db", type=Path, help="keep the peers' DBs under this directory (one folder per peer)")
    scorer.add_argument(parser)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path, help="also write the JSON results here")
    parser.add_argument("--worker", choices=PEERS, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.worker:
        worker(args.worker, json.loads(args.gt.read_text()), args.root, args.db)
        return 0
    score_py = scorer.find(args.scorer)
    with audit_dir(args.db, prefix="dicom_ocr_peers_") as base:
        results = [run_peer(peer, args.gt, args.root, base / peer, args.by, score_py) for peer in args.peers.split(",")]
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1) if args.json else "\n\n".join(render(r) for r in results))
    return 0
