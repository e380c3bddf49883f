"""Header triage (scan --triage header): the policy's decisions, the not-read record and its reason, status and report
counts, a later scan without triage reading the file, redaction leaving it out; the bench's count of missed boxes."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydicom.uid import CTImageStorage, SecondaryCaptureImageStorage, UltrasoundImageStorage

from dicom_ocr.api import ScanOptions, report
from dicom_ocr.batch import ScanSettings, run_scan
from dicom_ocr.bench import triage as bench_triage
from dicom_ocr.bench.__main__ import main as bench_main
from dicom_ocr.cli import main
from dicom_ocr.detection import parse_passes
from dicom_ocr.dicomfile import open_dicom
from dicom_ocr.engines import engine_status
from dicom_ocr.store import AuditDB, status_summary
from dicom_ocr.triage import header_triage, report_words

from dicomfactory import base_dataset, save, with_pixels

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
SETTINGS = ScanSettings(parse_passes("tesseract:top"))
CT_SLICE = {"Modality": "CT", "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"], "SOPClassUID": CTImageStorage}


def slice_file(path: Path, word: str = "SMITH", **header) -> Path:
    """A 128 x 256 CT slice (unless ``header`` says otherwise; None leaves a value out) with one white word near the
    top."""
    ds = base_dataset(**{key: value for key, value in {**CT_SLICE, **header}.items() if value is not None})
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    image = np.zeros((128, 256), np.uint8)
    cv2.putText(image, word, (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    return save(with_pixels(ds, image), path)


@pytest.fixture
def needs_tesseract() -> None:
    if engine_status()["tesseract"]:
        pytest.skip(engine_status()["tesseract"])


@pytest.mark.parametrize("header", [{}, {"Modality": "MR"}, {"Modality": "PT", "BurnedInAnnotation": "NO"},
                                    {"Modality": "NM", "SeriesDescription": "WB SPECT"}])
def test_an_original_primary_cross_sectional_slice_is_not_read(tmp_path, header):
    decision = header_triage(open_dicom(slice_file(tmp_path / "x.dcm", **header)))
    assert not decision.read and "burned-in text unlikely" in decision.reason


@pytest.mark.parametrize("header, why", [
    ({"BurnedInAnnotation": "YES"}, "BurnedInAnnotation is YES"),
    ({"SOPClassUID": SecondaryCaptureImageStorage}, "Secondary Capture"),
    ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7.4"}, "Secondary Capture"),
    ({"ImageType": ["DERIVED", "PRIMARY", "AXIAL"]}, "does not start ORIGINAL\\PRIMARY"),
    ({"ImageType": ["ORIGINAL", "SECONDARY"]}, "does not start ORIGINAL\\PRIMARY"),
    ({"ImageType": ["ORIGINAL", "PRIMARY", "SCREEN SAVE"]}, "ImageType has SCREEN SAVE"),
    ({"ImageType": ["ORIGINAL", "PRIMARY", "LOCALIZER"]}, "ImageType has LOCALIZER"),
    ({"ImageType": None}, "ImageType (none)"),
    ({"ConversionType": "WSD"}, "ConversionType WSD"),
    ({"SeriesDescription": "Dose Report"}, "SeriesDescription has DOSE, REPORT"),
    ({"SeriesDescription": "Patient_Protocol"}, "SeriesDescription has PROTOCOL"),
    ({"ImageComments": "screen capture"}, "ImageComments has SCREEN, CAPTURE"),
    ({"Modality": "US", "SOPClassUID": UltrasoundImageStorage}, "Modality US is not one of CT, MR, PT, NM"),
])
def test_files_that_may_hold_text_are_read(tmp_path, header, why):
    decision = header_triage(open_dicom(slice_file(tmp_path / "x.dcm", **header)))
    assert decision.read and why in decision.reason


def test_report_words_are_whole_words_and_phrases():
    assert report_words("CT Dose-Report, exam info") == ["DOSE", "REPORT", "EXAM INFO"]
    assert report_words("AX T1 POST DOSED SCREENING") == []


def test_bench_counts_the_gt_boxes_in_triaged_files_per_case(tmp_path, capsys):
    slice_file(tmp_path / "ct.dcm")
    slice_file(tmp_path / "us.dcm", Modality="US", SOPClassUID=UltrasoundImageStorage)
    (tmp_path / "junk.dcm").write_bytes(b"not DICOM")
    box = {"frame": 0, "overlay": -1, "left": 10, "top": 10, "right": 90, "bottom": 40, "text": "SMITH"}
    gt = {"files": [{"path": "ct.dcm", "case": "ct", "boxes": [dict(box, phi=True), dict(box, phi=False)]},
                    {"path": "us.dcm", "case": "us", "boxes": [dict(box, phi=True)]},
                    {"path": "junk.dcm", "case": "us", "boxes": []}]}
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    result = bench_triage.measure(gt, tmp_path)
    assert result["all"] == {"files": 3, "triaged": 1, "boxes": 3, "phi": 2, "missed": 2, "missed_phi": 1}
    assert [(g["group"], g["files"], g["triaged"], g["missed"]) for g in result["groups"]] == [("ct", 1, 1, 2),
                                                                                              ("us", 2, 0, 0)]
    assert result["missed_files"] == [{"path": "ct.dcm", "boxes": 2, "phi": 1}]
    assert bench_main(["triage", "--gt", str(tmp_path / "gt.json"), "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| **all** | 3 | 1 | 3 | 2 | 2 | 1 |" in out and "2 boxes (1 PHI)  ct.dcm" in out and "SMITH" not in out


def test_unknown_triage_policy_is_refused():
    with pytest.raises(ValueError, match="triage"):
        ScanOptions(triage="pixels")


def test_a_triaged_file_is_recorded_not_read_then_read_by_a_scan_without_triage(tmp_path, needs_tesseract):
    ct = str(slice_file(tmp_path / "ct.dcm"))
    us = str(slice_file(tmp_path / "us.dcm", "JONES", Modality="US", SOPClassUID=UltrasoundImageStorage))
    triaged = replace(SETTINGS, triage="header")
    with AuditDB(tmp_path / "db") as db:
        stats = run_scan(db, [ct, us], triaged)
        assert (stats.scanned, stats.not_read, stats.failed, stats.with_regions) == (2, 1, 0, 1)
        record = db.files.record(ct)
        assert record is not None and (record.state, record.error_cause, record.n_planes) == (
            "not-read", "header-triage", 0)
        assert "ORIGINAL\\PRIMARY" in (record.error_message or "") and record.modality == "CT"
        assert db.rects.of(ct) == [] and db.rects.of(us)
        s = status_summary(db)
        assert (s["files"], s["done"], s["not_read"], s["failed"], s["skipped"]) == (2, 1, 1, 0, 0)
        again = run_scan(db, [ct, us], triaged)
        assert (again.scanned, again.already_done) == (0, 2)
        without = run_scan(db, [ct, us], SETTINGS)
        assert (without.scanned, without.already_done, without.not_read) == (1, 1, 0)
        record = db.files.record(ct)
        assert record is not None and record.state == "done" and record.error_cause is None
        assert any("SMITH" in row.ocrtext.upper() for row in db.rects.of(ct) if row.box is not None)


def test_cli_counts_not_read_files_and_redaction_leaves_them_out(tmp_path, capsys, needs_tesseract):
    folder = tmp_path / "in"
    folder.mkdir()
    slice_file(folder / "ct.dcm")
    slice_file(folder / "us.dcm", "JONES", Modality="US", SOPClassUID=UltrasoundImageStorage)
    db = str(tmp_path / "db")
    assert main(["scan", str(folder), "--db", db, "--ocr", "tesseract:top", "--triage", "header", "-j", "1"]) == 0
    assert "1 not read (header triage), 0 not DICOM (skipped), 0 failed" in capsys.readouterr().err
    assert main(["status", "--db", db]) == 0
    assert "not read (header triage): 1" in capsys.readouterr().out
    assert main(["status", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["not_read"] == 1
    summary = report(db, tmp_path / "report.html", images=False)
    assert summary.shown["not-read"] == 1 and sum(summary.shown.values()) == 2
    assert "Not read (header-triage)" in (tmp_path / "report.html").read_text()
    out = tmp_path / "out"
    assert main(["redact", "--db", db, "--out", str(out), "--root", str(folder), "-j", "1"]) == 0
    assert "1 not copied because header triage left them unread" in capsys.readouterr().err
    assert (out / "us.dcm").is_file() and not (out / "ct.dcm").exists()
