"""score: scan a ground-truth set as users do, score it with score.py, report overall and per case.

    python -m dicom_ocr.bench score --gt /tmp/synth/gt.json --root /tmp/synth [--ocr SPEC] [--jobs 2] [--json]

The report has a speed line (wall time, files/s, frames/s counting image and overlay planes as score.py does, peak
RSS), the overall scores and one row per case: the GT file's ``case`` field (make_synthetic.py), else its top-level
folder (``--by folder`` forces that). Case rows come from score.py's per-file coverage, rounded to 3 decimals, so their
mean coverage can differ from the overall row in the third decimal.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from . import scorer
from .auditdir import audit_dir
from .scanning import ScanCase, scan
from .tables import cell, markdown
from .timing import Timed

COV_THRESHOLD = 0.8          # score.py's coverage threshold for a found box
COLUMNS = (("group", "case"), ("files", "files"), ("boxes", "GT boxes"), ("recall_all", "recall all"),
           ("recall_phi", "recall PHI"), ("mean_coverage", "mean cov"), ("file_recall", "file recall"),
           ("file_false_alarm", "file false alarm"), ("precision", "precision"),
           ("over_redaction_pct", "over-redaction % (file mean)"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gt", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--ocr", help="dicom_ocr scan --ocr SPEC (default: the tool's default)")
    parser.add_argument("--backend", default="auto",
                        help="RapidOCR's backend: scan --engine-option rapidocr.backend=BACKEND (default auto)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--by", choices=("case", "folder"), default="case",
                        help="group by the GT 'case' field (falls back to the top-level folder) or by folder")
    parser.add_argument("--db", type=Path, help="keep the DB in this directory (default: a temporary one)")
    scorer.add_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")


def run(args: argparse.Namespace) -> int:
    score_py = scorer.find(args.scorer)
    gt = json.loads(args.gt.read_text())
    options = ScanCase(args.ocr, args.backend, args.jobs)
    with audit_dir(args.db) as db:
        timed = scan([args.root / f["path"] for f in gt["files"]], db, options)
        result = score_db(score_py, args.gt, args.root, db, timed, args.by, options.label)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0


def score_db(score_py: Path, gt_path: Path, root: Path, db: Path, timed: Timed, by: str = "case",
             name: str = "tool") -> dict[str, Any]:
    """score.py's result for ``db`` with the run's speed, exit status and per-case rows."""
    result = scorer.score_json(score_py, gt_path, root, db, name, timed.timelog)
    gt = json.loads(gt_path.read_text())
    result["groups"] = group_scores(gt, result.pop("files"), by)
    wall = timed.wall_s                           # our own clock: includes interpreter start, like a user's run
    result.update(wall_s=wall, cpu_s=timed.cpu_s, exit_status=timed.status,
                  files_per_s=result["n_files"] / wall if wall else None,
                  frames_per_s=result["planes"] / wall if wall else None)
    return result


def group_of(entry: dict[str, Any], by: str) -> str:
    """The case name of a GT file: its ``case`` field, else (or with by='folder') its top-level folder."""
    if by == "case" and entry.get("case"):
        return str(entry["case"])
    parts = Path(entry["path"]).parts
    return parts[0] if len(parts) > 1 else "(root)"


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _add_file(acc: dict[str, float], entry: dict[str, Any], detail: dict[str, Any]) -> None:
    """Add one GT file's boxes and score.py's details for it to its case's sums."""
    acc["files"] += 1
    for box, cov in zip(entry.get("boxes") or [], detail["coverage"]):
        acc["boxes"] += 1
        acc["covered"] += cov >= COV_THRESHOLD
        acc["cov_sum"] += cov
        if box.get("phi"):
            acc["phi"] += 1
            acc["covered_phi"] += cov >= COV_THRESHOLD
    kind = "text" if detail["text_present"] else "notext"
    acc[kind] += 1
    acc[f"{kind}_hit"] += detail["n_pred"] > 0
    acc["ocr"] += detail["n_ocr"]
    acc["ocr_ok"] += detail["n_ocr_ok"]
    if detail["over_pct"] is not None:
        acc["over_files"] += 1
        acc["over_sum"] += detail["over_pct"]


def group_scores(gt: dict[str, Any], per_file: list[dict[str, Any]], by: str = "case") -> list[dict[str, Any]]:
    """Aggregate score.py's per-file details into one row per case, in order of first appearance."""
    details = {d["path"]: d for d in per_file}
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for entry in gt["files"]:
        _add_file(sums[group_of(entry, by)], entry, details[entry["path"]])
    return [dict(group=name, files=int(a["files"]), boxes=int(a["boxes"]),
                 recall_all=_ratio(a["covered"], a["boxes"]), recall_phi=_ratio(a["covered_phi"], a["phi"]),
                 mean_coverage=_ratio(a["cov_sum"], a["boxes"]), file_recall=_ratio(a["text_hit"], a["text"]),
                 file_false_alarm=_ratio(a["notext_hit"], a["notext"]), precision=_ratio(a["ocr_ok"], a["ocr"]),
                 over_redaction_pct=_ratio(a["over_sum"], a["over_files"]))
            for name, a in sums.items()]


def speed_line(result: dict[str, Any]) -> str:
    rss = result.get("peak_rss_mib")
    return (f"**{result['name']}**: {result['n_files']} files, {result['planes']} planes, "
            f"wall {result['wall_s']:.1f} s, {cell(result['files_per_s'])} files/s, "
            f"{cell(result['frames_per_s'])} frames/s, peak RSS " + (f"{rss:.0f} MiB" if rss else "n/a")
            + f", exit {result.get('exit_status', 'n/a')}; over-redaction pooled over all planes "
            f"{cell(result['over_redaction_pct'])} %")


def render(result: dict[str, Any]) -> str:
    """Markdown: a speed line, the overall row and one row per case, and the weak cases."""
    overall = dict(result, group="**all**", files=result["n_files"], boxes=result["n_gt_boxes"],
                   over_redaction_pct=result["over_redaction_file_mean_pct"])
    rows = [[row.get(key) for key, _ in COLUMNS] for row in [overall, *result["groups"]]]
    lines = [speed_line(result), "", markdown([title for _, title in COLUMNS], rows)]
    weak = [f"{g['group']}: recall {g['recall_all']:.2f}" for g in result["groups"]
            if g["recall_all"] is not None and g["recall_all"] < COV_THRESHOLD]
    if weak:
        lines += ["", "Weak (recall < 0.8): " + ", ".join(weak)]
    return "\n".join(lines)
