"""Redacted copies: policies, pixels kept per syntax and photometric, DICOM marks, paths, verification, resume."""
from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

from dicom_ocr.cli import main
from dicom_ocr.geometry import Box
from dicom_ocr.planes import iter_planes
from dicom_ocr.redaction import (
    Policy,
    RedactBox,
    Redacted,
    Verifier,
    boxes_to_redact,
    partial_path,
    redact_file,
    redact_scan,
    target_path,
)
from dicom_ocr.redaction.fill import darkest_palette_index
from dicom_ocr.sources import OCRENGINE_DEID_RULE
from dicom_ocr.store import DB_NAME, AuditDB, FileRecord, RectRow, RedactionRecord

from dicomfactory import add_bit_overlay, add_overlay, base_dataset, save, with_jpeg_baseline, with_pixels

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": str(ROOT)}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(db_dir: Path, path: Path, rects: list[tuple[Box, int, int, int, int]], engine: str = "") -> None:
    """(box, frame, overlay, ocrengine, nerpii) rects for ``path``, and the plane's summary row."""
    rows = [RectRow(str(path), box, frame, overlay, ocrengine, "text", 70, pii, "ocr", "")
            for box, frame, overlay, ocrengine, pii in rects]
    rows.append(RectRow(str(path), None, 0, -1, 6, "all text"))
    with AuditDB(db_dir) as db:
        db.write_file(FileRecord(str(path), "done", n_planes=1, n_regions=len(rects), has_phi=True, engine=engine), rows)


def _reviewer_rect(db_dir: Path, path: Path, box: Box, nerpii: int = 0) -> None:
    """A rectangle a reviewer drew in dcmaudit (not ours: last_modified_by is the reviewer)."""
    with sqlite3.connect(db_dir / DB_NAME) as conn:
        conn.execute('INSERT INTO "DicomRects"(filename, "left", top, "right", bottom, frame, overlay, ocrengine, '
                     "ocrtext, nerengine, nerpii, last_modified_by) VALUES (?,?,?,?,?,0,-1,-1,'',-1,?,'alice')",
                     (str(path), box.left, box.top, box.right, box.bottom, nerpii))


def _files(db_dir: Path) -> list[FileRecord]:
    with AuditDB(db_dir) as db:
        return list(db.files.records().values())


def _redacted(db_dir: Path, out: Path, files: list[FileRecord], **options) -> list[Redacted]:
    """``redact_scan`` run to the end over a store of its own."""
    with AuditDB(db_dir) as db:
        return list(redact_scan(db, out, files, **options))


def _redaction(db_dir: Path | str, filename: Path) -> RedactionRecord | None:
    with AuditDB(db_dir) as db:
        return db.redactions.get(str(filename))


def _boxes(db_dir: Path, filename: Path, policy: Policy = Policy.ALL_TEXT) -> list[RedactBox]:
    with AuditDB(db_dir) as db:
        return boxes_to_redact(db, str(filename), policy)


# ---- policies -------------------------------------------------------------------------------------------------------

def _ultrasound(tmp_path: Path, name: str, declared: bool) -> Path:
    """A 60 x 80 US image, value 100 but one black pixel (0, 0), with a clinical region (rows 20-49, columns 10-69)
    when ``declared``."""
    header = {"Modality": "US"}
    if declared:
        region = Dataset()
        region.RegionLocationMinX0, region.RegionLocationMinY0 = 10, 20
        region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 69, 49
        region.RegionSpatialFormat = 1
        header["SequenceOfUltrasoundRegions"] = [region]
    pixels = np.full((60, 80), 100, np.uint8)
    pixels[0, 0] = 0
    return save(with_pixels(base_dataset(**header), pixels), tmp_path / name)


