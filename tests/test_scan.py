"""Per-file scanning: rows for regions, summaries and rule regions; PHI verdicts from the header; errors recorded."""
from __future__ import annotations

import numpy as np
import pytest

from dicom_ocr.detection import Detector, Pass
from dicom_ocr.engines import engine_status
from dicom_ocr.geometry import Box
from dicom_ocr.phi import NERENGINE
from dicom_ocr.results import RegionKind
from dicom_ocr.scanner import Scanner
from dicom_ocr.sources import OCRENGINE_DEID_RULE, SourceRegion
from dicom_ocr.store.rows import file_rows

from dicomfactory import base_dataset, save, with_pixels
from textimages import draw_lines, ink_box


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    if engine_status()["tesseract"]:
        pytest.skip(engine_status()["tesseract"])
    return Scanner(Detector([Pass("tesseract", ("top", "invert"))]))


class CornerRule:
    """A region source naming the top-left corner of every frame."""

    name = "corner"

    def regions(self, ds):
        return [SourceRegion(Box(0, 0, 9, 9), -1, -1, OCRENGINE_DEID_RULE, "test.recipe:Corner")]


def test_header_name_in_pixels_is_phi_and_technical_text_is_not(tmp_path, scanner):
    image = draw_lines((200, 460), [("SMITH JOHN", (10, 40)), ("MI 0.6 TIS 0.4", (10, 140))])
    ds = with_pixels(base_dataset(PatientName="SMITH^JOHN", ImageType=["ORIGINAL", "PRIMARY"], Manufacturer="ACME"), image)
    result = scanner.scan_file(str(save(ds, tmp_path / "us.dcm")))
    assert result.state == "done" and result.has_phi and result.planes_read == 1
    assert result.filename == str((tmp_path / "us.dcm").resolve())
    assert (result.tags.imagetype, result.tags.manufacturer) == ("ORIGINAL\\PRIMARY", "ACME")
    name = next(r for r in result.found() if "SMITH" in r.text.upper())
    technical = next(r for r in result.found() if "TIS" in r.text.upper())
    assert name.phi and name.kind is RegionKind.TEXT and name.source == "tesseract" and "PatientName" in name.reason
    assert technical.phi is False
    record, rows = file_rows(result)
    assert (record.state, record.n_planes, record.n_regions, record.has_phi) == ("done", 1, 2, True)
    name_row = next(r for r in rows if r.box == name.box)
    assert (name_row.nerpii, name_row.nerengine, name_row.ocrtext) == (1, NERENGINE, name.text)
    summary = [r for r in rows if r.box is None]
    assert len(summary) == 1 and summary[0].frame == 0 and summary[0].overlay == -1 and summary[0].nerpii == 1


def test_source_regions_get_a_row_on_every_frame(tmp_path, scanner):
    frames = np.zeros((3, 32, 32), np.uint8)
    path = save(with_pixels(base_dataset(), frames), tmp_path / "cine.dcm")
    result = Scanner(scanner.detector, sources=[CornerRule()]).scan_file(str(path))
    assert [(rule.frame, rule.region.phi, rule.region.kind) for rule in result.rules] == [
        (frame, None, RegionKind.RULE) for frame in range(3)]
    rule_rows = [r for r in file_rows(result)[1] if r.ocrengine == OCRENGINE_DEID_RULE]
    assert [r.frame for r in rule_rows] == [0, 1, 2]
    assert all(r.box == Box(0, 0, 9, 9) and r.source == "test.recipe:Corner" for r in rule_rows)
    assert all(r.ocrtext == "[test.recipe:Corner]" and r.nerpii == -1 for r in rule_rows)


def test_bad_file_is_recorded_not_raised(tmp_path, scanner):
    path = tmp_path / "junk.dcm"
    path.write_bytes(b"\x00" * 50)
    result = scanner.scan_file(str(path))
    assert result.state == "skipped" and result.error_cause == "not-dicom" and file_rows(result)[1] == []
    assert "DICOM" in result.error_message and result.has_phi is None


