"""The HTML spot-check report: triage order, drawn planes, escaped text, filters, limit, the PHI warning, the CLI."""
from __future__ import annotations

import base64
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from dicom_ocr.auditdb import AuditDB, FileRecord, RectRow
from dicom_ocr.cli import main
from dicom_ocr.geometry import Box
from dicom_ocr.report import PHI_WARNING, write_report
from dicom_ocr.sources import OCRENGINE_DEID_RULE

from dicomfactory import base_dataset, save, with_pixels


def _dicom(path: Path) -> str:
    return str(save(with_pixels(base_dataset(), np.zeros((64, 96), np.uint8)), path))


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An audit DB with a PHI file, a technical-only file, a text-free file and a failed one."""
    files = {kind: _dicom(tmp_path / f"{kind}.dcm") for kind in ("phi", "technical", "none")}
    files["error"] = str(tmp_path / "broken.dcm")
    db_dir = tmp_path / "db"
    with AuditDB(db_dir) as db:
        db.write_file(FileRecord(files["technical"], "done", n_planes=1, n_regions=1, has_phi=False),
                      [RectRow(files["technical"], Box(2, 2, 30, 9), 0, -1, 6, "MI 0.6", 70, 0, "ocr", "vocabulary")])
        db.write_file(FileRecord(files["phi"], "done", n_planes=1, n_regions=2, has_phi=True),
                      [RectRow(files["phi"], Box(10, 5, 60, 14), 0, -1, 6, "<b>DOE, JOHN</b>", 70, 1, "ocr",
                               "header:PatientName"),
                       RectRow(files["phi"], Box(0, 50, 95, 63), -1, -1, OCRENGINE_DEID_RULE, "[bottom]", -1, -1,
                               "rule", "recipe")])
        db.write_file(FileRecord(files["none"], "done", n_planes=1, n_regions=0, has_phi=False), [])
        db.write_file(FileRecord(files["error"], "error", error_cause="not-dicom", error_message="not a DICOM file"), [])
    return db_dir, files


def _sections(page: str) -> list[str]:
    return re.findall(r"<section class='([a-z-]+)'>", page)


def _images(page: str) -> list[np.ndarray]:
    return [cv2.imdecode(np.frombuffer(base64.b64decode(m), np.uint8), cv2.IMREAD_COLOR)
            for m in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)]


def test_report_warns_of_phi_and_lists_files_in_triage_order(scanned, tmp_path):
    db_dir, files = scanned
    out = tmp_path / "report.html"
    summary = write_report(db_dir, out)
    page = out.read_text()
    assert PHI_WARNING in page and "contains PHI" in page.split("</title>")[0]
    assert _sections(page) == ["phi", "technical-only", "error", "no-text"]
    assert summary.shown == {"phi": 1, "technical-only": 1, "error": 1, "no-text": 1} and summary.left_out == 0
    assert "&lt;b&gt;DOE, JOHN&lt;/b&gt;" in page and "<b>DOE" not in page
    assert "header:PatientName" in page and "not a DICOM file" in page


def test_report_draws_the_regions_on_the_planes(scanned, tmp_path):
    db_dir, _ = scanned
    out = tmp_path / "report.html"
    write_report(db_dir, out)
    phi_image, technical_image = _images(out.read_text())   # files without regions have no picture
    assert phi_image.shape[:2] == (64, 96)
    blue, green, red = (phi_image[..., c] for c in range(3))   # OpenCV decodes to BGR
    assert red[5, 10:61].min() > 150 and green[5, 10:61].max() < 100          # the PHI box in red
    assert blue[50, 0:96].min() > 150                                         # the rule region in blue
    assert technical_image[2, 2:31, 1].min() > 120 and technical_image[2, 2:31, 2].max() < 100   # not PHI: green


def test_report_filters_limits_and_can_leave_images_out(scanned, tmp_path):
    db_dir, _ = scanned
    out = tmp_path / "report.html"
    summary = write_report(db_dir, out, only=("technical-only", "no-text"), limit=1, images=False)
    page = out.read_text()
    assert _sections(page) == ["technical-only"] and summary.left_out == 1
    assert "<img" not in page and "MI 0.6" in page


def test_report_command(scanned, tmp_path, capsys):
    db_dir, _ = scanned
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(db_dir), "--out", str(out), "--only", "phi"]) == 0
    assert _sections(out.read_text()) == ["phi"]
    assert "contains PHI" in capsys.readouterr().err
    assert main(["report", "--db", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