def test_each_policy_fills_what_it_says_and_reviewer_rects_always(tmp_path):
    source = _ultrasound(tmp_path, "us.dcm", declared=True)
    db = tmp_path / "db"
    phi, technical, rule, reviewer = Box(12, 22, 20, 26), Box(30, 22, 40, 26), Box(50, 22, 60, 26), Box(12, 40, 20, 45)
    _record(db, source, [(phi, 0, -1, 6, 1), (technical, 0, -1, 6, 0), (rule, -1, -1, OCRENGINE_DEID_RULE, -1)])
    _reviewer_rect(db, source, reviewer, nerpii=0)

    def filled(policy: Policy) -> np.ndarray:
        results = _redacted(db, tmp_path / policy.value, _files(db), root=tmp_path, policy=policy)
        assert results[0].error is None and _redaction(db, source).policy == policy.value
        black = pydicom.dcmread(tmp_path / policy.value / "us.dcm").pixel_array == 0
        black[0, 0] = False
        return black

    everything = filled(Policy.ALL_TEXT)
    for box in (phi, technical, rule, reviewer):
        assert everything[box.top:box.bottom + 1, box.left:box.right + 1].all()
    assert everything.sum() == sum(b.area for b in (phi, technical, rule, reviewer))
    kept = filled(Policy.KEEP_TECHNICAL)
    assert not kept[technical.top:technical.bottom + 1, technical.left:technical.right + 1].any()
    assert kept[reviewer.top:reviewer.bottom + 1, reviewer.left:reviewer.right + 1].all()   # judged 0, but a reviewer's
    assert kept.sum() == everything.sum() - technical.area
    outside = filled(Policy.OUTSIDE_ULTRASOUND_REGIONS)
    clinical = np.zeros_like(outside)
    clinical[20:50, 10:70] = True
    clinical[0, 0] = True
    assert outside[~clinical].all() and outside[clinical].sum() == everything.sum()


def test_an_ultrasound_without_declared_regions_keeps_its_image_unless_the_ultrasound_policy_is_asked(tmp_path):
    source = _ultrasound(tmp_path, "bare.dcm", declared=False)
    _record(tmp_path / "db", source, [(Box(2, 2, 9, 9), 0, -1, 6, 1)])
    redact_scan_all = _redacted(tmp_path / "db", tmp_path / "a", _files(tmp_path / "db"), root=tmp_path)
    assert redact_scan_all[0].error is None
    assert (pydicom.dcmread(tmp_path / "a" / "bare.dcm").pixel_array == 100).sum() == 60 * 80 - 64 - 1
    redact_file(source, [], tmp_path / "b.dcm", policy=Policy.OUTSIDE_ULTRASOUND_REGIONS)
    assert (pydicom.dcmread(tmp_path / "b.dcm").pixel_array == 0).all()      # deid's recipe: the whole image


def test_frames_overlays_and_judged_rects_of_the_db(tmp_path):
    pixels = np.full((3, 40, 60), 100, np.uint16)
    pixels[:, 5:10, 5:20] = 4000      # a name on every frame
    pixels[1, 20:25, 5:20] = 4000     # a clock on frame 1 only
    source = save(with_pixels(base_dataset(), pixels, bits_stored=12), tmp_path / "cine.dcm")
    before = _sha(source)
    _record(tmp_path / "db", source, [(Box(4, 4, 21, 11), -1, -1, 6, 1), (Box(4, 19, 21, 26), 1, -1, 6, 1),
                                      (Box(4, 29, 21, 36), -1, -1, 6, 0)])
    assert len(_boxes(tmp_path / "db", source, Policy.KEEP_TECHNICAL)) == 2
    boxes = _boxes(tmp_path / "db", source)
    assert len(boxes) == 3
    written = redact_file(source, boxes, tmp_path / "o.dcm")
    assert written.fills == 3 + 1 + 3
    out = pydicom.dcmread(tmp_path / "o.dcm").pixel_array
    untouched = np.ones(out.shape, bool)
    untouched[:, 4:12, 4:22] = untouched[1, 19:27, 4:22] = untouched[:, 29:37, 4:22] = False
    assert (out[~untouched] == 100).all() and (out[untouched] == pixels[untouched]).all()
    assert _sha(source) == before


