"""Redacted copies: which rects are filled, on which frames and overlays, what the copy says, what is left alone."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest

from dicom_ocr.auditdb import AuditDB, FileRecord, RectRow
from dicom_ocr.cli import main
from dicom_ocr.geometry import Box
from dicom_ocr.planes import iter_planes
from dicom_ocr.redact import RedactBox, boxes_to_redact, redact_file, redact_scan
from dicom_ocr.sources import OCRENGINE_DEID_RULE

from dicomfactory import add_bit_overlay, add_overlay, base_dataset, save, with_jpeg_baseline, with_pixels


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(db_dir: Path, path: Path, rects: list[tuple[Box, int, int, int, int]]) -> None:
    """(box, frame, overlay, ocrengine, nerpii) rects for ``path``, and the plane's summary row."""
    rows = [RectRow(str(path), box, frame, overlay, engine, "text", 70, pii, "ocr", "")
            for box, frame, overlay, engine, pii in rects]
    rows.append(RectRow(str(path), None, 0, -1, 6, "all text"))
    with AuditDB(db_dir) as db:
        db.write_file(FileRecord(str(path), "done", n_planes=1, n_regions=len(rects), has_phi=True), rows)


def test_phi_and_rule_rects_are_filled_and_text_judged_clear_is_kept(tmp_path):
    pixels = np.full((3, 40, 60), 100, np.uint16)
    pixels[:, 5:10, 5:20] = 4000      # a name on every frame
    pixels[1, 20:25, 5:20] = 4000     # a clock on frame 1 only
    pixels[:, 30:35, 5:20] = 3000     # technical text
    source = save(with_pixels(base_dataset(), pixels, bits_stored=12), tmp_path / "cine.dcm")
    before = _sha(source)
    _record(tmp_path / "db", source, [(Box(4, 4, 21, 11), -1, -1, 6, 1), (Box(4, 19, 21, 26), 1, -1, 6, 1),
                                      (Box(4, 29, 21, 36), -1, -1, 6, 0), (Box(50, 0, 59, 9), 0, -1, OCRENGINE_DEID_RULE, -1)])
    boxes = boxes_to_redact(tmp_path / "db", str(source))
    assert len(boxes) == 3 and len(boxes_to_redact(tmp_path / "db", str(source), all_text=True)) == 4
    target = tmp_path / "out" / "cine.dcm"
    assert redact_file(source, boxes, target) == 3 + 1 + 1
    copy = pydicom.dcmread(target)
    out = copy.pixel_array
    assert (out[:, 4:12, 4:22] == 100).all()          # the frame's darkest value
    assert (out[1, 19:27, 4:22] == 100).all()
    assert (out[:, 30:35, 5:20] == 3000).all()        # judged not PHI: kept
    untouched = np.ones(out.shape, bool)
    untouched[:, 4:12, 4:22] = untouched[1, 19:27, 4:22] = untouched[0, 0:10, 50:60] = False
    assert (out[untouched] == pixels[untouched]).all()
    assert copy.SOPInstanceUID != pydicom.dcmread(source).SOPInstanceUID
    assert _sha(source) == before


def test_monochrome1_is_filled_with_its_brightest_value_which_shows_black(tmp_path):
    pixels = np.full((20, 20), 500, np.uint16)
    pixels[0, 0] = 4095
    source = save(with_pixels(base_dataset(), pixels, "MONOCHROME1", bits_stored=12), tmp_path / "m1.dcm")
    redact_file(source, [RedactBox(Box(5, 5, 9, 9), 0, -1)], tmp_path / "o.dcm")
    assert (pydicom.dcmread(tmp_path / "o.dcm").pixel_array[5:10, 5:10] == 4095).all()


