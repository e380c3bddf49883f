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
REAL = range(2 * len(synth.REAL_CASES))     # two files of every case of --real


@pytest.fixture(scope="module")
def samples():
    return [synth.build(SEED, i) for i in ALL]


def _write_with_and_without_text(root, build, indices):
    """Files ``build(SEED, i)`` for ``indices``, written with the text under ``root/text`` and without it (same
    background) under ``root/bare``; their ground-truth entries."""
    (root / "text").mkdir()
    (root / "bare").mkdir()
    entries = []
    for i in indices:
        entries.append(synth.write(build(SEED, i), root / "text"))
        synth.write(build(SEED, i, draw=False), root / "bare")
    return root, entries


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One file of every case, written with the text and without it (same background)."""
    return _write_with_and_without_text(tmp_path_factory.mktemp("synth"), synth.build, ALL)


@pytest.fixture(scope="module")
def real_samples():
    return [synth.build_real(SEED, i) for i in REAL]


@pytest.fixture(scope="module")
def real_written(tmp_path_factory):
    """Two files of every case of --real, written with the text and without it."""
    return _write_with_and_without_text(tmp_path_factory.mktemp("real"), synth.build_real, REAL)


def _planes(path: Path) -> dict[tuple[int, int], object]:
    return {(p.frame, p.overlay): p for p in iter_planes(path)}


def _changed(root: Path, entry: dict) -> dict[tuple[int, int], np.ndarray]:
    """Per (frame, overlay): the pixels the text changed (file under text/ against the one under bare/)."""
    with_text, bare = _planes(root / "text" / entry["path"]), _planes(root / "bare" / entry["path"])
    assert with_text.keys() == bare.keys()
    changed = {}
    for key, after in with_text.items():
        before = bare[key]
        a = after.values if after.values is not None else after.image
        b = before.values if before.values is not None else before.image
        diff = np.abs(a.astype(np.int64) - b.astype(np.int64))
        changed[key] = (diff.max(axis=-1) if diff.ndim == 3 else diff) > 0
    return changed


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


def test_boxes_are_tight_around_drawn_ink_and_cover_all_of_it(samples, real_samples):
    for sample in samples + real_samples:
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
        changed = _changed(root, entry)
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
        kinds = {p.kind for p in _planes(root / "text" / entry["path"]).values()}
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


def test_real_cases_come_in_turn_after_the_files_and_forms_and_change_none_of_them(tmp_path):
    assert not set(synth.REAL_CASES) & set(synth.CASES)
    synth.generate(tmp_path / "a", 3, 1)
    assert synth.main(["--out", str(tmp_path / "b"), "--n", "3", "--seed", "1", "--forms", "1", "--real", "5"]) == 0
    synth.generate(tmp_path / "c", 0, 1, real=6)
    a, b, c = (json.loads((tmp_path / d / "gt.json").read_text()) for d in "abc")
    assert a["files"] == b["files"][:3]
    for entry in a["files"]:
        assert (tmp_path / "a" / entry["path"]).read_bytes() == (tmp_path / "b" / entry["path"]).read_bytes()
    assert [e["case"] for e in b["files"][3:]] == [synth.FORM_CASE] + [synth.REAL_CASES[i % 4] for i in range(4, 9)]
    assert b["cases"] == list(synth.CASES) + [synth.FORM_CASE] + list(synth.REAL_CASES)
    for entry in c["files"][4:]:     # file i depends on (seed, i) only, not on what comes before it
        assert (tmp_path / "c" / entry["path"]).read_bytes() == (tmp_path / "b" / entry["path"]).read_bytes()


def test_real_cases_box_what_they_changed_and_no_more(real_written):
    root, entries = real_written
    assert [e["case"] for e in entries] == [synth.REAL_CASES[i % 4] for i in REAL]
    for entry in entries:
        boxes = entry["boxes"]
        assert entry["text_present"] == bool(boxes) == (entry["case"] != "anatomy-blobs")
        assert any(b["phi"] for b in boxes) == bool(boxes)
        changed = _changed(root, entry)[(0, -1)]
        allowed = np.zeros(changed.shape, bool)
        for box in boxes:
            assert 0 <= box["left"] <= box["right"] < entry["columns"]
            assert 0 <= box["top"] <= box["bottom"] < entry["rows"]
            region = changed[box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1]
            assert region.mean() > 0.05, (entry["case"], box["text"])
            allowed[box["top"]:box["bottom"] + 1, box["left"]:box["right"] + 1] = True
        assert not (changed & ~allowed).any(), entry["path"]
        if entry["case"] == "anatomy-blobs":
            assert (root / "text" / entry["path"]).read_bytes() == (root / "bare" / entry["path"]).read_bytes()
        if entry["case"] == "label-line":
            (line,) = boxes
            assert line["right"] - line["left"] + 1 > 600 and 60 <= len(line["text"]) <= 120 and line["phi"]
            assert line["top"] < entry["rows"] // 8
            assert pydicom.dcmread(root / "text" / entry["path"]).SamplesPerPixel == 3


def _centre(box: dict) -> np.ndarray:
    return np.array([box["left"] + box["right"], box["top"] + box["bottom"]]) / 2


def test_markers_are_turned_and_mirrored_as_their_notes_say_with_the_initials_phi():
    markers = [synth.build_real(SEED, i) for i in range(0, 120, 4)]
    upright_ls = 0
    for sample in markers:
        entry = sample.entry
        letter, initials = entry["boxes"]
        assert letter["text"] in ("L", "R") and not letter["phi"]
        assert re.fullmatch(r"[A-Z]{2,3}", initials["text"]) and initials["phi"]
        turns = int(re.search(r"turned (\d+) deg", entry["notes"]).group(1)) // 90
        mirrored, cut = "mirrored" in entry["notes"], "cut by the image edge" in entry["notes"]
        way = np.array([1, 0])                    # initials right of the letter, turned anticlockwise, mirrored
        for _ in range(turns):
            way = np.array([way[1], -way[0]])
        way[0] *= -1 if mirrored else 1
        seen = _centre(initials) - _centre(letter)
        assert np.sign(seen[np.argmax(np.abs(way))]) == way[np.argmax(np.abs(way))], entry["notes"]
        if not cut:
            wide = initials["right"] - initials["left"] > initials["bottom"] - initials["top"]
            assert wide == (turns % 2 == 0), entry["notes"]
        if letter["text"] == "L" and "no plate" in entry["notes"]:   # the L itself: stem left and foot below, upright
            ink = sample.ink[(0, -1)][letter["top"]:letter["bottom"] + 1, letter["left"]:letter["right"] + 1]
            upright = np.rot90(ink[:, ::-1] if mirrored else ink, -turns)
            rows, columns = upright.shape
            assert upright[:, :columns // 2].sum() > upright[:, columns - columns // 2:].sum()
            assert upright[rows - rows // 2:].sum() > upright[:rows // 2].sum()
            upright_ls += 1
    assert upright_ls >= 2
    assert any("cut by the image edge" in s.entry["notes"] for s in markers)
    assert {int(re.search(r"turned (\d+)", s.entry["notes"]).group(1)) for s in markers} == {0, 90, 180, 270}


def test_scale_glyphs_are_small_lone_glyphs_with_one_phi_date(real_written):
    _, entries = real_written
    for entry in (e for e in entries if e["case"] == "scale-glyphs"):
        boxes = {b["text"]: b for b in entry["boxes"]}
        assert [b["text"] for b in entry["boxes"] if b["phi"]] == [b["text"] for b in entry["boxes"][-1:]]
        digits = [t for t in boxes if t.isdigit()]
        assert digits[:3] == ["0", "5", "10"] and set(digits) <= {"0", "5", "10", "15"}
        for text, box in boxes.items():
            height, width = box["bottom"] - box["top"] + 1, box["right"] - box["left"] + 1
            if text.isdigit() or text in synth.ORIENTATION:
                assert 5 <= height <= 12 and not box["phi"], box
            if text in synth.UNIT_STACKS:
                assert height > 2 * width and not box["phi"], box
        assert any(t in synth.ORIENTATION for t in boxes) and any(t in synth.UNIT_STACKS for t in boxes)
        assert "--:--:--" in boxes and not boxes["--:--:--"]["phi"]