def test_overlay_rects_clear_60xx_bits_and_high_bit_overlays(tmp_path):
    pixels = np.full((32, 48), 50, np.uint16)
    pixels[2:6, 2:20] |= 1 << 13           # high-bit overlay text (bit 13 above BitsStored 12)
    pixels[20:24, 2:20] |= 1 << 13         # more of it, outside the box: kept
    ds = add_bit_overlay(with_pixels(base_dataset(), pixels, bits_stored=12), 1, 13)
    bits = np.zeros((16, 24), np.uint8)
    bits[3:8, 2:20] = 1
    source = save(add_overlay(ds, 0, bits, origin=(10, 20)), tmp_path / "ovl.dcm")
    target = tmp_path / "o.dcm"
    written = redact_file(source, [RedactBox(Box(1, 2, 21, 9), 0, 0), RedactBox(Box(1, 1, 21, 7), 0, 1)], target)
    assert written.syntax_out == ExplicitVRLittleEndian
    planes = {(p.frame, p.overlay): p for p in iter_planes(target)}
    assert planes[(0, 0)].blank and not planes[(0, 1)].blank
    copy = pydicom.dcmread(target)
    copy.pixel_array_options(correct_unused_bits=False)
    assert (copy.pixel_array[1:8, 1:22] == 50).all() and (copy.pixel_array[20:24, 2:20] == 50 | 1 << 13).all()


def test_a_compressed_file_with_high_bit_overlays_gets_rle_which_keeps_every_bit(tmp_path, shared):
    source = shared / "corpus" / "dicompixelanon" / "data" / "sample_dicom" / "XA_GE_JPEG_02_with_Overlays.dcm"
    written = redact_file(source, [RedactBox(Box(0, 0, 99, 59), 0, -1)], tmp_path / "o.dcm")
    assert written.syntax_out == RLELossless
    original, copy = pydicom.dcmread(source), pydicom.dcmread(tmp_path / "o.dcm")
    for ds in (original, copy):
        ds.pixel_array_options(correct_unused_bits=False)
    assert (copy.pixel_array[60:] == original.pixel_array[60:]).all()
    assert (copy.pixel_array[:60, :100] >> 12 == 0).all() and (original.pixel_array[:60, :100] >> 12).any()


# ---- pixels per syntax family and photometric -----------------------------------------------------------------------

FAMILIES = [  # pydicom's test file, the syntax the copy is written in, the photometric written
    ("MR_small_bigendian.dcm", ExplicitVRBigEndian, "MONOCHROME2"),            # signed, big endian
    ("MR_small_implicit.dcm", ImplicitVRLittleEndian, "MONOCHROME2"),
    ("image_dfl.dcm", DeflatedExplicitVRLittleEndian, "MONOCHROME2"),
    ("SC_ybr_full_uncompressed.dcm", ExplicitVRLittleEndian, "YBR_FULL"),
    ("MR_small_RLE.dcm", RLELossless, "MONOCHROME2"),                          # signed RLE
    ("SC_rgb_rle.dcm", RLELossless, "RGB"),
    ("OBXXXX1A_rle.dcm", RLELossless, "PALETTE COLOR"),
    ("emri_small_jpeg_ls_lossless.dcm", JPEGLSLossless, "MONOCHROME2"),        # 10 frames, 12 bits
    ("MR_small_jp2klossless.dcm", JPEG2000Lossless, "MONOCHROME2"),
    ("US1_J2KR.dcm", JPEG2000Lossless, "RGB"),                                 # YBR_RCT, decoded to RGB
    ("SC_rgb_dcmtk_+eb+cy+s2.dcm", JPEGLSLossless, "YBR_FULL"),                # YBR_FULL_422 JPEG baseline
    ("JPGExtended.dcm", JPEGLSLossless, "MONOCHROME2"),                        # 12-bit JPEG extended
    ("JPEG-LL.dcm", JPEGLSLossless, "MONOCHROME2"),                            # JPEG lossless: no encoder here
    ("JPEG2000.dcm", JPEGLSLossless, "MONOCHROME2"),                           # lossy JPEG 2000, signed
    ("RG1_J2KI.dcm", JPEGLSLossless, "MONOCHROME1"),                           # lossy JPEG 2000, MONOCHROME1
]


