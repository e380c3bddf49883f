"""The HTML spot-check report: classes, drawn planes, escaped text, rule names, filters, sample, output, the CLI."""
from __future__ import annotations

import base64
import re
from fnmatch import fnmatch
from pathlib import Path

import cv2
import numpy as np
import pytest

from dicom_ocr.cli import main
from dicom_ocr.geometry import Box
from dicom_ocr.reports import PHI_WARNING, write_report
from dicom_ocr.sources import OCRENGINE_DEID_RULE
from dicom_ocr.store import AuditDB, FileRecord, RectRow

from dicomfactory import base_dataset, save, with_pixels


def _dicom(path: Path, frames: int = 1, **header) -> str:
    pixels = np.zeros((frames, 64, 96), np.uint8) if frames > 1 else np.zeros((64, 96), np.uint8)
    return str(save(with_pixels(base_dataset(**header), pixels), path))


@pytest.fixture
def scanned(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An audit DB with a PHI file, a technical-only file, a text-free file and a failed one."""
    files = {kind: _dicom(tmp_path / f"{kind}.dcm", Modality=modality, ManufacturerModelName=model)
             for kind, modality, model in (("phi", "US", "Vivid7"), ("technical", "CT", "Aquilion"),
                                           ("none", "MR", "Avanto"))}
    files["error"] = str(tmp_path / "broken.dcm")
    Path(files["error"]).write_bytes(b"not a DICOM file at all")
    db_dir = tmp_path / "db"
    with AuditDB(db_dir) as db:
        db.write_file(FileRecord(files["technical"], "done", n_planes=1, n_regions=1, has_phi=False),
                      [RectRow(files["technical"], Box(2, 2, 30, 9), 0, -1, 6, "MI 0.6", 70, 0, "ocr", "vocabulary")])
        db.write_file(FileRecord(files["phi"], "done", n_planes=1, n_regions=2, has_phi=True),
                      [RectRow(files["phi"], Box(10, 5, 60, 14), 0, -1, 6, "<b>DOE, JOHN</b>", 70, 1, "rapidocr",
                               "header:PatientName"),
                       RectRow(files["phi"], Box(0, 50, 95, 63), 0, -1, OCRENGINE_DEID_RULE, "[deid.dicom:Vivid7 bottom]",
                               -1, -1, "deid.dicom:Vivid7 bottom", "named by a rule, not read")])
        db.write_file(FileRecord(files["none"], "done", n_planes=1, n_regions=0, has_phi=False), [])
        db.write_file(FileRecord(files["error"], "error", error_cause="not-dicom", error_message="not a DICOM file"), [])
    return db_dir, files


def _sections(page: str) -> list[str]:
    return re.findall(r'<section class="file ([a-z-]+)"', page)


def _full_pictures(page: str) -> list[np.ndarray]:
    uris = re.findall(r'<img src="data:image/webp;base64,([A-Za-z0-9+/=]+)"[^>]*\s+alt="full size', page)
    return [cv2.imdecode(np.frombuffer(base64.b64decode(u), np.uint8), cv2.IMREAD_COLOR) for u in uris]


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
    assert f'<code class="path">{files["phi"]}</code>' in page     # the string dcmaudit looks the file up by


def test_rule_regions_are_named_by_their_rule_and_ocr_regions_by_engine(scanned, tmp_path):
    db_dir, _ = scanned
    out = tmp_path / "report.html"
    write_report(db_dir, out, only=("phi",))
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r'<tr class="(?:rule|phi)">(.*?)</tr>', out.read_text())]
    assert [c[1] for c in cells] == ["rapidocr", "deid.dicom:Vivid7 bottom"]
    assert cells[1][3] == "rule region" and cells[0][3] == "PHI"


def test_report_draws_the_regions_and_shows_text_free_files(scanned, tmp_path):
    db_dir, _ = scanned
    out = tmp_path / "report.html"
    write_report(db_dir, out)
    page = out.read_text()
    phi_image, technical_image, no_text_image = _full_pictures(page)   # the failed file has none
    assert phi_image.shape[:2] == (64, 96)
    blue, green, red = (phi_image[..., c].astype(int) for c in range(3))   # OpenCV decodes to BGR
    assert red[5, 14:56].min() > 150 and green[5, 14:56].max() < 100          # the PHI box in red
    assert blue[50, 4:90].min() > 150 and red[50, 4:90].max() < 120           # the rule region in blue
    assert technical_image[2, 6:26, 1].min() > 110 and technical_image[2, 6:26, 2].max() < 100   # not PHI: green
    assert no_text_image.max() < 40                                           # shown, nothing drawn
    no_text = page[page.index('<section class="file no-text"'):]
    assert "pixel data cannot be decoded" not in page and re.search(r"<figcaption>image, frame 0\s[^<]*nothing found</figcaption>", no_text)


def test_report_filters_limits_and_can_leave_images_out(scanned, tmp_path):
    db_dir, _ = scanned
    out = tmp_path / "report.html"
    summary = write_report(db_dir, out, only=("technical-only", "no-text"), limit=1, images=False)
    page = out.read_text()
    assert _sections(page) == ["technical-only"] and summary.left_out == 1
    assert "<img" not in page and "MI 0.6" in page


def test_sample_keeps_every_class_and_says_how_it_was_drawn(scanned, tmp_path):
    db_dir, files = scanned
    out = tmp_path / "report.html"
    summary = write_report(db_dir, out, sample=4, seed=3)
    page = out.read_text()
    assert sorted(_sections(page)) == ["error", "no-text", "phi", "technical-only"] and summary.left_out == 0
    assert "--sample 4 --seed 3" in page
    strata = re.findall(r"<tr><td>([A-Za-z ]+)</td><td>([^<]+)</td><td>(\d+)</td>", page)
    assert ("PHI text", "US · Vivid7", "1") in strata and ("no text", "MR · Avanto", "1") in strata
    assert ("failed", "header unreadable", "1") in strata


def test_folder_output_holds_index_and_image_files(scanned, tmp_path):
    db_dir, _ = scanned
    out = tmp_path / "spotcheck"
    summary = write_report(db_dir, out)
    page = (out / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert summary.index == out / "index.html" and len(sources) == 6 and "data:" not in page
    for source in sources:
        data = (out / source).read_bytes()
        if source.endswith("_thumb.jpg"):
            assert data[:3] == b"\xff\xd8\xff" and len(data) < 60_000     # a small JPEG
        else:
            assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"             # full size, WebP
    assert PHI_WARNING in page


def test_report_command(scanned, tmp_path, capsys):
    db_dir, _ = scanned
    out = tmp_path / "r.html"
    assert main(["report", "--db", str(db_dir), "--out", str(out), "--only", "phi"]) == 0
    assert _sections(out.read_text()) == ["phi"]
    assert "contains PHI" in capsys.readouterr().err
    assert main(["report", "--db", str(tmp_path / "nowhere"), "--out", str(out)]) == 2


@pytest.mark.parametrize("target, expected", [
    ("missing/r.html", "directory {tmp}/missing does not exist"),
    ("adir.html", "it is a directory"),
    ("afile", "it is a file"),
    ("busy", "the folder holds other files"),
])
def test_bad_out_gives_one_line_and_exit_2(scanned, tmp_path, capsys, target, expected):
    db_dir, _ = scanned
    (tmp_path / "adir.html").mkdir()
    (tmp_path / "afile").write_text("x")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert main(["report", "--db", str(db_dir), "--out", str(tmp_path / target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected.format(tmp=tmp_path) in err and "Traceback" not in err


def test_a_clock_on_a_cine_is_one_picture_with_its_texts_listed(tmp_path):
    cine = _dicom(tmp_path / "cine.dcm", frames=30)
    rows = [RectRow(cine, Box(10, 5, 60, 14), f, -1, 6, f"12:00:{f:02d}", 70, 1, "rapidocr", "pattern:time")
            for f in range(30)]
    with AuditDB(tmp_path / "db") as db:
        db.write_file(FileRecord(cine, "done", n_planes=30, n_regions=30, has_phi=True), rows)
    out = tmp_path / "r.html"
    summary = write_report(tmp_path / "db", out)
    page = out.read_text()
    assert summary.pictures == 2 and re.findall(r'data-frames="([^"]+)"', page) == ["0–29"]
    assert "<td>12:00:00<br><small class=\"later\">later: 12:00:01 · 12:00:02" in page and "… and 21 more" in page


def test_the_templates_are_package_data_so_installs_have_them():
    tomllib = pytest.importorskip("tomllib")    # Python 3.11+
    root = Path(__file__).parents[1]
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["dicom_ocr.reports"]
    templates = [p.relative_to(root / "dicom_ocr" / "reports").as_posix()
                 for p in (root / "dicom_ocr" / "reports" / "templates").iterdir()]
    assert templates and all(any(fnmatch(t, g) for g in globs) for t in templates)


def test_a_folder_report_can_be_written_again(scanned, tmp_path):
    db_dir, _ = scanned
    write_report(db_dir, tmp_path / "again")
    summary = write_report(db_dir, tmp_path / "again", only=("phi",))
    assert _sections((tmp_path / "again" / "index.html").read_text()) == ["phi"] and summary.shown == {"phi": 1}
    assert len(list((tmp_path / "again" / "images").iterdir())) == summary.pictures == 2   # no stale pictures left


def test_planes_not_read_in_full_are_named_with_the_reason(scanned, tmp_path):
    from dicom_ocr.reports.render import not_read_lines
    from dicom_ocr.store import PlaneNote

    db_dir, files = scanned
    why = "enlarged copy not detected: no sign of small text"
    with AuditDB(db_dir) as db:
        db.write_file(FileRecord(files["none"], "done", n_planes=3, n_regions=0, has_phi=False), [],
                      [PlaneNote(files["none"], frame, -1, why) for frame in (0, 2)])
        assert [note.frame for note in db.planes.of(files["none"])] == [0, 2]
    out = tmp_path / "report.html"
    write_report(db_dir, out, images=False)
    assert f"Not read in full: image, frames 0, 2: {why}" in out.read_text()
    assert not_read_lines([PlaneNote("f", 1, 0, "x")]) == ["overlay 0, frame 1: x"]
