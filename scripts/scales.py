#!/usr/bin/env python3
"""Where small text can be: which ground-truth boxes RapidOCR's detector finds on the plane as rendered and which only
on the enlarged copy (x2-x4), by plane size and text height, and what each detection costs.

    python scripts/scales.py --gt ../shared/gt/jsl.json --root ../shared/corpus [--gt /tmp/synth/gt.json --root /tmp/synth]

Detection only (no recognition), one thread, OpenVINO when installed. A box counts as found at a scale when that
scale's detected lines cover at least half of it. The plane of a box on every frame (frame -1) is its first frame.
Also counts the planes where the plane as rendered shows no line at all, and the boxes on them that the enlarged copy
finds: what a gate "no enlarged detection where the plane shows no text" would lose.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dicom_ocr.detection.lines import detect_lines  # noqa: E402
from dicom_ocr.detection.variants import make_variants  # noqa: E402
from dicom_ocr.engines import get_engine  # noqa: E402
from dicom_ocr.planes import iter_planes  # noqa: E402

SIDES = (300, 600, 900, 1400, 10**6)
HEIGHTS = (8, 12, 16, 24, 10**6)


def bin_of(value: int, edges: tuple[int, ...]) -> str:
    low = 0
    for edge in edges:
        if value <= edge:
            return f"{low + 1}-{edge}" if edge < 10**6 else f">{low}"
        low = edge
    raise AssertionError


def covered(box: dict, lines, rows: int, columns: int) -> float:
    mask = np.zeros((rows, columns), bool)
    for line in lines:
        b = line.box
        mask[b.top:b.bottom + 1, b.left:b.right + 1] = True
    part = mask[box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1]
    return float(part.mean()) if part.size else 0.0


def planes_with_boxes(gt: dict, root: Path):
    for entry in gt["files"]:
        wanted = defaultdict(list)
        for box in entry.get("boxes") or []:
            wanted[(max(box["frame"], 0), box["overlay"])].append(box)
        if not wanted:
            continue
        for plane in iter_planes(root / entry["path"]):
            boxes = wanted.pop((plane.frame, plane.overlay), None)
            if boxes:
                yield plane, boxes
            if not wanted:
                break


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gt", type=Path, action="append", required=True)
    parser.add_argument("--root", type=Path, action="append", required=True)
    args = parser.parse_args()
    engine = get_engine("rapidocr", threads=1)
    found = defaultdict(lambda: defaultdict(int))
    cost = defaultdict(lambda: defaultdict(float))
    gate = defaultdict(int)
    for gt_path, root in zip(args.gt, args.root):
        for plane, boxes in planes_with_boxes(json.loads(gt_path.read_text()), root):
            side = bin_of(max(plane.rows, plane.columns), SIDES)
            lines = {}
            for variant in make_variants(plane, ("plain", "x2")):
                started = time.process_time()
                lines[variant.name] = detect_lines(engine, variant, plane)
                cost[side][variant.name] += time.process_time() - started
            cost[side]["planes"] += 1
            if not lines["plain"]:
                gate["planes with no line at x1"] += 1
            for box in boxes:
                at = {name: covered(box, found_lines, plane.rows, plane.columns) >= 0.5
                      for name, found_lines in lines.items()}
                kind = ("both" if at.get("x2") else "x1 only") if at["plain"] else "x2 only" if at.get("x2") else "neither"
                height = bin_of(box["bottom"] - box["top"] + 1, HEIGHTS)
                found[(side, height)][kind] += 1
                if kind == "x2 only" and not lines["plain"]:
                    gate["boxes found only at x2 on such planes"] += 1
    print("| plane's longer side | text height px | boxes | found at both | only at x1 | only at x2 | neither |")
    print("|---|---|---|---|---|---|---|")
    for (side, height), kinds in sorted(found.items(), key=lambda kv: (int(kv[0][0].strip(">").split("-")[0]),
                                                                      int(kv[0][1].strip(">").split("-")[0]))):
        total = sum(kinds.values())
        print(f"| {side} | {height} | {total} | {kinds['both']} | {kinds['x1 only']} | {kinds['x2 only']} | "
              f"{kinds['neither']} |")
    print("\n| plane's longer side | planes | detection ms at x1 | at x2 |")
    print("|---|---|---|---|")
    for side, c in sorted(cost.items(), key=lambda kv: int(kv[0].strip(">").split("-")[0])):
        n = c["planes"]
        print(f"| {side} | {int(n)} | {1000 * c['plain'] / n:.0f} | {1000 * c['x2'] / n:.0f} |")
    print("\n" + ", ".join(f"{k}: {v}" for k, v in gate.items()) if gate else "\nno plane without a line at x1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
