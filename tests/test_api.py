"""The Python API: the README's example runs as written, and each function does what its command does."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

import dicom_ocr
from dicom_ocr.engines import engine_status

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def rapidocr_runs():
    if engine_status()["rapidocr"]:
        pytest.skip(engine_status()["rapidocr"])


def readme_example() -> str:
    """The Python block of the README's "Python API" section."""
    section = (ROOT / "README.md").read_text().split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs(tmp_path):
    code = readme_example().replace("/tmp/api-", f"{tmp_path}/api-")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "MR 1 {-1: 1, 0: 1}"
    assert "1 1" in lines
    assert lines[-1] == f"done {tmp_path}/api-redacted/" + get_testdata_file(
        "MR-SIEMENS-DICOM-WithOverlays.dcm").lstrip("/")
    assert (tmp_path / "api-report.html").is_file() and (tmp_path / "api-audit" / "dcmaudit.sqlite.db").is_file()


def test_the_api_names_import_lazily():
    assert set(dicom_ocr.__all__) - {"__version__"} == set(dicom_ocr._EXPORTS)
    for name in dicom_ocr._EXPORTS:
        assert getattr(dicom_ocr, name) is not None
    with pytest.raises(AttributeError):
        dicom_ocr.no_such_name  # noqa: B018


def test_scan_file_gives_a_domain_result_and_records_a_bad_file(tmp_path):
    options = dicom_ocr.ScanOptions.of({"rapidocr": {"threads": 1}}, default_rules=False)
    result = dicom_ocr.scan_file(get_testdata_file("CT_small.dcm"), options)
    assert result.state == "done" and result.planes_read == 1 and result.has_phi is not None
    assert all(isinstance(r, dicom_ocr.FoundRegion) for r in result.found())
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"not a DICOM file at all")
    bad = dicom_ocr.scan_file(junk, options)
    assert (bad.state, bad.error_cause, bad.planes) == ("skipped", "not-dicom", ())


def test_scan_options_refuse_an_unknown_engine_option():
    with pytest.raises(ValueError, match="has no option 'colour'"):
        dicom_ocr.ScanOptions.of({"rapidocr": {"colour": "red"}}).settings().check_engines()


def test_what_the_api_writes_is_owner_only_and_the_callers_umask_is_kept(tmp_path):
    import os
    import stat

    before = os.umask(0o022)
    try:
        options = dicom_ocr.ScanOptions.of({"rapidocr": {"threads": 1}}, default_rules=False)
        dicom_ocr.scan([get_testdata_file("CT_small.dcm")], tmp_path / "audit", options)
        dicom_ocr.report(tmp_path / "audit", tmp_path / "report.html", images=False)
        assert os.umask(0o022) == 0o022                        # the caller's umask is back
    finally:
        os.umask(before)
    created = [tmp_path / "audit", *(tmp_path / "audit").iterdir(), tmp_path / "report.html"]
    assert all(stat.S_IMODE(path.stat().st_mode) & 0o077 == 0 for path in created), \
        {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in created}


def test_a_scan_stores_the_scanner_signature_so_a_report_reads_no_header(tmp_path):
    options = dicom_ocr.ScanOptions.of({"rapidocr": {"threads": 1}}, default_rules=False)
    dicom_ocr.scan([get_testdata_file("CT_small.dcm")], tmp_path / "audit", options)
    summary = dicom_ocr.report(tmp_path / "audit", tmp_path / "report.html", images=False)
    assert summary.headers_read == 0
    assert "CT · " in (tmp_path / "report.html").read_text()