def _stored(ds: Dataset, as_rgb: bool) -> np.ndarray:
    ds.pixel_array_options(as_rgb=as_rgb)
    pixels = ds.pixel_array
    return pixels if int(ds.get("NumberOfFrames") or 1) > 1 else pixels[np.newaxis]


def _expected_fill(ds: Dataset, photometric: str, frame: np.ndarray):
    if photometric == "MONOCHROME1":
        return frame.max()
    if photometric == "PALETTE COLOR":
        return darkest_palette_index(ds)
    if photometric == "YBR_FULL":
        return np.array([frame[..., 0].min(), 128, 128])
    return frame.min()


@pytest.mark.parametrize("name, syntax, photometric", FAMILIES, ids=[f[0] for f in FAMILIES])
def test_each_syntax_keeps_its_pixels_outside_the_box_and_a_lossless_syntax(tmp_path, name, syntax, photometric):
    source = Path(get_testdata_file(name, download=False))
    original = pydicom.dcmread(source)
    before = _stored(original, as_rgb=False)      # YBR_FULL(_422) as YBR_FULL; JPEG 2000's YBR_RCT decodes to RGB
    written = redact_file(source, [RedactBox(Box(2, 3, 13, 9), -1, -1)], tmp_path / "o.dcm")
    copy = pydicom.dcmread(tmp_path / "o.dcm")
    assert written.syntax_out == syntax == copy.file_meta.TransferSyntaxUID
    assert copy.PhotometricInterpretation == photometric
    after = _stored(copy, as_rgb=False)
    assert after.shape == before.shape and after.dtype == before.dtype
    outside = np.ones(after.shape[:3], bool)
    outside[:, 3:10, 2:14] = False
    assert (after[outside] == before[outside]).all()
    for index in range(len(after)):
        assert (after[index, 3:10, 2:14] == _expected_fill(copy, photometric, before[index])).all()


def test_darkest_palette_entry_is_the_fill_of_a_palette_file(tmp_path):
    source = Path(get_testdata_file("OBXXXX1A.dcm", download=False))
    ds = pydicom.dcmread(source)
    index = darkest_palette_index(ds)
    assert (pydicom.pixels.apply_color_lut(np.array([index], np.uint8), ds) == 0).all()   # its darkest entry is black


def test_monochrome1_is_filled_with_its_brightest_value_which_shows_black(tmp_path):
    pixels = np.full((20, 20), 500, np.uint16)
    pixels[0, 0] = 4095
    source = save(with_pixels(base_dataset(), pixels, "MONOCHROME1", bits_stored=12), tmp_path / "m1.dcm")
    redact_file(source, [RedactBox(Box(5, 5, 9, 9), 0, -1)], tmp_path / "o.dcm")
    assert (pydicom.dcmread(tmp_path / "o.dcm").pixel_array[5:10, 5:10] == 4095).all()


def test_signed_data_is_filled_with_its_minimum(tmp_path):
    pixels = np.full((20, 20), -5, np.int16)
    pixels[0, 0] = -900
    source = save(with_pixels(base_dataset(), pixels, bits_stored=12, signed=True), tmp_path / "s.dcm")
    redact_file(source, [RedactBox(Box(5, 5, 9, 9), 0, -1)], tmp_path / "o.dcm")
    out = pydicom.dcmread(tmp_path / "o.dcm").pixel_array
    assert (out[5:10, 5:10] == -900).all() and out[12, 12] == -5


