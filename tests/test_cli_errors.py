"""Every mistake gets one clear line, the right exit status and nothing created; every figure printed is true.

Each case runs the real CLI in a subprocess, as a user would.
"""
from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import time
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataelem import RawDataElement
from test_cli import dicom_ocr

from dicom_ocr.store import DB_NAME, AuditDB, FileRecord

from dicomfactory import word_dicom

CHEAP_OCR = ["--ocr", "tesseract:plain"]


def deid_ultrasounds() -> Path:
    import deid_data
    return Path(deid_data.__file__).parent / "data" / "ultrasounds"


def assert_refused(result, *words: str) -> None:
    """Exit status 2 and one stderr line naming the cause, no traceback, nothing on stdout."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and all(word in lines[0] for word in words), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def records(db_dir: Path) -> dict[str, FileRecord]:
    with AuditDB(db_dir) as db:
        return db.files.records()


@pytest.fixture
def image(tmp_path) -> str:
    return str(word_dicom(tmp_path / "word.dcm", "SMITH"))


# ---------------------------------------------------------------- refused before anything is created

@pytest.mark.parametrize("options, named", [
    (["--ocr", "rapidocr:bogus"], ["--ocr", "'bogus'"]), (["--ocr", "tesseract:plain+bogus"], ["--ocr", "'bogus'"]),
    (["--ocr", "tesseract:plain:x2"], ["--ocr", "'plain:x2'"]), (["--ocr", "nosuch:plain"], ["--ocr", "'nosuch'"]),
    (["--ocr", ":plain"], ["--ocr", "engine ''"]), (["--ocr", ","], ["--ocr", "no OCR engine"]),
    # without a local engine check (--dask), the spec is still checked by name before the scheduler is tried
    (["--ocr", "rapidocr:bogus", "--dask", "tcp://127.0.0.1:1"], ["--ocr", "'bogus'"]),
    (["--jobs", "0"], ["--jobs", "at least 1, not 0"]), (["--jobs", "-1"], ["--jobs", "at least 1, not -1"]),
    (["--jobs", "two"], ["--jobs", "not a whole number"])])
def test_bad_scan_options_are_refused_up_front(tmp_path, image, options, named):
    db_dir = tmp_path / "db"
    assert_refused(dicom_ocr("scan", image, "--db", str(db_dir), *options), *named)
    assert not db_dir.exists()


def test_an_unanswering_dask_scheduler_fails_fast(tmp_path, image):
    db_dir = tmp_path / "db"
    started = time.monotonic()
    result = dicom_ocr("scan", image, "--db", str(db_dir), *CHEAP_OCR, "--dask", "tcp://127.0.0.1:1")
    assert time.monotonic() - started < 20
    assert_refused(result, "--dask tcp://127.0.0.1:1", "no scheduler")
    assert not db_dir.exists()


def test_a_path_that_does_not_exist_is_refused_once(tmp_path, image):
    """A PATH argument naming nothing is a typing mistake: refused, no DB created (a missing file listed in a CSV or on
    stdin is recorded as not-found instead, below)."""
    db_dir, absent = tmp_path / "db", str(tmp_path / "nonexistent_dir")
    result = dicom_ocr("scan", image, absent, "--db", str(db_dir), *CHEAP_OCR)
    assert_refused(result, absent, "not found")
    assert not db_dir.exists()
    assert_refused(dicom_ocr("frames", absent), "not found")


def test_a_missing_file_listed_on_stdin_is_recorded_not_found(tmp_path, image):
    db_dir, absent = tmp_path / "db", str(tmp_path / "gone.dcm")
    result = dicom_ocr("scan", "-", "--db", str(db_dir), *CHEAP_OCR, stdin=f"{image}\n{absent}\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if absent in line] == [
        f"WARNING dicom_ocr.batch: {absent}: no such file [not-found]"]
    found = records(db_dir)
    assert (found[absent].state, found[absent].error_cause) == ("error", "not-found")
    assert found[image].state == "done"


@pytest.mark.parametrize("option", ["--csv", "--jsonl"])
def test_unusable_export_paths_are_refused(tmp_path, image, option):
    db_dir = tmp_path / "db"
    assert_refused(dicom_ocr("scan", image, "--db", str(db_dir), option, "/nonexistent_dir/out"),
                   option, "/nonexistent_dir does not exist")
    assert_refused(dicom_ocr("scan", image, "--db", str(db_dir), option, str(tmp_path)), "is a directory")
    assert not db_dir.exists()


def test_report_out_paths_get_one_line(tmp_path):
    AuditDB(tmp_path / "db").close()
    assert_refused(dicom_ocr("report", "--db", str(tmp_path / "db"), "--out", "/nonexistent_dir/r.html"),
                   "/nonexistent_dir/r.html", "does not exist")
    # a folder is a report folder (index.html and images/): one holding other files is refused
    assert_refused(dicom_ocr("report", "--db", str(tmp_path / "db"), "--out", str(tmp_path)), "holds other files")
    assert not Path("/nonexistent_dir").exists()


def test_redact_and_frames_outputs_that_are_files_are_refused(tmp_path):
    AuditDB(tmp_path / "db").close()
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    assert_refused(dicom_ocr("redact", "--db", str(tmp_path / "db"), "--out", str(a_file)), "not a directory")
    assert_refused(dicom_ocr("frames", str(a_file), "--png", str(a_file)), "not a directory")


def test_a_file_that_is_not_an_audit_db_gets_one_line(tmp_path, image):
    db_dir = tmp_path / "db"
    db_dir.mkdir()
    (db_dir / DB_NAME).write_text("not a database\n")
    for command in (["status", "--db", str(db_dir)], ["scan", image, "--db", str(db_dir), *CHEAP_OCR]):
        result = dicom_ocr(*command)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [f"dicom_ocr: the audit DB in {db_dir} cannot be used: file is not a "
                                              "database"]
    assert (db_dir / DB_NAME).read_text() == "not a database\n"


# ---------------------------------------------------------------- each failure once

def test_frames_error_once_on_stderr_blank_column_and_pngs_said(tmp_path, image):
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"\0" * 300)
    pngs = tmp_path / "png"
    result = dicom_ocr("frames", str(bad), image, "--png", str(pngs))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (error,) = [line for line in result.stderr.splitlines() if str(bad) in line]
    assert error.startswith(f"dicom_ocr: {bad}: ") and error.endswith("[corrupt-header]")
    assert "corrupt" not in result.stdout
    head, *rest = result.stdout.splitlines()
    assert head.split() == ["frame", "overlay", "columns", "x", "rows", "kind", "colour", "blank"]
    assert rest == [image, "       0      -1     256 x 128   image       grey   no"]   # the bad file: stderr only
    assert result.stderr.splitlines()[-1] == (f"dicom_ocr frames: 2 files, 1 planes, 0 not DICOM (skipped), 1 failed; "
                                              f"1 PNGs written to {pngs}")
    assert [p.name for p in pngs.iterdir()] == ["word_f0000_o-1.png"]


def test_redact_reports_each_failure_once(tmp_path, image):
    db_dir = tmp_path / "db"
    assert dicom_ocr("scan", image, "--db", str(db_dir), *CHEAP_OCR, "-q").returncode == 0
    os.rename(image, image + ".moved")
    result = dicom_ocr("redact", "--db", str(db_dir), "--out", str(tmp_path / "out"), "--root", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if image in line] == [f"dicom_ocr: {image}: no such file [not-found]"], lines
    assert lines[1].startswith("dicom_ocr redact: 1/1 files, 1 failed")                  # the progress, at the end
    assert lines[2].startswith("dicom_ocr redact: 0 copies") and "1 failed" in lines[2] and len(lines) == 3
    quiet = dicom_ocr("redact", "--db", str(db_dir), "--out", str(tmp_path / "out"), "--root", str(tmp_path), "-q")
    assert quiet.returncode == 1 and quiet.stderr.splitlines() == lines[:1]            # errors only


# ---------------------------------------------------------------- files that are not DICOM

def test_zip_archives_and_other_files_are_skipped_not_failed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("GREYSCALE_IMAGE.dcm", "GREYSCALE_CINE.zip"):
        (folder / name).symlink_to(deid_ultrasounds() / name)
    (folder / "README.txt").write_text("notes about these files\n")
    db_dir = tmp_path / "db"
    result = dicom_ocr("scan", str(folder), "--db", str(db_dir), *CHEAP_OCR)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    zip_lines = [line for line in result.stderr.splitlines() if "GREYSCALE_CINE.zip" in line]
    assert len(zip_lines) == 1 and "zip archive: not read" in zip_lines[0] and "[not-dicom]" in zip_lines[0]
    assert "2 not DICOM (skipped), 0 failed" in result.stderr
    found = records(db_dir)
    assert sorted((Path(n).name, r.state) for n, r in found.items()) == [
        ("GREYSCALE_CINE.zip", "skipped"), ("GREYSCALE_IMAGE.dcm", "done"), ("README.txt", "skipped")]
    status = json.loads(dicom_ocr("status", "--db", str(db_dir), "--json").stdout)
    assert (status["skipped"], status["skipped_by_cause"], status["failed"]) == (2, {"not-dicom": 2}, 0)

    frames = dicom_ocr("frames", str(folder))
    assert frames.returncode == 0 and "1 planes, 2 not DICOM (skipped), 0 failed" in frames.stderr, frames.stderr

    strict = dicom_ocr("scan", str(folder), "--db", str(db_dir), *CHEAP_OCR, "--strict")
    assert strict.returncode == 1 and "2 not DICOM (skipped)" in strict.stderr and "1 already done" in strict.stderr


# ---------------------------------------------------------------- status figures

def test_status_figures_say_what_they_are_and_are_right(tmp_path):
    """Two workers, 10 s a file, four files finishing in pairs at 10 s and 20 s, and a zip skipped at once: the scan
    took 20 s of wall time for 5 files.

    Rates: 900 files/hour over the wall time, 450 per worker (5 files in 40 s of worker time). Measured from the first
    finish to the last (the old figure) it would read 1800, twice the real rate."""
    db_dir = tmp_path / "db"
    with AuditDB(db_dir) as db:
        for n, finished in enumerate(["10:00:10", "10:00:10", "10:00:20", "10:00:20"]):
            db.write_file(FileRecord(f"/a/{n}.dcm", "done", n_planes=1, seconds_ocr=9.0, seconds_decode=1.0,
                                     seconds_total=10.0, finished_at=f"2026-01-02 {finished}.000"), [])
        db.write_file(FileRecord("/a/x.zip", "skipped", "not-dicom", "a zip archive", seconds_total=0.0,
                                 finished_at="2026-01-02 10:00:20.000"), [])
    result = dicom_ocr("status", "--db", str(db_dir))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for line in ("files recorded:          5", "done:                    4", "not DICOM (skipped):     1",
                 "  not-dicom:             1", "failed:                  0",
                 "worker time, all files:  40.0 s (OCR 36.0 s, decoding and the rest 4.0 s)",
                 "worker time per file:    8.000 s on average (OCR 7.200 s, decoding and the rest 0.800 s)",
                 "rate of one worker:      450 files/hour (files over worker time)",
                 "rate over the wall time: 900 files/hour (20.0 s from the first file's start, 2026-01-02 10:00:00, "
                 "to the last one's finish, 2026-01-02 10:00:20"):
        assert line in text, text
    summary = json.loads(dicom_ocr("status", "--db", str(db_dir), "--json").stdout)
    assert summary["wall_seconds"] == pytest.approx(20.0, abs=0.01)
    assert summary["wall_files_per_hour"] == pytest.approx(900, rel=1e-3)


# ---------------------------------------------------------------- PHI stays out of the logs

def test_no_ocr_text_at_info_or_warning_in_any_command(tmp_path):
    """deid-data's ultrasounds carry burned-in names, IDs and a hospital; the cheapest setting reads them (checked in
    the DB), and no command prints them at -v (INFO)."""
    files = [str(deid_ultrasounds() / name) for name in ("GREYSCALE_IMAGE.dcm", "RGB_IMAGE.dcm")]
    db_dir = tmp_path / "db"
    outputs = [dicom_ocr("-v", "scan", *files, "--db", str(db_dir), *CHEAP_OCR, "--log-every", "0")]
    conn = sqlite3.connect(db_dir / DB_NAME)
    read = " ".join(row[0] for row in conn.execute("SELECT ocrtext FROM DicomRects WHERE nerengine = 70"))
    conn.close()
    burned_in = ("TEST PATIENT", "DOWNTIME", "CLEVELAND", "00047431395", "00079241539")
    assert all(text in read for text in burned_in), read
    outputs += [dicom_ocr("-v", "status", "--db", str(db_dir)),
                dicom_ocr("-v", "report", "--db", str(db_dir), "--out", str(tmp_path / "r.html")),
                dicom_ocr("-v", "redact", "--db", str(db_dir), "--out", str(tmp_path / "red"),
                          "--root", str(deid_ultrasounds())),
                dicom_ocr("-v", "rules", "export", "--db", str(db_dir), "-o", str(tmp_path / "rules.dicom")),
                dicom_ocr("-v", "frames", *files)]
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert not [text for text in burned_in if text in result.stderr + result.stdout], result.args
    assert "TEST PATIENT" in (tmp_path / "r.html").read_text()      # the report itself holds the text, and says so


# ---------------------------------------------------------------- fuzzed files

FUZZ_SOURCES = ("CT_small.dcm", "MR_small.dcm", "MR_small_RLE.dcm", "SC_rgb_small_odd.dcm", "rtplan.dcm",
                "ExplVR_BigEnd.dcm")


def _short_vr_offsets(data: bytes) -> list[int]:
    """Where the explicit VRs of top-level text elements (CS, DA, LO, PN, SH) sit in ``data``: tag, VR, 2-byte
    length, value."""
    ds = pydicom.dcmread(io.BytesIO(data), defer_size=1024, force=True)
    return [raw.value_tell - 4 for raw in ds._dict.values()
            if isinstance(raw, RawDataElement) and raw.VR in ("CS", "DA", "LO", "PN", "SH") and not raw.is_implicit_VR
            and data[raw.value_tell - 4:raw.value_tell - 2] == raw.VR.encode()]


def _mutate(data: bytes, kind: str, rng: random.Random) -> bytes | None:
    """``data`` truncated, with a few header bytes flipped, a Value Representation garbled or a length garbled; None
    for a VR to garble in a file without explicit VRs."""
    header_end = min(len(data), 2000)
    buf = bytearray(data)
    if kind == "truncate":
        return bytes(buf[:rng.randrange(132, len(buf) - 1)])
    if kind == "flip":
        for _ in range(6):
            buf[rng.randrange(132, header_end)] = rng.randrange(256)
    elif kind == "vr":
        spots = _short_vr_offsets(data)
        if not spots:
            return None
        i = rng.choice(spots)
        buf[i:i + 2] = b"Z!"
    elif kind == "length":
        i = rng.randrange(132, header_end - 4)
        buf[i:i + 4] = rng.randrange(1 << 32).to_bytes(4, "little")
    return bytes(buf)


CORPUS_FUZZ_SOURCES = ("dwv/tests/data/gdcm-US-RGB-8-esopecho.dcm", "dwv/tests/data/osirix-cerebrix.dcm",
                       "dwv/tests/data/leadtools-flowers-8-mono2-rle.dcm",
                       "dicompixelanon/data/sample_dicom/XA_GE_JPEG_02_with_Overlays.dcm",
                       "DICOMSamples/DICOMSamples/OT_Implicit_Little_Headless.dcm")


def _fuzz_folder(folder: Path, sources: list[Path], seed: int) -> dict[str, str]:
    """Damaged copies of ``sources`` (seeded) in ``folder``: two truncations, byte flips, a garbled VR, a garbled
    length each; returns each copy's kind of damage by path."""
    rng = random.Random(seed)
    folder.mkdir()
    kinds: dict[str, str] = {}
    for source in sources:
        data = source.read_bytes()
        for kind in ("truncate", "truncate", "flip", "vr", "length"):
            damaged = _mutate(data, kind, rng)
            if damaged is not None:
                path = folder / f"{source.stem}_{len(kinds)}_{kind}.dcm"
                path.write_bytes(damaged)
                kinds[str(path)] = kind
    return kinds


