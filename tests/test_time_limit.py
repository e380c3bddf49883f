"""A per-file time limit (time_limit.py, ``scan --file-timeout``, ``redact --file-timeout``): a file that never
finishes is recorded as failed with cause ``timeout`` and the batch goes on, in this process and in worker processes;
a later run retries it."""
from __future__ import annotations

import argparse
import os
import threading
import time
from dataclasses import replace

import numpy as np
import pydicom
import pytest

from dicom_ocr.api import ScanOptions, redact
from dicom_ocr.batch import ScanSettings, run_scan
from dicom_ocr.cli import seconds_or_off
from dicom_ocr.detection import Detector, parse_passes
from dicom_ocr.errors import FileTimeoutError
from dicom_ocr.geometry import Box
from dicom_ocr.redaction import partial_path
from dicom_ocr.scanner import Scanner
from dicom_ocr.store import AuditDB, FileRecord, RectRow
from dicom_ocr.time_limit import time_limit

from dicomfactory import base_dataset, save, with_pixels, word_dicom

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
SETTINGS = ScanSettings(parse_passes("tesseract:top"))


def test_a_body_running_past_the_limit_is_stopped():
    started = time.monotonic()
    with pytest.raises(FileTimeoutError) as raised, time_limit(0.2, "x.dcm"):
        while True:
            pass
    assert 0.15 < time.monotonic() - started < 5 and raised.value.cause == "timeout" and raised.value.path == "x.dcm"
    time.sleep(0.3)                                   # nothing left to fire


def test_no_limit_and_a_body_done_in_time_leave_nothing_behind():
    with time_limit(None, "x.dcm"):
        time.sleep(0.05)
    with time_limit(0.2, "x.dcm"):
        time.sleep(0.05)
    time.sleep(0.3)                                   # past the limit: the watchdog was stopped


def test_a_file_that_never_finishes_is_recorded_as_timed_out_and_the_next_one_is_scanned(tmp_path, monkeypatch):
    slow, fast = word_dicom(tmp_path / "slow.dcm", "SMITH"), word_dicom(tmp_path / "fast.dcm", "JONES")
    scanner = Scanner(Detector(parse_passes("tesseract:top")), file_timeout=1.0)
    original = Detector.detect_planes

    def stuck(self, planes, *args, **kwargs):
        while True:                                   # a stage that never ends
            time.sleep(0.01)
        yield from original(self, planes, *args, **kwargs)

    monkeypatch.setattr(Detector, "detect_planes", stuck)
    result = scanner.scan_file(str(slow))
    assert (result.state, result.error_cause) == ("error", "timeout") and "1 s" in result.error_message
    monkeypatch.setattr(Detector, "detect_planes", original)
    result = scanner.scan_file(str(fast))
    assert result.state == "done" and any("JONES" in region.text for plane in result.planes for region in plane.regions)


def test_worker_processes_keep_the_limit_and_a_later_run_retries_the_files(tmp_path):
    files = [str(word_dicom(tmp_path / f"{name}.dcm", name)) for name in ("SMITH", "JONES", "BROWN")]
    with AuditDB(tmp_path / "db") as db:
        stats = run_scan(db, files, replace(SETTINGS, file_timeout=0.001), jobs=2)   # no file reads in 1 ms
        # A file whose work ends as the watchdog fires (an engine holding the GIL delays it) is done, and rightly; rare.
        assert stats.scanned == 3 and stats.failed >= 2 and stats.failed_by_cause == {"timeout": stats.failed}
        assert stats.with_regions == 3 - stats.failed
        stats = run_scan(db, files, SETTINGS, jobs=2)
        assert (stats.scanned, stats.failed, stats.with_regions) == (3, 0, 3)


def test_the_options_take_seconds_or_nothing():
    assert seconds_or_off("90") == 90.0 and seconds_or_off("0") is None
    with pytest.raises(argparse.ArgumentTypeError):
        seconds_or_off("-5")
    with pytest.raises(ValueError):
        ScanOptions(file_timeout=0)
    assert ScanOptions().settings().file_timeout == ScanOptions.file_timeout > 0


def test_the_limit_is_kept_in_any_thread_and_a_finished_body_is_never_interrupted_later():
    outcome: list[str] = []

    def work() -> None:
        try:
            with time_limit(0.2, "x.dcm"):
                while True:
                    pass
        except FileTimeoutError:
            outcome.append("timeout")
        with time_limit(0.05, "y.dcm"):
            pass
        time.sleep(0.3)                               # past the second limit: nothing is raised
        outcome.append("after")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    assert outcome == ["timeout", "after"]


def test_a_copy_that_never_finishes_is_recorded_as_timed_out_leaves_nothing_and_the_next_is_made(tmp_path,
                                                                                                  monkeypatch):
    files = [save(with_pixels(base_dataset(), np.full((20, 20), 9, np.uint8)), tmp_path / f"{name}.dcm")
             for name in ("slow", "fast")]
    with AuditDB(tmp_path / "db") as db:
        for path in files:
            db.write_file(FileRecord(str(path), "done", n_planes=1, n_regions=1, has_phi=True),
                          [RectRow(str(path), Box(0, 0, 4, 4), 0, -1, 6, "text", 70, 1, "ocr", "")])
    original = pydicom.Dataset.save_as

    def stuck(self, out, *args, **kwargs):
        while out.name.endswith("slow.dcm.partial"):      # writing that never ends, its partial copy open
            time.sleep(0.01)
        return original(self, out, *args, **kwargs)

    monkeypatch.setattr(pydicom.Dataset, "save_as", stuck)
    outcomes = {os.path.basename(r.record.filename): r.record for r in redact(tmp_path / "db", tmp_path / "out",
                                                                               root=tmp_path, file_timeout=1.0)}
    assert (outcomes["slow.dcm"].state, outcomes["slow.dcm"].error_cause) == ("error", "timeout")
    assert outcomes["fast.dcm"].state == "done" and (tmp_path / "out" / "fast.dcm").is_file()
    slow_copy = tmp_path / "out" / "slow.dcm"
    assert not slow_copy.exists() and not partial_path(slow_copy).exists()
    monkeypatch.setattr(pydicom.Dataset, "save_as", original)
    again = {os.path.basename(r.record.filename): (r.skipped, r.record.state)
             for r in redact(tmp_path / "db", tmp_path / "out", root=tmp_path, file_timeout=None)}
    assert again == {"fast.dcm": (True, "done"), "slow.dcm": (False, "done")}
    assert slow_copy.is_file()
    with pytest.raises(ValueError, match="file_timeout"):
        redact(tmp_path / "db", tmp_path / "out", file_timeout=-1)