def test_a_jpeg_ultrasound_keeps_ybr_losslessly_and_its_fill_shows_black(tmp_path):
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[10:20, 10:50] = (255, 255, 0)
    source = save(with_jpeg_baseline(base_dataset(Modality="US"), rgb), tmp_path / "us.dcm")
    redact_file(source, [RedactBox(Box(8, 8, 52, 22), 0, -1)], tmp_path / "o.dcm")
    copy, original = pydicom.dcmread(tmp_path / "o.dcm"), pydicom.dcmread(source)
    assert copy.file_meta.TransferSyntaxUID == JPEGLSLossless
    assert (copy.PhotometricInterpretation, copy.PlanarConfiguration) == ("YBR_FULL", 0)
    shown = copy.pixel_array                                     # as a viewer shows it: converted to RGB
    assert shown[8:23, 8:53].max() < 20
    assert (shown[30:] == original.pixel_array[30:]).all()     # the same RGB as the input shows


def test_a_file_with_nothing_to_fill_keeps_its_pixel_data_byte_for_byte(tmp_path):
    source = Path(get_testdata_file("SC_rgb_dcmtk_+eb+cy+s2.dcm", download=False))
    written = redact_file(source, [], tmp_path / "o.dcm")
    assert written.syntax_out == written.syntax_in
    assert pydicom.dcmread(tmp_path / "o.dcm").PixelData == pydicom.dcmread(source).PixelData



def test_odd_length_fragments_are_padded_so_the_copy_reads_frame_by_frame(tmp_path):
    from pydicom.encaps import generate_fragments, itemize_fragment
    from pydicom.pixels import iter_pixels
    ds = pydicom.dcmread(get_testdata_file("MR_small_jp2klossless.dcm", download=False))
    table, *fragments = generate_fragments(ds.PixelData)
    odd = fragments[0] + b"\0" * (1 - len(fragments[0]) % 2)     # one byte after the end of the codestream
    ds.PixelData = b"".join(itemize_fragment(item) for item in (table, odd, *fragments[1:]))
    source = tmp_path / "odd.dcm"
    ds.save_as(source)            # pydicom writes the odd item as it is: a file like NM_Kakadu44_SOTmarkerincons
    assert len(list(generate_fragments(pydicom.dcmread(source).PixelData))[1]) % 2 == 1
    redact_file(source, [], tmp_path / "o.dcm")
    copy = pydicom.dcmread(tmp_path / "o.dcm")
    assert all(len(item) % 2 == 0 for item in generate_fragments(copy.PixelData))
    frames = list(iter_pixels(tmp_path / "o.dcm"))
    assert len(frames) == 1 and np.array_equal(frames[0], pydicom.dcmread(source).pixel_array)


# ---- DICOM marks ----------------------------------------------------------------------------------------------------

def _marked(tmp_path: Path, policy: Policy, header_recipe: bool = False) -> tuple[Dataset, Dataset]:
    source = tmp_path / "in.dcm"
    if not source.exists():
        ds = with_pixels(base_dataset(BurnedInAnnotation="YES"), np.full((16, 16), 7, np.uint8))
        earlier = Dataset()
        earlier.CodeValue, earlier.CodingSchemeDesignator, earlier.CodeMeaning = (
            "113100", "DCM", "Basic Application Confidentiality Profile")
        ds.DeidentificationMethodCodeSequence = [earlier]
        save(ds, source)
    target = tmp_path / f"{policy.value}-{header_recipe}.dcm"
    redact_file(source, [RedactBox(Box(0, 0, 3, 3), 0, -1)], target, policy=policy, header_recipe=header_recipe)
    return pydicom.dcmread(source), pydicom.dcmread(target)


