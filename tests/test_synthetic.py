"""scripts/make_synthetic.py: reproducible files, complete and tight ground truth, planes that carry the text."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEGBaseline8Bit

from dicom_ocr.planes import PlaneKind, iter_planes

from scriptmodules import load_script

SEED = 11


synth = load_script("make_synthetic")
ALL = range(len(synth.CASES))


@pytest.fixture(scope="module")
def samples():
    return [synth.build(SEED, i) for i in ALL]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One file of every case, written with the text and without it (same background)."""
    root = tmp_path_factory.mktemp("synth")
    (root / "text").mkdir()
    (root / "bare").mkdir()
    entries = []
    for i in ALL:
        entries.append(synth.write(synth.build(SEED, i), root / "text"))
        synth.write(synth.build(SEED, i, draw=False), root / "bare")
    return root, entries


def _planes(path: Path) -> dict[tuple[int, int], object]:
    return {(p.frame, p.overlay): p for p in iter_planes(path)}


def _frames(box: dict, n_frames: int) -> list[int]:
    return list(range(n_frames)) if box["frame"] == -1 else [box["frame"]]


def test_same_seed_writes_identical_files_and_gt(tmp_path):
    assert synth.main(["--out", str(tmp_path / "a"), "--n", "15", "--seed", "4"]) == 0
    synth.generate(tmp_path / "b", 15, 4)
    synth.generate(tmp_path / "c", 15, 5)
    a, b, c = (json.loads((tmp_path / d / "gt.json").read_text()) for d in "abc")
    assert (tmp_path / "a" / "gt.json").read_bytes() == (tmp_path / "b" / "gt.json").read_bytes()
    for entry in a["files"]:
        assert (tmp_path / "a" / entry["path"]).read_bytes() == (tmp_path / "b" / entry["path"]).read_bytes()
    assert [e["sha256"] for e in a["files"]] != [e["sha256"] for e in c["files"]]
    assert Counter(e["case"] for e in a["files"]) == Counter(synth.CASES) + Counter([synth.CASES[0]])


def test_every_case_is_produced_with_its_features(written):
    root, entries = written
    assert [e["case"] for e in entries] == list(synth.CASES)
    for entry in entries:
        ds = pydicom.dcmread(root / "text" / entry["path"])
        case, boxes = entry["case"], entry["boxes"]
        assert entry["text_present"] == bool(boxes) == (case != "no-text"), case
        assert (ds.Rows, ds.Columns, int(ds.get("NumberOfFrames") or 1)) == (entry["rows"], entry["columns"],
                                                                             entry["frames"])
        overlays = {b["overlay"] for b in boxes}
        if case.startswith("overlay"):
            assert len(overlays) == 1 and overlays != {-1}
            has_data = (0x6000 + 2 * overlays.pop(), 0x3000) in ds
            assert has_data == (case == "overlay-60xx")
        elif boxes:
            assert overlays == {-1}
        if case == "small-7px":
            assert max(b["bottom"] - b["top"] + 1 for b in boxes) <= 8
        assert (ds.PhotometricInterpretation == "MONOCHROME1") == (case == "monochrome1")
        assert (ds.file_meta.TransferSyntaxUID == JPEGBaseline8Bit) == (case == "jpeg")
        if case == "green-on-grey":
            assert ds.SamplesPerPixel == 3
        assert (entry["frames"] > 1) == case.startswith("cine")
        texts = " ".join(b["text"] for b in boxes)
        if case == "header-match":
            assert ds.PatientID in texts or ds.PatientName.family_name in texts
        if case == "header-mismatch":
            assert ds.PatientID not in texts
        assert any(b["phi"] for b in boxes) == (case != "no-text")


def test_boxes_are_tight_around_drawn_ink_and_cover_all_of_it(samples):
    for sample in samples:
        frames = sample.entry["frames"]
        covered = {key: np.zeros(ink.shape, bool) for key, ink in sample.ink.items()}
        for box in sample.entry["boxes"]:
            for frame in _frames(box, frames):
                drawn = sample.ink[(frame, box["overlay"])] >= synth.INK
                inside = drawn[box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1]
                assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any(), box
                covered[(frame, box["overlay"])][box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1] = True
        for key, ink in sample.ink.items():
            assert not ((ink >= synth.INK) & ~covered[key]).any(), (sample.name, key)


def test_decoded_planes_carry_the_text_where_the_gt_says(written):
    root, entries = written
    for entry in entries:
        with_text, bare = _planes(root / "text" / entry["path"]), _planes(root / "bare" / entry["path"])
        assert with_text.keys() == bare.keys()
        changed = {}
        for key, plane in with_text.items():
            before, after = bare[key], plane
            a = after.values if after.values is not None else after.image
            b = before.values if before.values is not None else before.image
            diff = np.abs(a.astype(np.int64) - b.astype(np.int64))
            changed[key] = (diff.max(axis=-1) if diff.ndim == 3 else diff) > 0
        allowed = {key: np.zeros(mask.shape, bool) for key, mask in changed.items()}
        for box in entry["boxes"]:
            for frame in _frames(box, entry["frames"]):
                key = (frame, box["overlay"])
                assert key in changed, (entry["path"], key)
                region = changed[key][box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1]
                assert region.mean() > 0.05, (entry["case"], box["text"])
                allowed[key][box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1] = True
        for key, mask in changed.items():
            outside = mask & ~allowed[key]
            if entry["case"] == "jpeg":
                assert outside.mean() < 0.05, entry["path"]   # JPEG ringing around the text
            else:
                assert not outside.any(), (entry["case"], key)
        kinds = {p.kind for p in with_text.values()}
        if entry["case"] == "overlay-highbit":
            assert PlaneKind.BIT_OVERLAY in kinds
        if entry["case"] == "overlay-60xx":
            assert PlaneKind.OVERLAY in kinds


def test_cine_gt_uses_frame_minus_one_for_static_text_and_one_box_per_frame_for_the_clock(samples):
    static = next(s for s in samples if s.entry["case"] == "cine-static")
    clock = next(s for s in samples if s.entry["case"] == "cine-clock")
    assert {b["frame"] for b in static.entry["boxes"]} == {-1}
    first = static.ink[(0, -1)]
    assert all(np.array_equal(static.ink[(f, -1)], first) for f in range(static.entry["frames"]))

    frames = clock.entry["frames"]
    per_frame = [b for b in clock.entry["boxes"] if b["frame"] >= 0]
    assert any(b["frame"] == -1 for b in clock.entry["boxes"])
    by_text = Counter(re.sub(r"\d", "#", b["text"]) for b in per_frame)
    assert sorted({b["frame"] for b in per_frame}) == list(range(frames))
    assert all(count == frames for count in by_text.values())
    texts = [b["text"] for b in per_frame if ":" in b["text"]]
    assert len(set(texts)) == frames and all(b["phi"] for b in per_frame if ":" in b["text"])
    inks = [clock.ink[(f, -1)] for f in range(frames)]
    assert not all(np.array_equal(inks[0], ink) for ink in inks[1:])
