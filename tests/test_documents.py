"""Document planes: which planes are pages of paper, the ink on them OCR did not read, ``scan --forms``."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pydicom
import pytest

from dicom_ocr.cli import main
from dicom_ocr.documents import is_document, page_test
from dicom_ocr.planes import iter_planes, read_header
from dicom_ocr.store import DB_NAME

from scriptmodules import load_script

synth = load_script("make_synthetic")

MG_PAGE = "DICOMSamples/DICOMSamples/MG_Explicit_Little.dcm"    # a page of sentences, rendered white on black
NOT_PAGES = ("orthanc-tests/Database/2022-11-14-RLEPlanarConfiguration.dcm",     # an AI report screen capture (SC)
             "dcm4che/dcm4che-test-data/src/main/resources/YBR_FULL-RLE.dcm",     # ultrasound
             "dwv/tests/data/gdcm-CT-MONO2-8-abdo.dcm",                           # CT with text
             "IsIdentifiable/Tests/IsIdentifiableTests/TestData/IM-0001-0013.dcm",  # MR
             "dwv/tests/data/leadtools-flowers-8-mono2-rle.dcm",                  # a photograph (OT)
             "fo-dicom/Tests/FO-DICOM.Tests/Test_Data/TestPattern_RGB.dcm",       # a test card (OT)
             MG_PAGE)


def first_plane_document(path: Path) -> bool:
    header = read_header(path)
    return is_document(next(iter_planes(path, header=header)), header)


def rows(db_dir: Path, where: str) -> list[tuple]:
    with sqlite3.connect(db_dir / DB_NAME) as conn:
        return conn.execute('SELECT ocrengine, "left", top, "right", bottom, nerpii FROM DicomRects WHERE top >= 0 AND '
                            + where).fetchall()


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> tuple[Path, dict]:
    """A synthetic scanned form with a signature and a stamp RapidOCR does not read, and its GT entry (a seed no
    benchmark scores)."""
    root = tmp_path_factory.mktemp("form")
    entry = synth.write(synth.build_form(9, 1), root)
    assert {"[signature]", "[stamp]"} <= {box["text"] for box in entry["boxes"]}
    return root / entry["path"], entry


@pytest.fixture(scope="module")
def printed_page(tmp_path_factory) -> Path:
    """The real MG calibration page turned dark on light and stored as OT: printed sentences only, a ruled bar."""
    shared = Path(__file__).parents[2] / "shared" / "corpus"
    if not shared.is_dir():
        pytest.skip("../shared is not here")
    ds = pydicom.dcmread(shared / MG_PAGE)
    ds.PixelData = (255 - ds.pixel_array).astype(np.uint8).tobytes()
    ds.Modality = "OT"
    path = tmp_path_factory.mktemp("page") / "printed.dcm"
    ds.save_as(path)
    return path


@pytest.mark.parametrize("name", NOT_PAGES)
def test_images_screens_and_light_on_dark_pages_are_not_documents(shared, name):
    assert not first_plane_document(shared / "corpus" / name)


def test_forms_and_printed_pages_are_documents(form, printed_page):
    assert first_plane_document(form[0])
    assert first_plane_document(printed_page)
    assert page_test(next(iter_planes(printed_page))).ink_bands >= 5


def test_a_light_window_of_an_acquisition_is_not_a_document(form, tmp_path):
    """The same pixels under a CT header: the pixels look like paper, the modality says they are not."""
    ds = pydicom.dcmread(form[0])
    ds.Modality = "CT"
    del ds.ConversionType
    ds.save_as(tmp_path / "ct.dcm")
    assert not first_plane_document(tmp_path / "ct.dcm")


def coverage(box: dict, rects: list[tuple]) -> float:
    mask = np.zeros((box["bottom"] + 1, box["right"] + 1), bool)
    for _, left, top, right, bottom, _ in rects:
        mask[top:bottom + 1, left:right + 1] = True
    return float(mask[box["top"]:, box["left"]:].mean())


def test_scan_finds_the_signature_and_the_stamp_as_ink(form, tmp_path):
    path, entry = form
    assert main(["scan", str(path), "--db", str(tmp_path), "--jobs", "1", "--quiet"]) == 0
    ink = rows(tmp_path, "ocrengine = 53")
    assert ink and all(nerpii == 1 for *_, nerpii in ink)
    for mark in (box for box in entry["boxes"] if box["text"] in ("[signature]", "[stamp]")):
        assert coverage(mark, ink) >= 0.8
    for _, left, top, right, bottom, _ in ink:     # a label OCR did not read may be ink, but not fused with an entry
        touched = {box["phi"] for box in entry["boxes"] if box["left"] <= right and left <= box["right"]
                   and box["top"] <= bottom and top <= box["bottom"]}
        assert touched != {True, False}
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        reasons = conn.execute("SELECT DISTINCT reason FROM dicom_ocr_rects WHERE rect_id IN "
                               "(SELECT id FROM DicomRects WHERE ocrengine = 53)").fetchall()
    assert reasons == [("ink not read as text",)]


def test_a_printed_page_gets_no_ink_region(printed_page, tmp_path):
    assert main(["scan", str(printed_page), "--db", str(tmp_path), "--jobs", "1", "--quiet"]) == 0
    assert len(rows(tmp_path, "ocrengine = 6")) >= 10
    assert rows(tmp_path, "ocrengine IN (5, 53)") == []


def test_forms_whole_is_the_whole_page_and_off_is_ocr_only(form, tmp_path):
    path, entry = form
    assert main(["scan", str(path), "--db", str(tmp_path / "whole"), "--jobs", "1", "--quiet", "--forms", "whole"]) == 0
    assert rows(tmp_path / "whole", "ocrengine IN (5, 53)") == [(5, 0, 0, entry["columns"] - 1, entry["rows"] - 1, 1)]
    assert main(["scan", str(path), "--db", str(tmp_path / "off"), "--jobs", "1", "--quiet", "--forms", "off"]) == 0
    assert rows(tmp_path / "off", "ocrengine IN (5, 53)") == []


def test_forms_keep_the_other_cases_as_they_were():
    """The handwriting fonts are the forms' alone: installing them changes no other case's fonts (nor its bytes)."""
    hands = synth.handwriting_fonts()
    assert len(hands) >= 5
    assert not set(hands) & set(synth.font_files())
    assert synth.FORM_CASE not in synth.CASES