def test_copies_are_marked_as_cleaned_and_nothing_else_changes(tmp_path):
    source, copy = _marked(tmp_path, Policy.ALL_TEXT)
    assert copy.BurnedInAnnotation == "NO"
    assert [(c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning) for c in copy.DeidentificationMethodCodeSequence] \
        == [("113100", "DCM", "Basic Application Confidentiality Profile"), ("113101", "DCM", "Clean Pixel Data Option")]
    assert copy.SOPInstanceUID != source.SOPInstanceUID
    assert copy.file_meta.MediaStorageSOPInstanceUID == copy.SOPInstanceUID
    changed = {"PixelData", "SOPInstanceUID", "BurnedInAnnotation", "DeidentificationMethodCodeSequence"}
    assert {e.keyword: e.value for e in source if e.keyword not in changed} == \
        {e.keyword: e.value for e in copy if e.keyword not in changed}
    assert copy.PatientName == "DOE^JOHN"      # the header is not de-identified by default


def test_keep_technical_does_not_claim_that_no_text_is_left(tmp_path):
    _, copy = _marked(tmp_path, Policy.KEEP_TECHNICAL)
    assert copy.BurnedInAnnotation == "YES"
    assert copy.DeidentificationMethodCodeSequence[-1].CodeValue == "113101"


def test_deid_header_recipe_on_request(tmp_path):
    source, copy = _marked(tmp_path, Policy.ALL_TEXT, header_recipe=True)
    assert "PatientName" not in copy and "PatientID" not in copy and copy.PatientIdentityRemoved == "YES"
    assert copy.SOPClassUID == source.SOPClassUID and copy.StudyInstanceUID != source.StudyInstanceUID
    assert copy.file_meta.MediaStorageSOPInstanceUID == copy.SOPInstanceUID
    assert copy.BurnedInAnnotation == "NO" and copy.pixel_array.shape == (16, 16)


# ---- paths, batch, CLI ----------------------------------------------------------------------------------------------

