"""forms: document planes in an audit DB: coverage of handwriting, signatures and stamps, and where document regions went.

    python -m dicom_ocr.bench forms --gt /tmp/forms/gt.json --root /tmp/forms --db DIR [--cost]
    python -m dicom_ocr.bench forms --planes PATH... (or - : paths on stdin)

Per kind of GT box (``printed`` label, ``handwriting`` entry, ``signature``, ``stamp``; from make_synthetic's form
boxes; other sets' boxes count as ``printed`` or ``handwriting`` by their phi flag) the share covered >= 0.8 by the
union of all rects (score.py's recall), the ink regions that touch both a printed label and a handwritten entry
(fused), and the files of the set that got document regions (ocrengine 53 ink or 5 whole page) with their share of
the plane. ``--cost`` times the page test and the ink search per plane, with the DB's OCR boxes as what was read.
``--planes`` runs the document test alone (no OCR) on every image plane of the files named: a scan adds document
regions only on the planes it passes, so where it passes none, ``scan --forms ink`` writes what ``--forms off`` does.
Prints counts, figures and the names of document planes, never text.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from ..documents import document_header, ink_regions, page_test
from ..documents.page import grey_of
from ..geometry import Box
from ..planes import PlaneKind, iter_planes, read_header
from ..sources import OCRENGINE_INK, OCRENGINE_SCANNED_FORM
from ..store import AuditDB
from .auditdir import read_audit_db
from .scorer import OCR_ENGINES

DOCUMENT_ENGINES = (OCRENGINE_INK, OCRENGINE_SCANNED_FORM)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--planes", nargs="+", metavar="PATH", help="only count document planes among these files")
    parser.add_argument("--gt", type=Path)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--db", type=Path, help="directory of dcmaudit.sqlite.db")
    parser.add_argument("--cost", action="store_true", help="also time the page test and the ink search (needs --root)")


def kind(box: dict[str, Any]) -> str:
    return {"[signature]": "signature", "[stamp]": "stamp"}.get(box["text"], "handwriting" if box["phi"] else "printed")


def rects_of(db: AuditDB, path: str) -> list[tuple[int, Box]]:
    """(ocrengine, box) of the image rects on the first frame of the GT file ``path``."""
    return [(rect.ocrengine, rect.box) for rect in db.rects.at_path(path) if rect.frame in (0, -1) and rect.overlay == -1]


def coverage(box: Box, rects: list[Box], shape: tuple[int, int]) -> float:
    mask = np.zeros(shape, bool)
    for r in rects:
        mask[max(r.top, 0):r.bottom + 1, max(r.left, 0):r.right + 1] = True
    return float(mask[box.top:box.bottom + 1, box.left:box.right + 1].mean())


def _gt_box(b: dict[str, Any]) -> Box:
    return Box(b["left"], b["top"], b["right"], b["bottom"])


def score(gt: dict[str, Any], db: AuditDB) -> dict[str, Any]:
    """Recall per kind of box, fused ink regions, and the files with document regions."""
    found: defaultdict[str, int] = defaultdict(int)
    total: defaultdict[str, int] = defaultdict(int)
    fused = document_files = 0
    document_area = 0.0
    for entry in gt["files"]:
        rects = rects_of(db, entry["path"])
        shape = (entry["rows"], entry["columns"])
        boxes = [b for b in entry["boxes"] if b["frame"] in (0, -1) and b["overlay"] == -1]
        for b in boxes:
            total[kind(b)] += 1
            found[kind(b)] += coverage(_gt_box(b), [r for _, r in rects], shape) >= 0.8
        documents = [r for engine, r in rects if engine in DOCUMENT_ENGINES]
        if documents:
            document_files += 1
            document_area += coverage(Box(0, 0, shape[1] - 1, shape[0] - 1), documents, shape)
        for r in documents:
            touched = {kind(b) == "printed" for b in boxes if r.intersection(_gt_box(b)) is not None}
            fused += touched == {True, False}
    return {"recall": {k: round(found[k] / total[k], 4) for k in sorted(total)}, "boxes": dict(total),
            "fused": fused, "files_with_document_regions": document_files, "files": len(gt["files"]),
            "mean_document_share_of_plane": round(document_area / max(document_files, 1), 4)}


def cost(gt: dict[str, Any], root: Path, db: AuditDB) -> dict[str, Any]:
    """Seconds of the page test per plane, and of the ink search per document plane."""
    tests, inks = [], []
    for entry in gt["files"]:
        path = root / entry["path"]
        header = read_header(path)
        read = [r for engine, r in rects_of(db, entry["path"]) if engine in OCR_ENGINES]
        for plane in iter_planes(path, header=header):
            if plane.kind is not PlaneKind.IMAGE or plane.frame:
                continue
            started = time.perf_counter()
            document = document_header(header) and page_test(plane).is_page
            tests.append(time.perf_counter() - started)
            if document:
                started = time.perf_counter()
                ink_regions(grey_of(plane), read)
                inks.append(time.perf_counter() - started)
    return {"page_test_ms_mean": round(1000 * float(np.mean(tests)), 2), "planes": len(tests),
            "ink_ms_mean": round(1000 * float(np.mean(inks)), 2) if inks else None, "document_planes": len(inks)}


def document_planes(paths: list[str]) -> dict[str, Any]:
    """Image planes and document planes of ``paths`` (files that cannot be read are counted apart)."""
    planes, documents, unreadable = 0, [], 0
    for path in paths:
        try:
            header = read_header(path)
            for plane in iter_planes(path, header=header, overlays=False):
                planes += 1
                if document_header(header) and page_test(plane).is_page:
                    documents.append(f"{path} frame {plane.frame}")
        except Exception:  # noqa: BLE001 - a damaged or undecodable file: the scan records it; here it is only counted
            unreadable += 1
    return {"files": len(paths), "unreadable": unreadable, "image_planes": planes,
            "document_planes": len(documents), "documents": documents}


def run(args: argparse.Namespace) -> int:
    if args.planes:
        paths = sys.stdin.read().split("\n") if args.planes == ["-"] else args.planes
        print(json.dumps(document_planes([p for p in paths if p.strip()]), indent=1))
        return 0
    if not (args.gt and args.db):
        raise SystemExit("forms: --gt and --db are needed unless --planes is given")
    gt = json.loads(args.gt.read_text())
    with read_audit_db(args.db) as db:
        result = score(gt, db)
        if args.cost:
            result["cost"] = cost(gt, args.root or args.gt.parent, db)
    print(json.dumps(result, indent=1))
    return 0