def _check_fuzzed_scan(folder: Path, kinds: dict[str, str], db_dir: Path) -> None:
    """Scan ``folder`` at -v: every file recorded with a named cause, no internal-error, no traceback, no truncated or
    VR-garbled file recorded as clean, garbled VRs named corrupt-header."""
    result = dicom_ocr("-v", "scan", str(folder), "--db", str(db_dir), *CHEAP_OCR, "--no-default-rules", timeout=300)
    assert "Traceback" not in result.stderr and "internal-error" not in result.stderr, result.stderr
    found = records(db_dir)
    assert sorted(found) == sorted(kinds)
    for name, record in found.items():
        assert record.state == "done" or record.error_cause not in (None, "", "internal-error", "error"), record
        if kinds[name] in ("truncate", "vr"):
            assert record.state != "done", (name, record)
    assert {found[name].error_cause for name, kind in kinds.items() if kind == "vr"} == {"corrupt-header"}
    assert result.returncode == (1 if any(r.state == "error" for r in found.values()) else 0)


def test_fuzzed_pydicom_files_all_get_a_named_cause(tmp_path):
    sources = [Path(get_testdata_file(name, download=False)) for name in FUZZ_SOURCES]
    kinds = _fuzz_folder(tmp_path / "fuzzed", sources, seed=15)
    assert len(kinds) >= 25
    _check_fuzzed_scan(tmp_path / "fuzzed", kinds, tmp_path / "db")


def test_fuzzed_corpus_files_all_get_a_named_cause(tmp_path, shared):
    """Compressed (RLE, JPEG, JPEG 2000), colour, headless and overlay files of the corpus, damaged the same way."""
    sources = [shared / "corpus" / name for name in CORPUS_FUZZ_SOURCES]
    kinds = _fuzz_folder(tmp_path / "fuzzed", sources, seed=16)
    _check_fuzzed_scan(tmp_path / "fuzzed", kinds, tmp_path / "db")


def test_exit_codes_are_named_and_carried_by_the_error_classes(tmp_path):
    from dicom_ocr.cli import main
    from dicom_ocr.errors import DicomOcrError, EngineUnavailableError, ExitCode

    assert [int(code) for code in ExitCode] == [0, 1, 2, 130]          # what scripts around us test for
    assert DicomOcrError.exit_code is ExitCode.FILES_FAILED and EngineUnavailableError.exit_code is ExitCode.REFUSED
    assert main(["scan", str(tmp_path / "missing"), "--db", str(tmp_path / "db")]) is ExitCode.REFUSED
    assert not (tmp_path / "db").exists()