def test_overlay_rects_clear_overlay_bits_and_high_bit_overlays(tmp_path):
    pixels = np.full((32, 48), 50, np.uint16)
    pixels[2:6, 2:20] |= 1 << 13           # high-bit overlay text (bit 13 above BitsStored 12)
    ds = add_bit_overlay(with_pixels(base_dataset(), pixels, bits_stored=12), 1, 13)
    bits = np.zeros((16, 24), np.uint8)
    bits[3:8, 2:20] = 1
    source = save(add_overlay(ds, 0, bits, origin=(10, 20)), tmp_path / "ovl.dcm")
    target = tmp_path / "o.dcm"
    redact_file(source, [RedactBox(Box(1, 2, 21, 9), 0, 0), RedactBox(Box(1, 1, 21, 7), 0, 1)], target)
    planes = {(p.frame, p.overlay): p for p in iter_planes(target)}
    assert planes[(0, 0)].blank and planes[(0, 1)].blank
    assert (pydicom.dcmread(target).pixel_array[10:, :] == 50).all()


def test_compressed_colour_copies_are_uncompressed_rgb(tmp_path):
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[10:20, 10:50] = (255, 255, 0)
    source = save(with_jpeg_baseline(base_dataset(Modality="US"), rgb), tmp_path / "us.dcm")
    redact_file(source, [RedactBox(Box(8, 8, 52, 22), 0, -1)], tmp_path / "o.dcm")
    copy = pydicom.dcmread(tmp_path / "o.dcm")
    assert copy.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert copy.PhotometricInterpretation == "RGB"
    assert copy.pixel_array[8:23, 8:53].max() < 20


def test_a_batch_goes_on_past_bad_files_and_never_overwrites_inputs(tmp_path, capsys):
    (tmp_path / "in" / "a").mkdir(parents=True)
    good = save(with_pixels(base_dataset(), np.full((20, 20), 9, np.uint8)), tmp_path / "in" / "a" / "good.dcm")
    bad = tmp_path / "in" / "bad.dcm"
    bad.write_bytes(b"not dicom at all")
    _record(tmp_path / "db", good, [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    _record(tmp_path / "db", bad, [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    results = list(redact_scan(tmp_path / "db", tmp_path / "out", [str(bad), str(good)], root=tmp_path / "in"))
    assert results[0].error is not None and results[0].error.cause == "not-dicom"
    assert results[1].target == str(tmp_path / "out" / "a" / "good.dcm") and results[1].boxes == 1
    assert list(redact_scan(tmp_path / "db", tmp_path / "in", [str(good)], root=tmp_path / "in"))[0].error is not None
    assert main(["redact", "--db", str(tmp_path / "db"), "--out", str(tmp_path / "cli"), "--root", str(tmp_path / "in")]) == 1
    assert "1 copies" in capsys.readouterr().err and (tmp_path / "cli" / "a" / "good.dcm").is_file()


@pytest.mark.parametrize("name", ["MR_small_bigendian.dcm", "SC_rgb_rle.dcm"])
def test_pydicom_files_round_trip_outside_the_boxes(tmp_path, name):
    from pydicom.data import get_testdata_file
    source = Path(get_testdata_file(name, download=False))
    original = pydicom.dcmread(source).pixel_array
    redact_file(source, [RedactBox(Box(0, 0, 9, 9), 0, -1)], tmp_path / "o.dcm")
    out = pydicom.dcmread(tmp_path / "o.dcm").pixel_array
    assert (out[10:, 10:] == original[10:, 10:]).all()
    assert len(np.unique(out[:10, :10].reshape(-1, *out.shape[2:]), axis=0)) == 1


def test_files_pydicom_could_not_write_as_read_are_tidied(tmp_path):
    """Empty SOP Instance UID and file meta without it (as in dwv's leadtools sample): the copy gets UIDs."""
    ds = with_pixels(base_dataset(), np.full((8, 8), 3, np.uint8))
    source = tmp_path / "odd.dcm"
    ds.save_as(source, enforce_file_format=True)
    odd = pydicom.dcmread(source)
    odd.SOPInstanceUID = ""
    del odd.file_meta.MediaStorageSOPInstanceUID
    odd.save_as(source, enforce_file_format=False)
    redact_file(source, [], tmp_path / "o.dcm")
    copy = pydicom.dcmread(tmp_path / "o.dcm")
    assert copy.SOPInstanceUID and copy.file_meta.MediaStorageSOPInstanceUID == copy.SOPInstanceUID
