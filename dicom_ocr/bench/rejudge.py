"""rejudge: the OCR text an audit DB holds judged again with the current PHI verdict, without reading pixels again.

    python -m dicom_ocr.bench rejudge /tmp/db-before /tmp/db-rejudged --gt /tmp/synth/gt.json --root /tmp/synth
    python -m dicom_ocr.bench rejudge /tmp/db-before /tmp/db-rejudged --changes   # the texts whose verdict changed

Copies DIR's audit DB to OUT, sets every read rect's ``nerpii`` from ``dicom_ocr.phi.judge`` (its file's header facts,
the tool's default: unknown text is PHI; per-plane summary rows, which the scorer ignores, are left as they were) and
scores OUT with score.py when ``--gt`` is given. Rect geometry is kept as scanned (a scan also trims a PHI rect's
margin off its cleared neighbours, which this cannot redo), so the scores approximate a fresh scan's: use it to compare
verdict changes quickly, and confirm with ``score``.
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
from pathlib import Path

import pydicom

from ..phi import NERENGINE, HeaderFacts, judge
from ..store import DB_NAME
from . import scorer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="a directory holding an audit DB (scan --db DIR)")
    parser.add_argument("out", type=Path, help="where the re-judged copy goes")
    parser.add_argument("--gt", type=Path)
    parser.add_argument("--root", type=Path)
    scorer.add_argument(parser)
    parser.add_argument("--changes", action="store_true", help="print the texts whose verdict changed (PHI!)")


def _facts(filename: str) -> HeaderFacts | None:
    try:
        return HeaderFacts.from_dataset(pydicom.dcmread(filename, stop_before_pixels=True, force=True))
    except Exception:  # noqa: BLE001 - an unreadable header: judged without one, as scan would not have read it either
        return None


def rejudge(source: Path, out: Path) -> list[tuple[str, int, int]]:
    """Copy ``source``'s DB into ``out`` with fresh verdicts; return (text, old, new) for each rect that changed."""
    out.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, out / item.name)
    changes = []
    with sqlite3.connect(out / DB_NAME) as db:
        rows = db.execute("SELECT id, filename, ocrtext, nerpii FROM DicomRects WHERE nerengine = ? AND ocrtext != '' "
                          "AND top >= 0", (NERENGINE,)).fetchall()   # summary rows (coordinates -1) are not scored
        facts: dict[str, HeaderFacts | None] = {}
        for rect_id, filename, text, old in rows:
            if filename not in facts:
                facts[filename] = _facts(filename)
            new = int(judge(text, facts[filename]).pii)
            if new != old:
                changes.append((text, old, new))
                db.execute("UPDATE DicomRects SET nerpii = ? WHERE id = ?", (new, rect_id))
    db.close()
    return changes


def run(args: argparse.Namespace) -> int:
    score_py = scorer.find(args.scorer) if args.gt else None
    changes = rejudge(args.source, args.out)
    print(f"{len(changes)} rects changed verdict: {sum(new for _, _, new in changes)} to PHI, "
          f"{sum(not new for _, _, new in changes)} to not PHI")
    if args.changes:
        for text, old, new in sorted(set(changes)):
            print(f"  {old} -> {new}  {text!r}")
    if score_py:
        print(scorer.score_text(score_py, args.gt, args.root or args.gt.parent, args.out))
    return 0
