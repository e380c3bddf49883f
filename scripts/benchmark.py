#!/usr/bin/env python3
"""Scan a ground-truth set with dicom_ocr (as users run it), score it with shared/bench/score.py, report per case.

    python scripts/benchmark.py --gt /tmp/synth/gt.json --root /tmp/synth [--ocr SPEC] [--jobs 2] [--json]

One ``dicom_ocr scan`` subprocess writes a temporary audit DB (timed with ``/usr/bin/time -v`` when present, for peak
RSS); ``score.py --json --per-file`` scores it. The report has the overall scores and one row per case type: the
GT file's ``case`` field (make_synthetic.py), else its top-level folder (``--by folder`` forces that). Frames/s counts
planes (image frames plus overlay frames), as score.py does. Case rows are built from score.py's per-file coverage,
which it rounds to 3 decimals, so their mean coverage can differ from the overall row in the third decimal.
scripts/peers.py reuses ``score_db`` and ``render``.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCORER = REPO.parent / "shared" / "bench" / "score.py"
TIME = Path("/usr/bin/time")
COV_THRESHOLD = 0.8          # score.py's coverage threshold for a found box
COLUMNS = (("group", "case"), ("files", "files"), ("boxes", "GT boxes"), ("recall_all", "recall all"),
           ("recall_phi", "recall PHI"), ("mean_coverage", "mean cov"), ("file_recall", "file recall"),
           ("file_false_alarm", "file false alarm"), ("precision", "precision"),
           ("over_redaction_pct", "over-redaction % (file mean)"))


def group_of(entry: dict[str, Any], by: str) -> str:
    """The case name of a GT file: its ``case`` field, else (or with by='folder') its top-level folder."""
    if by == "case" and entry.get("case"):
        return str(entry["case"])
    parts = Path(entry["path"]).parts
    return parts[0] if len(parts) > 1 else "(root)"


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def group_scores(gt: dict[str, Any], per_file: list[dict[str, Any]], by: str = "case") -> list[dict[str, Any]]:
    """Aggregate score.py's per-file details into one row per case, in order of first appearance."""
    details = {d["path"]: d for d in per_file}
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for entry in gt["files"]:
        detail = details[entry["path"]]
        acc = sums[group_of(entry, by)]
        acc["files"] += 1
        for box, cov in zip(entry.get("boxes") or [], detail["coverage"]):
            acc["boxes"] += 1
            acc["covered"] += cov >= COV_THRESHOLD
            acc["cov_sum"] += cov
            if box.get("phi"):
                acc["phi"] += 1
                acc["covered_phi"] += cov >= COV_THRESHOLD
        hit = detail["n_pred"] > 0
        acc["text" if detail["text_present"] else "notext"] += 1
        acc["text_hit" if detail["text_present"] else "notext_hit"] += hit
        acc["ocr"] += detail["n_ocr"]
        acc["ocr_ok"] += detail["n_ocr_ok"]
        if detail["over_pct"] is not None:
            acc["over_files"] += 1
            acc["over_sum"] += detail["over_pct"]
    return [dict(group=name, files=int(a["files"]), boxes=int(a["boxes"]),
                 recall_all=_ratio(a["covered"], a["boxes"]), recall_phi=_ratio(a["covered_phi"], a["phi"]),
                 mean_coverage=_ratio(a["cov_sum"], a["boxes"]), file_recall=_ratio(a["text_hit"], a["text"]),
                 file_false_alarm=_ratio(a["notext_hit"], a["notext"]), precision=_ratio(a["ocr_ok"], a["ocr"]),
                 over_redaction_pct=_ratio(a["over_sum"], a["over_files"]))
            for name, a in sums.items()]


def timed(command: list[str], timelog: Path, **kwargs: Any) -> tuple[float, int]:
    """Run ``command`` (under /usr/bin/time -v when present, log to ``timelog``): (wall seconds, exit status)."""
    if TIME.exists():
        command = [str(TIME), "-v", "-o", str(timelog), *command]
    started = time.perf_counter()
    status = subprocess.run(command, check=False, **kwargs).returncode
    return time.perf_counter() - started, status


