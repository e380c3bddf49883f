"""scripts/make_archive.py: an archive in a mix of classes (text-free series and radiographs from the corpus's real
images, make_synthetic's files with text), reproducible, with its GT; the class text-free as it always was."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian

from scriptmodules import load_script

archive = load_script("make_archive")
ARGS = ["--n", "6", "--per-series", "3", "--seed", "1", "--mix", "text-free=1"]


def _made(tmp_path_factory, name: str, args: list[str]) -> Path:
    """An archive written by make_archive with ``args`` (skipped without ../shared's corpus)."""
    if not archive.CORPUS.is_dir():
        pytest.skip("../shared is not here")
    out = tmp_path_factory.mktemp(name)
    assert archive.main(["--out", str(out), *args]) == 0
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    return _made(tmp_path_factory, "archive", ARGS) / "text-free"


def _series(root: Path) -> dict[str, list[pydicom.Dataset]]:
    series: dict[str, list[pydicom.Dataset]] = {}
    for path in sorted(root.glob("series_*/slice_*.dcm")):
        series.setdefault(path.parent.name, []).append(pydicom.dcmread(path))
    return series


def test_series_of_decodable_uncompressed_single_frames(written):
    series = _series(written)
    assert sorted(series) == ["series_000", "series_001"]
    assert [len(slices) for slices in series.values()] == [3, 3]
    for slices in series.values():
        assert len({ds.SeriesInstanceUID for ds in slices}) == 1
        assert len({ds.SOPInstanceUID for ds in slices}) == 3
        assert [ds.InstanceNumber for ds in slices] == [1, 2, 3]
        assert len({float(ds.SliceLocation) for ds in slices}) == 3
        assert len({(ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.pixel_array.dtype) for ds in slices}) == 1
        for ds in slices:
            assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
            assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
            assert ds.pixel_array.shape == (ds.Rows, ds.Columns)
            assert "NumberOfFrames" not in ds and ds.BurnedInAnnotation == "NO"
            assert not any(elem.tag.group >> 8 in (0x50, 0x60) for elem in ds)     # no curves, no overlays


def test_neighbouring_slices_differ_but_show_the_same_anatomy(written):
    for slices in _series(written).values():
        for a, b in zip(slices, slices[1:]):
            pa, pb = a.pixel_array.astype(np.float64), b.pixel_array.astype(np.float64)
            assert not np.array_equal(pa, pb)
            assert np.corrcoef(pa.ravel(), pb.ravel())[0, 1] > 0.8


def test_same_seed_writes_identical_pixels(written, tmp_path):
    archive.main(["--out", str(tmp_path), *ARGS])
    for path in written.glob("series_*/slice_*.dcm"):
        again = tmp_path / "text-free" / path.relative_to(written)
        assert pydicom.dcmread(path).PixelData == pydicom.dcmread(again).PixelData
    assert (written.parent / "gt.json").read_bytes() == (tmp_path / "gt.json").read_bytes()


def test_gt_lists_every_file_as_text_free(written):
    gt = json.loads((written.parent / "gt.json").read_text())
    assert gt["version"] == 1 and gt["cases"] == ["text-free"]
    paths = sorted(p.relative_to(written.parent).as_posix() for p in written.glob("series_*/slice_*.dcm"))
    assert sorted(entry["path"] for entry in gt["files"]) == paths
    for entry in gt["files"]:
        assert entry["sha256"] == hashlib.sha256((written.parent / entry["path"]).read_bytes()).hexdigest()
        assert (entry["text_present"], entry["frames"], entry["boxes"], entry["case"]) == (False, 1, [], "text-free")
        assert entry["notes"].startswith("source: ")


def test_sources_are_greyscale_anatomy_without_overlays_or_curves(shared):
    sources, skipped = archive.load_sources(archive.CORPUS)
    assert {source.header.PhotometricInterpretation for source in sources} <= {"MONOCHROME1", "MONOCHROME2"}
    assert all(source.pixels.ndim == 2 for source in sources)
    groups = {elem.tag.group for source in sources for elem in source.header}
    assert not [group for group in groups if group == 0x7FE0 or (group >> 8 in (0x50, 0x60) and group % 2 == 0)]
    assert any(source.path.endswith("HasFragmentSequence.dcm") for source in sources)     # its curves were dropped
    reasons = " ".join(skipped.values())
    assert "not anatomy (US)" in reasons and "a logo" in reasons and "a photo of flowers" in reasons


MIX = ["--n", "12", "--per-series", "2", "--seed", "3", "--mix", "series=4,radiograph=2,cine=1,capture=2,text=3"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    return _made(tmp_path_factory, "mixed", MIX)


def test_mix_shares_become_counts_that_add_up():
    mix = archive.parse_mix(archive.DEFAULT_MIX)
    assert list(mix) == ["series", "radiograph", "cine", "capture", "text"] and sum(mix.values()) == pytest.approx(1)
    for n in (1, 7, 24, 10000):
        counts = archive.allocate(mix, n)
        assert sum(counts.values()) == n
        assert all(abs(counts.get(case, 0) - share * n) < 1 for case, share in mix.items())
    assert archive.allocate(archive.parse_mix("text=1,series=3"), 8) == {"series": 6, "text": 2}
    for wrong in ("series", "nothing=1", "series=x", "series=-1,text=2", "series=0"):
        with pytest.raises(Exception, match="expected|number|shares"):
            archive.parse_mix(wrong)


def test_series_syntaxes_are_drawn_from_the_compressions_and_text_free_stays_uncompressed():
    syntaxes = {archive.series_of("series", 1, number).syntax for number in range(60)}
    assert syntaxes == set(archive.COMPRESSIONS)
    assert {archive.series_of("text-free", 1, number).syntax for number in range(60)} == {ExplicitVRLittleEndian}
    assert archive.series_of("radiograph", 1, 5).folder == Path("radiograph")


def test_compressed_series_hold_the_same_pixels_as_uncompressed_ones(shared, tmp_path):
    source = next(s for s in archive.load_sources(archive.CORPUS)[0] if s.header.Modality == "CT")
    for syntax in archive.COMPRESSIONS:
        series = archive.Series(Path(syntax.name), 0, "0", (1, 0), syntax)
        archive.text_free_series(source, tmp_path, 1, series, 2)
    plain = [pydicom.dcmread(p).pixel_array for p in sorted((tmp_path / ExplicitVRLittleEndian.name).iterdir())]
    for syntax in archive.COMPRESSIONS:
        paths = sorted((tmp_path / syntax.name).iterdir())
        assert [pydicom.dcmread(p).file_meta.TransferSyntaxUID for p in paths] == [syntax, syntax]
        assert all(np.array_equal(pydicom.dcmread(p).pixel_array, pixels) for p, pixels in zip(paths, plain))


def test_every_class_of_the_mix_is_written_in_proportion(mixed):
    gt = json.loads((mixed / "gt.json").read_text())
    expected = {"series": 4, "radiograph": 2, "cine": 1, "capture": 2, "text": 3}
    assert gt["cases"] == list(expected) and gt["counts"] == expected
    assert {case: sum(e["case"] == case for e in gt["files"]) for case in expected} == expected
    on_disk = sorted(p.relative_to(mixed).as_posix() for p in mixed.rglob("*.dcm"))
    assert sorted(e["path"] for e in gt["files"]) == on_disk
    assert all(e["path"].startswith(e["case"] + "/") for e in gt["files"])
    for entry in gt["files"]:
        ds = pydicom.dcmread(mixed / entry["path"])
        assert ds.pixel_array.size and entry["sha256"] == hashlib.sha256((mixed / entry["path"]).read_bytes()).hexdigest()
        if entry["case"] in ("series", "radiograph"):
            assert ds.Modality in archive.MODALITIES[entry["case"]] and ds.BurnedInAnnotation == "NO"
    series = {}
    for path in mixed.glob("series/series_*/*.dcm"):
        ds = pydicom.dcmread(path)
        series.setdefault(path.parent.name, set()).add((ds.SeriesInstanceUID, ds.Rows, ds.Columns))
    assert len(series) == 2 and all(len(one) == 1 for one in series.values())     # one size per series


def test_files_with_text_carry_make_synthetic_boxes(mixed):
    gt = json.loads((mixed / "gt.json").read_text())
    texts = [e for e in gt["files"] if e["case"] in ("cine", "capture", "text")]
    assert len(texts) == 6
    kinds = {e["notes"].split(":")[0].removeprefix("make_synthetic case ") for e in texts}
    assert kinds == {"cine-static", "scale-glyphs", "label-line", "varied", "small-7px", "green-on-grey"}
    for entry in texts:
        assert entry["text_present"] and entry["boxes"]
        for box in entry["boxes"]:
            assert 0 <= box["left"] <= box["right"] < entry["columns"] and 0 <= box["top"] <= box["bottom"] < entry["rows"]
    assert all(not e["text_present"] and not e["boxes"] for e in gt["files"] if e["case"] in ("series", "radiograph"))


def test_same_seed_writes_a_byte_identical_archive(mixed, tmp_path):
    archive.main(["--out", str(tmp_path), *MIX])
    written = sorted(p.relative_to(mixed) for p in mixed.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all((mixed / path).read_bytes() == (tmp_path / path).read_bytes() for path in written)
