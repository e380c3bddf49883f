"""rejudge: the OCR text an audit DB holds judged again with the current PHI verdict, without reading pixels again.

    python -m dicom_ocr.bench rejudge /tmp/db-before /tmp/db-rejudged --gt /tmp/synth/gt.json --root /tmp/synth
    python -m dicom_ocr.bench rejudge /tmp/db-before /tmp/db-rejudged --changes   # the texts whose verdict changed

Copies DIR's audit DB to OUT, sets the ``nerpii`` of every rect this tool read from ``dicom_ocr.phi.judge`` (its file's
header facts, the tool's default: unknown text is PHI; per-plane summary rows, which the scorer ignores, and rows
reviewers or other tools wrote are left as they were) and scores OUT with score.py when ``--gt`` is given. Rect
geometry is kept as scanned (a scan also trims a PHI rect's margin off its cleared neighbours, which this cannot redo),
so the scores approximate a fresh scan's: use it to compare verdict changes quickly, and confirm with ``score``.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from ..dicomfile import open_dicom
from ..errors import DicomOcrError
from ..phi import NERENGINE, HeaderFacts, judge
from ..store import AuditDB
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
        return open_dicom(filename).facts
    except DicomOcrError:  # an unreadable header: judged without one, as scan would not have read it either
        return None


def rejudge(source: Path, out: Path) -> list[tuple[str, int, int]]:
    """Copy ``source``'s DB into ``out`` with fresh verdicts; return (text, old, new) for each rect that changed."""
    out.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, out / item.name)
    changes: list[tuple[str, int, int]] = []
    fresh: dict[int, int] = {}                        # rect id -> new verdict
    facts: dict[str, HeaderFacts | None] = {}
    with AuditDB(out) as db:
        for rect in db.rects.verdicts(NERENGINE):      # summary rows (coordinates -1) are not scored
            if rect.filename not in facts:
                facts[rect.filename] = _facts(rect.filename)
            new = int(judge(rect.text, facts[rect.filename]).pii)
            if new != rect.nerpii:
                changes.append((rect.text, rect.nerpii, new))
                fresh[rect.rect_id] = new
        db.rects.set_verdicts(fresh)
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