def run_scan(gt: dict[str, Any], root: Path, db: Path, ocr: str | None, jobs: int,
             backend: str = "auto") -> tuple[float, int, Path]:
    """Scan every GT file into ``db`` with ``python -m dicom_ocr scan``: (wall seconds, exit status, time log)."""
    db.mkdir(parents=True, exist_ok=True)
    listing, timelog = db / "files.txt", db / "time.txt"
    listing.write_text("".join(f"{(root / f['path']).resolve()}\n" for f in gt["files"]))
    command = [sys.executable, "-m", "dicom_ocr", "scan", "-", "--db", str(db), "--jobs", str(jobs), "--rescan", "-q",
               "--backend", backend]
    if ocr:
        command += ["--ocr", ocr]
    env = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    with listing.open() as stdin:
        wall, status = timed(command, timelog, stdin=stdin, cwd=REPO, env=env)
    return wall, status, timelog


def score_db(gt_path: Path, root: Path, db: Path, wall: float, timelog: Path | None = None,
             scorer: Path = SCORER, by: str = "case", name: str = "tool") -> dict[str, Any]:
    """Score ``db`` with score.py (subprocess) and add speed and per-case rows."""
    command = [sys.executable, str(scorer), "--gt", str(gt_path), "--root", str(root), "--db", str(db),
               "--json", "--per-file", "--name", name]
    if timelog and timelog.exists() and timelog.stat().st_size:
        command += ["--timelog", str(timelog)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    gt = json.loads(gt_path.read_text())
    result["groups"] = group_scores(gt, result.pop("files"), by)
    result["wall_s"] = wall                       # our own clock: includes interpreter start, like a user's run
    result["files_per_s"] = result["n_files"] / wall if wall else None
    result["frames_per_s"] = result["planes"] / wall if wall else None
    return result


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render(result: dict[str, Any]) -> str:
    """Markdown: a speed line, the overall row and one row per case."""
    rss = result.get("peak_rss_mib")
    lines = [f"**{result['name']}**: {result['n_files']} files, {result['planes']} planes, "
             f"wall {result['wall_s']:.1f} s, {_cell(result['files_per_s'])} files/s, "
             f"{_cell(result['frames_per_s'])} frames/s, peak RSS "
             + (f"{rss:.0f} MiB" if rss else "n/a") + f", exit {result.get('exit_status', 'n/a')}; over-redaction pooled "
             f"over all planes {_cell(result['over_redaction_pct'])} %", "",
             "| " + " | ".join(title for _, title in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    overall = dict(result, group="**all**", files=result["n_files"], boxes=result["n_gt_boxes"],
                   over_redaction_pct=result["over_redaction_file_mean_pct"])
    for row in [overall, *result["groups"]]:
        lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in COLUMNS) + " |")
    weak = [f"{g['group']}: recall {g['recall_all']:.2f}" for g in result["groups"]
            if g["recall_all"] is not None and g["recall_all"] < COV_THRESHOLD]
    if weak:
        lines += ["", "Weak (recall < 0.8): " + ", ".join(weak)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gt", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--ocr", help="dicom_ocr scan --ocr SPEC (default: the tool's default)")
    parser.add_argument("--backend", default="auto", help="dicom_ocr scan --backend (default auto)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--by", choices=("case", "folder"), default="case",
                        help="group by the GT 'case' field (falls back to the top-level folder) or by folder")
    parser.add_argument("--db", type=Path, help="keep the DB in this directory (default: a temporary one)")
    parser.add_argument("--scorer", type=Path, default=SCORER)
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args(argv)
    gt = json.loads(args.gt.read_text())
    with tempfile.TemporaryDirectory(prefix="dicom_ocr_bench_") as tmp:
        db = args.db or Path(tmp)
        wall, status, timelog = run_scan(gt, args.root, db, args.ocr, args.jobs, args.backend)
        result = score_db(args.gt, args.root, db, wall, timelog, args.scorer, args.by,
                          name=f"dicom_ocr {args.ocr or 'default'} --backend {args.backend} --jobs {args.jobs}")
    result["exit_status"] = status
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
