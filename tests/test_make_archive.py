"""scripts/make_archive.py: series of text-free slices from the corpus's real images, reproducible, with their GT."""
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
ARGS = ["--n", "6", "--per-series", "3", "--seed", "1"]


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    if not archive.CORPUS.is_dir():
        pytest.skip("../shared is not here")
    out = tmp_path_factory.mktemp("archive")
    assert archive.main(["--out", str(out), *ARGS]) == 0
    return out


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
        again = tmp_path / path.relative_to(written)
        assert pydicom.dcmread(path).PixelData == pydicom.dcmread(again).PixelData
    assert (written / "gt.json").read_bytes() == (tmp_path / "gt.json").read_bytes()


def test_gt_lists_every_file_as_text_free(written):
    gt = json.loads((written / "gt.json").read_text())
    assert gt["version"] == 1
    paths = sorted(p.relative_to(written).as_posix() for p in written.glob("series_*/slice_*.dcm"))
    assert sorted(entry["path"] for entry in gt["files"]) == paths
    for entry in gt["files"]:
        assert entry["sha256"] == hashlib.sha256((written / entry["path"]).read_bytes()).hexdigest()
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
