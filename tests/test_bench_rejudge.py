"""python -m dicom_ocr.bench rejudge: the OCR text of an audit DB judged again with the current verdict, geometry kept."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicom_ocr.bench import rejudge
from dicom_ocr.geometry import Box
from dicom_ocr.phi import NERENGINE
from dicom_ocr.store import DB_NAME, AuditDB, FileRecord, RectRow


def _header_file(path: Path) -> Path:
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.PatientName = "PROFONDEUR^ANNA"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_rejudge_sets_fresh_verdicts_with_the_header_and_keeps_the_source(tmp_path: Path) -> None:
    dcm = str(_header_file(tmp_path / "a.dcm"))
    rows = [RectRow(dcm, Box(0, 0, 40, 10), 0, -1, 6, text, NERENGINE, stale)
            for text, stale in (("Gain 52", 1), ("Profondeur", 0), ("Ex: 5107", 0), ("Se: 4", 0))]
    source, out = tmp_path / "db", tmp_path / "out"
    with AuditDB(source) as db:
        db.write_file(FileRecord(dcm, "done", n_planes=1, n_regions=len(rows)), rows)
    changes = rejudge.rejudge(source, out)
    assert sorted(changes) == [("Ex: 5107", 0, 1), ("Gain 52", 1, 0), ("Profondeur", 0, 1)]  # a header name part
    query = "SELECT ocrtext, nerpii, left, right FROM DicomRects WHERE top >= 0 ORDER BY id"
    with sqlite3.connect(out / DB_NAME) as fresh, sqlite3.connect(source / DB_NAME) as old:
        assert [r[:2] for r in fresh.execute(query)] == [("Gain 52", 0), ("Profondeur", 1), ("Ex: 5107", 1), ("Se: 4", 0)]
        assert [r[1] for r in old.execute(query)] == [1, 0, 0, 0]          # the scanned DB is left as it was
        assert [r[2:] for r in fresh.execute(query)] == [(0, 40)] * 4
