"""The ``dicom_ocr scan`` and ``status`` commands: a real SIGKILL then a resumed run, CSV lists, stdin, outputs."""
from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from dicom_ocr.cli import main
from dicom_ocr.exports import CSV_COLUMNS
from dicom_ocr.store import DB_NAME

from dicomfactory import word_dicom

ROOT = Path(__file__).parents[1]
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": str(ROOT)}
OCR = ["--ocr", "tesseract:top"]


def dicom_ocr(*args: str, stdin: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dicom_ocr", *args], input=stdin, capture_output=True, text=True,
                          env=ENV, cwd=ROOT, timeout=timeout)


def count(db_dir: Path, query: str) -> int:
    conn = sqlite3.connect(db_dir / DB_NAME)
    try:
        return conn.execute(query).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def files(tmp_path) -> list[str]:
    """Three readable files and a corrupt one (a DICOM preamble, then zeros) in the middle."""
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [word_dicom(folder / "1.dcm", "SMITH"), word_dicom(folder / "2.dcm", "JONES")]
    (folder / "3.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\x00" * 300)
    paths += [folder / "3.dcm", word_dicom(folder / "4.dcm", "BROWN")]
    return [str(p) for p in paths]


def test_sigkill_then_rerun_finishes_the_rest_without_duplicates(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    n = 240
    for i in range(n):
        word_dicom(folder / f"{i:03d}.dcm", f"NAME{i}")
    db_dir = tmp_path / "db"
    args = [sys.executable, "-m", "dicom_ocr", "scan", str(folder), "--db", str(db_dir), *OCR, "--jobs", "2", "-q"]
    run = subprocess.Popen(args, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    done = 0
    while done < 15 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            done = count(db_dir, "SELECT COUNT(*) FROM dicom_ocr_files")
        except sqlite3.OperationalError:       # not created yet
            pass
    workers = [c for c in psutil.Process(run.pid).children() if "spawn_main" in " ".join(c.cmdline())]
    run.send_signal(signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL
    gone, alive = psutil.wait_procs(workers, timeout=10)
    for orphan in alive:
        orphan.kill()
    assert workers and not alive                       # workers end with their parent
    killed_at = count(db_dir, "SELECT COUNT(*) FROM dicom_ocr_files")
    assert 15 <= killed_at < n

    second = dicom_ocr("scan", str(folder), "--db", str(db_dir), *OCR, "--jobs", "2")
    assert second.returncode == 0, second.stderr
    assert f"{n - killed_at} files scanned" in second.stderr and f"{killed_at} already done" in second.stderr
    assert count(db_dir, "SELECT COUNT(*) FROM dicom_ocr_files WHERE state = 'done'") == n
    with_text = count(db_dir, "SELECT COUNT(*) FROM dicom_ocr_files WHERE n_regions > 0")
    assert with_text > n * 0.9
    assert count(db_dir, "SELECT COUNT(DISTINCT filename) FROM DicomRects") == with_text
    rows = count(db_dir, "SELECT SUM(n_regions) FROM dicom_ocr_files") + with_text     # + one summary per plane
    assert count(db_dir, "SELECT COUNT(*) FROM DicomRects") == rows
    assert count(db_dir, "SELECT COUNT(*) FROM dicom_ocr_rects") == rows
    assert count(db_dir, "SELECT COUNT(*) FROM (SELECT filename, frame, overlay, top, bottom, \"left\", \"right\" "
                         "FROM DicomRects GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING COUNT(*) > 1)") == 0


def test_stdin_list_corrupt_file_exports_and_log_lines(tmp_path, files):
    db_dir, out_csv, out_jsonl = tmp_path / "db", tmp_path / "out.csv", tmp_path / "out.jsonl"
    result = dicom_ocr("scan", "-", "--db", str(db_dir), *OCR, "--csv", str(out_csv), "--jsonl", str(out_jsonl),
                       "--log-every", "0", stdin="\n".join(files) + "\n")
    assert result.returncode == 1
    assert "dicom_ocr scan: 4 files scanned" in result.stderr and "1 failed" in result.stderr
    assert result.stderr.count(files[2]) == 1 and f"{files[2]}: " in result.stderr and "[corrupt-header]" in result.stderr
    progress_lines = [line for line in result.stderr.splitlines() if line.startswith("dicom_ocr scan: ") and
                      "files/s," in line and "ETA" not in line]     # no total from stdin: no ETA
    assert progress_lines and "\r" not in result.stderr
    with open(out_csv, newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 1 + 2 * 3
    assert {row[0] for row in rows[1:]} == {files[0], files[1], files[3]}
    objects = [json.loads(line) for line in out_jsonl.read_text().splitlines()]
    assert len(objects) == 6 and sum(o["summary"] for o in objects) == 3
    assert count(db_dir, "SELECT COUNT(*) FROM dicom_ocr_files WHERE state = 'error'") == 1


def test_csv_list_quiet_and_status(tmp_path, files, capsys):
    listing = tmp_path / "in" / "list.csv"
    listing.write_text("PatientID,DicomFilePath\n" + "".join(f"x,{Path(p).name}\n" for p in files))
    db_dir = tmp_path / "db"
    assert main(["scan", str(listing), "--db", str(db_dir), *OCR, "--quiet"]) == 1
    assert capsys.readouterr().err == ""
    assert main(["scan", str(listing), "--db", str(db_dir), *OCR, "--jobs", "2"]) == 1     # retries the bad one
    assert "1 files scanned" in capsys.readouterr().err

    assert main(["status", "--db", str(db_dir)]) == 0
    text = capsys.readouterr().out
    for line in ("files recorded:          4\n", "done:                    3\n", "  with text:             3\n",
                 "  with PHI:              3\n", "not DICOM (skipped):     0\n", "failed:                  1\n",
                 "  corrupt-header:        1\n", "planes read (done files): 3\n", "files/hour (files over worker time)"):
        assert line in text, text
    assert main(["status", "--db", str(db_dir), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["done"], summary["failed_by_cause"], summary["with_phi"]) == (3, {"corrupt-header": 1}, 3)
    assert summary["files_per_hour"] > 0


def test_status_without_db_and_bad_options(tmp_path, capsys):
    assert main(["status", "--db", str(tmp_path)]) == 2
    assert not (tmp_path / DB_NAME).exists()
    assert main(["scan", str(tmp_path), "--db", str(tmp_path / "db"), "--ocr", "nosuchengine"]) == 2
    assert "nosuchengine" in capsys.readouterr().err
    listing = tmp_path / "list.csv"
    listing.write_text("path\n/x.dcm\n")
    assert main(["scan", str(listing), "--db", str(tmp_path / "db"), *OCR]) == 2
    assert "DicomFilePath" in capsys.readouterr().err


def test_rule_options_reach_the_settings(monkeypatch, tmp_path, files):
    import dicom_ocr.api as api

    recipe = tmp_path / "site.dicom"
    recipe.write_text("FORMAT dicom\n\n%filter graylist\n\nLABEL Site Corner\n  contains Modality OT\n"
                      "  coordinates 0,0,10,10\n")
    seen = []
    real = api.run_batch
    monkeypatch.setattr(api, "run_batch", lambda db, paths, settings, **kw: seen.append(settings) or
                        real(db, paths, settings, **kw))
    main(["scan", files[0], "--db", str(tmp_path / "db"), *OCR, "--rules", str(recipe), "--no-default-rules", "-q"])
    (rules,) = seen[0].sources
    assert [f.rules.source for f in rules.rules.files] == ["deid:site.dicom"]
    assert main(["scan", files[0], "--db", str(tmp_path / "db2"), *OCR, "--rules", str(tmp_path / "absent"),
                 "-q"]) == 2


def test_frames_lists_planes_writes_pngs_and_goes_on_after_a_bad_file(tmp_path, capsys):
    import numpy as np

    from dicomfactory import add_bit_overlay, base_dataset, save, with_pixels

    pixels = np.full((32, 48), 100, np.uint16)
    pixels[20:30, 5:40] = 4095
    pixels[4:8, 4:40] |= 1 << 13
    good = save(add_bit_overlay(with_pixels(base_dataset(), pixels, bits_stored=12), 8, 13), tmp_path / "xa.dcm")
    bad = tmp_path / "notes.dcm"
    bad.write_text("not a DICOM file")
    pngs = tmp_path / "png"
    assert main(["frames", str(bad), str(good), "--png", str(pngs), "--json"]) == 0     # not DICOM: skipped
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["error"]["cause"] == "not-dicom" and lines[0]["planes"] == []
    assert [(p["frame"], p["overlay"], p["kind"], p["blank"]) for p in lines[1]["planes"]] == [
        (0, -1, "image", False), (0, 8, "bit-overlay", False)]
    assert sorted(p.name for p in pngs.iterdir()) == ["xa_f0000_o-1.png", "xa_f0000_o8.png"]


def _modes_under(*roots: Path) -> dict[str, int]:
    """The permission bits of each root and of every file and folder under it."""
    found = {}
    for root in roots:
        for path in [root, *root.rglob("*")]:
            found[str(path)] = path.stat().st_mode & 0o777
    return found


def _run_with_umask_022(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dicom_ocr", *args], capture_output=True, text=True, env=ENV, cwd=ROOT,
                          timeout=120, preexec_fn=lambda: os.umask(0o022))


def test_what_holds_phi_is_created_owner_only_whatever_the_umask(tmp_path, files):
    db_dir, exports, report = tmp_path / "db", tmp_path / "exports", tmp_path / "report"
    exports.mkdir(mode=0o700)
    scan = _run_with_umask_022("scan", files[0], "--db", str(db_dir), *OCR, "--csv", str(exports / "rects.csv"))
    assert scan.returncode == 0, scan.stderr
    assert _run_with_umask_022("report", "--db", str(db_dir), "--out", str(report)).returncode == 0
    modes = _modes_under(db_dir, exports, report)
    assert len(modes) >= 6                                   # DB folder and files, the export, report and pictures
    assert {mode for path, mode in modes.items() if Path(path).is_dir()} == {0o700}
    assert {mode for path, mode in modes.items() if Path(path).is_file()} == {0o600}


def test_group_readable_lets_the_group_read_and_nobody_else(tmp_path, files):
    db_dir = tmp_path / "db"
    scan = _run_with_umask_022("scan", files[0], "--db", str(db_dir), *OCR, "--group-readable")
    assert scan.returncode == 0, scan.stderr
    modes = _modes_under(db_dir)
    assert {mode for path, mode in modes.items() if Path(path).is_dir()} == {0o750}
    assert {mode for path, mode in modes.items() if Path(path).is_file()} == {0o640}


def test_an_in_process_command_leaves_the_callers_umask_as_it_was(tmp_path):
    before = os.umask(0o022)
    try:
        assert main(["status", "--db", str(tmp_path / "none")]) in (0, 1, 2)
        assert os.umask(0o022) == 0o022
    finally:
        os.umask(before)