def test_symlinked_inputs_keep_their_layout_below_root_as_stored(tmp_path):
    real = tmp_path / "real" / "study"
    real.mkdir(parents=True)
    save(with_pixels(base_dataset(), np.full((20, 20), 9, np.uint8)), real / "a.dcm")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    through_link = tmp_path / "link" / "study" / "a.dcm"
    _record(tmp_path / "db", through_link, [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    code = main(["redact", "--db", str(tmp_path / "db"), "--out", str(tmp_path / "out"), "--root",
                 str(tmp_path / "link")])
    assert code == 0 and (tmp_path / "out" / "study" / "a.dcm").is_file()
    assert target_path(str(through_link), tmp_path / "o", None) == tmp_path / "o" / through_link.relative_to("/")
    with pytest.raises(Exception, match="not below --root"):
        target_path(str(through_link), tmp_path / "o", tmp_path / "real")


def test_a_batch_goes_on_past_bad_files_and_never_overwrites_inputs(tmp_path, capsys):
    (tmp_path / "in" / "a").mkdir(parents=True)
    good = save(with_pixels(base_dataset(), np.full((20, 20), 9, np.uint8)), tmp_path / "in" / "a" / "good.dcm")
    bad = tmp_path / "in" / "bad.dcm"
    bad.write_bytes(b"not dicom at all")
    _record(tmp_path / "db", good, [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    _record(tmp_path / "db", bad, [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    before = _sha(good)
    results = {r.record.filename: r for r in _redacted(tmp_path / "db", tmp_path / "out", _files(tmp_path / "db"),
                                                         root=tmp_path / "in")}
    assert results[str(bad)].error.cause == "not-dicom"
    assert results[str(good)].record.target == str(tmp_path / "out" / "a" / "good.dcm")
    assert results[str(good)].record.boxes == 1
    again = _redacted(tmp_path / "db", tmp_path / "in", _files(tmp_path / "db"), root=tmp_path / "in")
    assert all(r.error is not None for r in again) and _sha(good) == before
    assert main(["redact", "--db", str(tmp_path / "db"), "--out", str(tmp_path / "cli"), "--root",
                 str(tmp_path / "in")]) == 1
    assert "1 copies" in capsys.readouterr().err and (tmp_path / "cli" / "a" / "good.dcm").is_file()
    assert main(["status", "--db", str(tmp_path / "db")]) == 0
    assert re.search(r"redacted copies: +1 \(1 all-text\), 0 verified, 0 failing verification, 1 failed",
                     capsys.readouterr().out)



def test_copies_made_in_worker_processes_match_those_made_here_and_a_dead_worker_costs_only_its_copies(tmp_path):
    import psutil

    from dicom_ocr.batch import WORKER_CRASHED
    (tmp_path / "in").mkdir()
    for i in range(12):
        image = np.zeros((60, 200), np.uint8)
        cv2.putText(image, f"DOE {i}", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
        _record(tmp_path / "db", save(with_pixels(base_dataset(), image), tmp_path / "in" / f"{i}.dcm"),
                [(Box(5, 10, 120, 50), 0, -1, 6, 1)])
    (tmp_path / "in" / "bad.dcm").write_bytes(b"not dicom at all")
    _record(tmp_path / "db", tmp_path / "in" / "bad.dcm", [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    files, verifier = _files(tmp_path / "db"), Verifier()

    def outcomes(out: str, jobs: int) -> dict[str, tuple]:
        return {Path(r.record.filename).name: (r.record.state, r.record.error_cause, r.record.boxes,
                                               r.record.verified, r.record.syntax_out)
                for r in _redacted(tmp_path / "db", tmp_path / out, files, root=tmp_path / "in",
                                   verifier=verifier, jobs=jobs)}
    here, workers = outcomes("one", 1), outcomes("two", 2)
    assert here == workers and len(here) == 13 and here["bad.dcm"][:2] == ("error", "not-dicom")
    assert {here[f"{i}.dcm"] for i in range(12)} == {("done", None, 1, True, "Explicit VR Little Endian")}
    results = []
    with AuditDB(tmp_path / "db") as db:
        for result in redact_scan(db, tmp_path / "three", files, root=tmp_path / "in", verifier=verifier,
                                  jobs=2):        # verifying: slow enough that copies are in flight at the kill
            results.append(result)
            if len(results) == 1:
                worker = next(c for c in psutil.Process().children() if "spawn_main" in " ".join(c.cmdline()))
                worker.kill()
    causes = [r.record.error_cause for r in results]
    assert len(results) == 13 and WORKER_CRASHED in causes
    crashed = [Path(r.record.filename).name for r in results if r.record.error_cause == WORKER_CRASHED]
    assert all(not (tmp_path / "three" / name).exists() for name in crashed)   # no copy left for them
    recorded = {Path(r.record.filename).name: r.record.error_cause for r in results}
    assert {_redaction(tmp_path / "db", tmp_path / "in" / name).error_cause
            for name in recorded} == set(recorded.values())                       # each outcome recorded

def test_verify_catches_a_phi_box_left_unfilled_and_fills_it_unless_told_not_to(tmp_path, capsys):
    image = np.zeros((120, 360), np.uint8)
    cv2.putText(image, "SMITH JOHN", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    cv2.putText(image, "12345678", (10, 95), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    (tmp_path / "in").mkdir()
    source = save(with_pixels(base_dataset(PatientName="SMITH^JOHN"), image), tmp_path / "in" / "a.dcm")
    db = str(tmp_path / "db")
    assert main(["scan", str(source), "--db", db, "--ocr", "tesseract:plain", "-q"]) == 0
    args = ["redact", "--db", db, "--out", str(tmp_path / "out"), "--root", str(tmp_path / "in"), "--verify"]
    assert main(args) == 0
    record = _redaction(db, source)
    assert record.verified is True and record.phi_left == 0
    with sqlite3.connect(Path(db) / DB_NAME) as conn:      # forget the name's box: the copy would keep it
        conn.execute('DELETE FROM "DicomRects" WHERE ocrtext LIKE \'%SMITH%\' AND "left" >= 0')
    assert main([*args, "--no-refill"]) == 1               # the rects changed: made again, and caught
    record = _redaction(db, source)
    assert record.verified is False and record.phi_left >= 1 and "SMITH" in record.text_left
    assert record.refilled == 0
    assert "verification-failed" in capsys.readouterr().err
    assert main(["status", "--db", db]) == 0
    assert "1 failing verification" in capsys.readouterr().out
    assert main(args) == 0                                 # made again (it failed); what verification finds filled too
    record = _redaction(db, source)
    assert record.verified is True and record.phi_left == 0 and record.refilled >= 1
    assert "1 with text the scan missed filled after verification" in capsys.readouterr().err
    copy = pydicom.dcmread(record.target).pixel_array
    assert copy[20:45, 10:200].max() == 0                  # the name's pixels are black in the copy


def test_resume_after_a_sigkill_of_the_real_command(tmp_path):
    (tmp_path / "in").mkdir()
    n = 120
    for i in range(n):
        path = save(with_pixels(base_dataset(), np.full((256, 256), i, np.uint16)), tmp_path / "in" / f"{i:03d}.dcm")
        _record(tmp_path / "db", path, [(Box(0, 0, 99, 99), 0, -1, 6, 1)])
    out = tmp_path / "out"
    command = [sys.executable, "-m", "dicom_ocr", "redact", "--db", str(tmp_path / "db"), "--out", str(out),
               "--root", str(tmp_path / "in")]
    run = subprocess.Popen(command, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(out.glob("*.dcm"))) < 5:
        time.sleep(0.005)
    run.send_signal(signal.SIGKILL)
    run.wait()
    written = sorted(out.glob("*.dcm"))
    assert 5 <= len(written) < n, "killed too late to test a resume"
    for path in written:                      # whatever is under a copy's name is a whole copy
        assert pydicom.dcmread(path).pixel_array[100:, 100:].mean() == int(path.stem)
    with AuditDB(tmp_path / "db") as db:
        done = len(db.redactions.rows())
    again = subprocess.run(command, env=ENV, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{n - done} copies" in again.stderr and f"{done} already done" in again.stderr
    assert len(list(out.glob("*.dcm"))) == n and not list(out.glob(".*.partial"))
    assert not partial_path(out / "000.dcm").exists()


def test_deid_header_on_a_real_file_with_stray_item_tags(tmp_path, shared):
    """GH364.dcm holds (FFFE,E000) at the top level, which deid cannot read: the copy is tidied first."""
    source = shared / "corpus" / "fo-dicom" / "Tests" / "FO-DICOM.Tests" / "Test_Data" / "GH364.dcm"
    written = redact_file(source, [RedactBox(Box(0, 0, 9, 9), 0, -1)], tmp_path / "o.dcm", header_recipe=True)
    copy = pydicom.dcmread(tmp_path / "o.dcm")
    assert written.syntax_out == JPEGLSLossless and "PatientName" not in copy and copy.PatientIdentityRemoved == "YES"
    assert (copy.pixel_array[10:] == pydicom.dcmread(source).pixel_array[10:]).all()


def test_a_file_that_fails_leaves_no_copy_not_even_an_earlier_one(tmp_path):
    source = save(with_pixels(base_dataset(), np.full((20, 20), 9, np.uint8)), tmp_path / "a.dcm")
    _record(tmp_path / "db", source, [(Box(0, 0, 4, 4), 0, -1, 6, 1)])
    assert main(["redact", "--db", str(tmp_path / "db"), "--out", str(tmp_path / "out"), "--root", str(tmp_path)]) == 0
    assert (tmp_path / "out" / "a.dcm").is_file()
    source.write_bytes(source.read_bytes()[:400])          # now truncated, and its rects changed: made again, fails
    _record(tmp_path / "db", source, [(Box(0, 0, 5, 5), 0, -1, 6, 1)])
    assert main(["redact", "--db", str(tmp_path / "db"), "--out", str(tmp_path / "out"), "--root", str(tmp_path)]) == 1
    assert not (tmp_path / "out" / "a.dcm").exists()
    assert _redaction(tmp_path / "db", source).state == "error"
