"""python -m dicom_ocr.bench rows: two audit DBs' rows compared, ids, timestamps and timings left out."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dicom_ocr.bench.__main__ import main
from dicom_ocr.geometry import Box
from dicom_ocr.store import DB_NAME, AuditDB, FileRecord, RectRow


def _write(directory: Path, files: list[str], seconds: float) -> Path:
    """An audit DB of ``files`` with two rects each (a read and a summary row), timed ``seconds`` each."""
    with AuditDB(directory) as db:
        for name in files:
            rects = [RectRow(name, Box(1, 2, 30, 12), 0, -1, 6, "JOHN DOE", 70, 1, "rapidocr", "read", 0.93),
                     RectRow(name, None, 0, -1, 6, "JOHN DOE", 70, 1)]
            db.write_file(FileRecord(name, "done", n_planes=1, n_regions=1, has_phi=True, seconds_total=seconds), rects)
    return directory


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    """Two DBs of the same rows, written in a different order, at other times and speeds."""
    return _write(tmp_path / "a", ["/x/1.dcm", "/x/2.dcm"], 1.0), _write(tmp_path / "b", ["/x/2.dcm", "/x/1.dcm"], 9.0)


def test_same_rows_exit_zero(pair, capsys):
    assert main(["rows", str(pair[0]), str(pair[1])]) == 0
    assert capsys.readouterr().out.startswith("same rows: DicomRects 4, dicom_ocr_files 2")


def test_one_changed_rect_exits_non_zero_and_is_printed_without_its_text(pair, capsys):
    with sqlite3.connect(pair[1] / DB_NAME) as con:
        con.execute("UPDATE DicomRects SET bottom = 13 WHERE filename = '/x/2.dcm' AND top >= 0")
    assert main(["rows", str(pair[0]), str(pair[1] / DB_NAME)]) == 1
    out = capsys.readouterr().out
    assert "DicomRects: 1 rows only in the first DB, 1 only in the second" in out
    assert "  - ('/x/2.dcm', 2, 12, 1, 30," in out and "  + ('/x/2.dcm', 2, 13, 1, 30," in out
    assert "JOHN" not in out and "text#" in out
    assert "JOHN DOE" in (main(["rows", str(pair[0]), str(pair[1]), "--text"]), capsys.readouterr().out)[1]


def test_a_changed_reason_or_file_record_is_a_difference(pair, capsys):
    with sqlite3.connect(pair[1] / DB_NAME) as con:
        con.execute("UPDATE dicom_ocr_rects SET reason = 'other' WHERE reason = 'read' AND filename = '/x/1.dcm'")
        con.execute("UPDATE dicom_ocr_files SET n_regions = 2 WHERE filename = '/x/1.dcm'")
    assert main(["rows", str(pair[0]), str(pair[1])]) == 1
    out = capsys.readouterr().out
    assert "DicomRects: 1 rows only" in out and "dicom_ocr_files: 1 rows only" in out


def test_a_missing_db_is_an_error(tmp_path):
    with pytest.raises(SystemExit, match="no audit DB"):
        main(["rows", str(tmp_path), str(tmp_path)])


def test_a_column_left_out_on_purpose_is_not_compared(pair, capsys):
    with sqlite3.connect(pair[1] / DB_NAME) as con:
        con.execute("UPDATE dicom_ocr_files SET modality = 'CT' WHERE filename = '/x/1.dcm'")
    assert main(["rows", str(pair[0]), str(pair[1])]) == 1
    capsys.readouterr()
    assert main(["rows", str(pair[0]), str(pair[1]), "--without", "dicom_ocr_files.modality"]) == 0


def test_dbs_whose_columns_differ_are_a_difference_named_once(pair, capsys):
    with sqlite3.connect(pair[1] / DB_NAME) as con:
        con.execute("ALTER TABLE DicomRects ADD COLUMN extra TEXT")
    assert main(["rows", str(pair[0]), str(pair[1])]) == 1
    out = capsys.readouterr().out
    assert "DicomRects (columns differ:" in out and "'extra'" in out
    assert "  + (" not in out and "  - (" not in out         # rows of two layouts are not printed under one header