class BrokenSource:
    """A region source with a bug."""

    name = "broken"

    def regions(self, ds):
        raise KeyError("a bug")


def test_an_internal_error_is_recorded_with_its_traceback_at_debug_only(tmp_path, scanner, caplog):
    path = save(with_pixels(base_dataset(), np.zeros((16, 16), np.uint8)), tmp_path / "x.dcm")
    broken = Scanner(scanner.detector, [BrokenSource()])
    with caplog.at_level("DEBUG", logger="dicom_ocr"):
        result = broken.scan_file(str(path))
    assert (result.state, result.error_cause, result.error_message) == ("error", "internal-error", "KeyError: 'a bug'")
    assert all(r.levelname == "DEBUG" for r in caplog.records if r.exc_info) and any(r.exc_info for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno > 10]


def test_text_outside_the_ultrasound_clinical_area_is_flagged(tmp_path, scanner):
    from pydicom.dataset import Dataset

    image = draw_lines((200, 460), [("SMITH JOHN", (10, 40)), ("GAIN 52", (300, 140))])
    region = Dataset()
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 250, 100
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 459, 199
    ds = with_pixels(base_dataset(Modality="US", SequenceOfUltrasoundRegions=[region]), image)
    regions = list(scanner.scan_file(str(save(ds, tmp_path / "us.dcm"))).found())
    name = next(r for r in regions if "SMITH" in r.text.upper())
    inside = next(r for r in regions if "GAIN" in r.text.upper())
    assert "outside the ultrasound clinical area" in name.reason
    assert "outside" not in inside.reason


def test_phi_margins_stay_off_a_label_line_but_not_off_other_phi_lines(tmp_path, scanner):
    lines = [("Institution Name:", (10, 30)), ("SMITH JOHN", (10, 49)), ("01/02/1970", (10, 68))]
    ds = with_pixels(base_dataset(PatientName="SMITH^JOHN", PatientBirthDate="19700102"), draw_lines((110, 300), lines))
    result = scanner.scan_file(str(save(ds, tmp_path / "block.dcm")))
    regions = sorted(result.found(), key=lambda r: r.box.top)
    label, name, birth = regions
    assert (label.phi, name.phi, birth.phi) == (False, True, True)
    label_ink = ink_box(draw_lines((110, 300), lines[:1]))
    birth_ink = ink_box(draw_lines((110, 300), lines[2:]))
    assert name.box.top > label_ink[3]                    # the PHI margin stops short of the label's glyphs
    assert name.box.bottom >= birth_ink[1]                # PHI lines keep their full margins, reaching each other


def test_an_ultrasound_cine_whose_sector_moves_is_read_once_and_its_clock_on_each_change(tmp_path, scanner):
    from pydicom.dataset import Dataset

    rng = np.random.default_rng(7)
    frames = []
    for index in range(6):
        image = draw_lines((240, 420), [("SMITH JOHN", (10, 30)), (f"10:42:0{index // 3}", (300, 30))])
        speckle = rng.random((150, 400)) > 0.995                 # bright speckle reaching the top of the range
        image[60:210, 10:410][speckle] = 255
        frames.append(image)
    sector = Dataset()
    sector.RegionLocationMinX0, sector.RegionLocationMinY0, sector.RegionLocationMaxX1 = 10, 60, 409
    sector.RegionLocationMaxY1, sector.RegionSpatialFormat = 209, 1
    ds = with_pixels(base_dataset(Modality="US", PatientName="SMITH^JOHN", SequenceOfUltrasoundRegions=[sector]),
                     np.stack(frames))
    before = sum(scanner.detector.calls.values())
    result = scanner.scan_file(str(save(ds, tmp_path / "cine.dcm")))
    assert (sum(scanner.detector.calls.values()) - before) // 2 == 2     # frame 0, and frame 3 where the clock ticks
    clocks = {plane.frame: region.text for plane in result.planes for region in plane.regions if "10:42" in region.text}
    assert "10:42:00" in clocks[0] and "10:42:01" in clocks[3] and len(clocks) == 6
