"""triage: what header triage (``scan --triage header``) would leave unread in a ground-truth set, and the GT boxes
in those files: the boxes it would miss. Only headers are read; no OCR.

    python -m dicom_ocr.bench triage --gt /tmp/synth/gt.json --root /tmp/synth [--by case|folder] [--json]

One row per case (the GT file's ``case`` field, else its top-level folder, as ``score`` groups) and one for all:
files, files triaged (not read), GT boxes and PHI boxes in all files, and GT boxes and PHI boxes in triaged files.
Then the triaged files that hold GT boxes, by path (never their text). A file whose header cannot be read counts as
read, as a scan would try it.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..dicomfile import open_dicom
from ..errors import DicomOcrError
from ..triage import header_triage
from .score import group_of
from .tables import markdown

COLUMNS = (("group", "case"), ("files", "files"), ("triaged", "files triaged"), ("boxes", "GT boxes"),
           ("phi", "PHI boxes"), ("missed", "GT boxes in triaged files"), ("missed_phi", "PHI boxes in triaged files"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gt", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--by", choices=("case", "folder"), default="case",
                        help="group by the GT 'case' field (falls back to the top-level folder) or by folder")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")


def triaged(path: Path) -> bool:
    """Whether header triage leaves the file at ``path`` unread (an unreadable header: no, a scan reads it)."""
    try:
        return not header_triage(open_dicom(path)).read
    except DicomOcrError:
        return False


def measure(gt: dict[str, Any], root: Path, by: str = "case") -> dict[str, Any]:
    """Per-case and overall counts, and the triaged files that hold GT boxes (path, boxes, PHI boxes)."""
    overall: dict[str, int] = defaultdict(int)
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    missed_files = []
    for entry in gt["files"]:
        boxes = entry.get("boxes") or []
        phi = sum(1 for box in boxes if box.get("phi"))
        left_unread = triaged(root / entry["path"])
        for acc in (sums[group_of(entry, by)], overall):
            _add(acc, len(boxes), phi, left_unread)
        if left_unread and boxes:
            missed_files.append({"path": entry["path"], "boxes": len(boxes), "phi": phi})
    return {"all": _counts(overall), "groups": [{"group": name, **_counts(acc)} for name, acc in sums.items()],
            "missed_files": missed_files}


def _add(acc: dict[str, int], boxes: int, phi: int, left_unread: bool) -> None:
    acc["files"] += 1
    acc["boxes"] += boxes
    acc["phi"] += phi
    if left_unread:
        acc["triaged"] += 1
        acc["missed"] += boxes
        acc["missed_phi"] += phi


def _counts(acc: dict[str, int]) -> dict[str, int]:
    return {key: acc[key] for key, _ in COLUMNS[1:]}


def render(result: dict[str, Any]) -> str:
    """Markdown: the overall row and one row per case, then the triaged files with GT boxes."""
    rows = [dict(result["all"], group="**all**"), *result["groups"]]
    lines = [markdown([title for _, title in COLUMNS], [[row[key] for key, _ in COLUMNS] for row in rows])]
    lines += ["", f"Triaged files with GT boxes: {len(result['missed_files'])}"]
    lines += [f"  {f['boxes']} boxes ({f['phi']} PHI)  {f['path']}" for f in result["missed_files"]]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    result = measure(json.loads(args.gt.read_text()), args.root, args.by)
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0
