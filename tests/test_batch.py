"""Batch scans through the API: bad files, local worker processes, dask, reviewers' rows, resumption, progress."""
from __future__ import annotations

import io
import os
import sqlite3
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import psutil
import pytest
from pydal import DAL

from dicom_ocr.batch import WORKER_CRASHED, Job, ScanSettings, run_scan, scan_local
from dicom_ocr.detection import parse_passes
from dicom_ocr.exports import CsvExporter, JsonlExporter
from dicom_ocr.progress import Progress
from dicom_ocr.store import DB_NAME, DB_URI, AuditDB, define_dcmaudit_tables

from dicomfactory import word_dicom

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
SETTINGS = ScanSettings(parse_passes("tesseract:top"))


@pytest.fixture
def archive(tmp_path) -> list[str]:
    """Five files in two folders, a corrupt one (a DICOM preamble, then garbage) third in walking order."""
    folder = tmp_path / "archive"
    (folder / "b").mkdir(parents=True)
    paths = [word_dicom(folder / "a1.dcm", "SMITH"), word_dicom(folder / "a2.dcm", "JONES")]
    bad = folder / "a3.dcm"
    bad.write_bytes(b"\0" * 128 + b"DICM" + b"but not really" * 20)
    paths += [bad, word_dicom(folder / "b" / "b1.dcm", "BROWN"), word_dicom(folder / "b" / "b2.dcm", "GREEN")]
    return [str(p) for p in paths]


def our_rows(directory: Path) -> list[tuple]:
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        return conn.execute('SELECT filename, "left", top, "right", bottom, frame, overlay, ocrengine, ocrtext, nerpii '
                            "FROM DicomRects WHERE last_modified_by = 'dicom_ocr' ORDER BY filename, id").fetchall()
    finally:
        conn.close()


def check_archive_result(db_dir: Path, archive: list[str]) -> list[tuple]:
    """Every good file done with one region and one summary row, the corrupt one an error; returns the rows."""
    with AuditDB(db_dir) as db:
        records = db.files.records()
    assert sorted(records) == sorted(archive)
    assert {name for name, r in records.items() if r.state == "error"} == {archive[2]}
    assert records[archive[2]].error_cause == "corrupt-header"
    rows = our_rows(db_dir)
    for name in archive[:2] + archive[3:]:
        mine = [row for row in rows if row[0] == name]
        assert len(mine) == 2, mine
        assert mine[1][1:5] == (-1, -1, -1, -1) and mine[0][1] >= 0 and mine[0][8].strip()
    return rows


def test_sequential_scan_records_the_bad_file_and_goes_on(tmp_path, archive):
    with AuditDB(tmp_path / "db") as db:
        stats = run_scan(db, archive, SETTINGS)
    assert (stats.scanned, stats.failed, stats.with_regions) == (5, 1, 4)
    assert stats.failed_by_cause == {"corrupt-header": 1}
    rows = check_archive_result(tmp_path / "db", archive)
    assert any("SMITH" in row[8] for row in rows)


def test_second_run_skips_done_files_and_retries_failed_ones(tmp_path, archive):
    with AuditDB(tmp_path / "db") as db:
        run_scan(db, archive, SETTINGS)
        first = our_rows(tmp_path / "db")
        skipped: list[int] = []
        stats = run_scan(db, archive, SETTINGS, on_skip=skipped.append)
        assert (stats.scanned, stats.already_done, stats.failed, sum(skipped)) == (1, 4, 1, 4)
        assert our_rows(tmp_path / "db") == first
        stats = run_scan(db, archive, SETTINGS, rescan=True)
        assert (stats.scanned, stats.already_done) == (5, 0)
    assert our_rows(tmp_path / "db") == first          # rescan replaced our rows: no duplicates


def test_two_worker_processes_give_the_same_rows(tmp_path, archive):
    with AuditDB(tmp_path / "one") as db:
        run_scan(db, archive, SETTINGS)
    with AuditDB(tmp_path / "two") as db:
        stats = run_scan(db, archive, SETTINGS, jobs=2)
    assert (stats.scanned, stats.failed) == (5, 1)
    assert check_archive_result(tmp_path / "two", archive) == our_rows(tmp_path / "one")


def test_dask_local_cluster_of_processes(tmp_path, archive):
    distributed = pytest.importorskip("distributed")
    with AuditDB(tmp_path / "one") as db:
        run_scan(db, archive, SETTINGS)
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        with AuditDB(tmp_path / "dask") as db:
            stats = run_scan(db, archive, SETTINGS, dask=cluster.scheduler_address)
    assert (stats.scanned, stats.failed) == (5, 1)
    assert check_archive_result(tmp_path / "dask", archive) == our_rows(tmp_path / "one")


def test_reviewers_rows_and_marks_stay_untouched(tmp_path, archive):
    dal = DAL(DB_URI, folder=str(tmp_path), attempts=1)           # dcmaudit made the DB first
    define_dcmaudit_tables(dal)
    stamp = datetime(2024, 1, 2, 3, 4, 5)
    dal.DicomRects.insert(filename=archive[0], top=1, bottom=9, left=1, right=50, frame=0, overlay=-1, ocrengine=-1,
                          ocrtext="", nerengine=-1, nerpii=-1, last_modified=stamp, last_modified_by="alice")
    dal.DicomTags.insert(filename=archive[0], mark=True, comment="seen", Modality="OT", last_modified=stamp,
                         last_modified_by="alice")
    dal.commit()
    dal.close()
    conn = sqlite3.connect(tmp_path / DB_NAME)
    before_rects = conn.execute("SELECT * FROM DicomRects").fetchall()
    before_tags = conn.execute("SELECT * FROM DicomTags").fetchall()
    conn.close()
    with AuditDB(tmp_path) as db:
        run_scan(db, archive, SETTINGS)
        run_scan(db, archive, SETTINGS, rescan=True)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    try:
        assert conn.execute("SELECT * FROM DicomRects WHERE last_modified_by = 'alice'").fetchall() == before_rects
        assert conn.execute("SELECT * FROM DicomTags").fetchall() == before_tags
    finally:
        conn.close()
    check_archive_result(tmp_path, archive)
    dal = DAL(DB_URI, folder=str(tmp_path), attempts=1)            # and dcmaudit still opens it
    define_dcmaudit_tables(dal)
    assert dal(dal.DicomRects.filename == archive[0]).count() == 3
    dal.close()


def test_exports_get_rows_and_header_tags(tmp_path):
    path = str(word_dicom(tmp_path / "x.dcm", "SMITH", ImageType=["ORIGINAL", "PRIMARY"], Manufacturer="ACME",
                          BurnedInAnnotation="YES"))
    with AuditDB(tmp_path / "db") as db, CsvExporter(tmp_path / "o.csv") as out_csv, \
            JsonlExporter(tmp_path / "o.jsonl") as out_jsonl:
        run_scan(db, [path], SETTINGS, exporters=[out_csv, out_jsonl])
    lines = (tmp_path / "o.csv").read_text().splitlines()
    assert len(lines) == 3 and lines[1].startswith(f"{path},0,-1,ORIGINAL\\PRIMARY,ACME,YES,tesseract,")
    assert len((tmp_path / "o.jsonl").read_text().splitlines()) == 2


def test_a_dead_worker_is_recorded_and_the_run_goes_on(archive):
    """A worker killed mid-run (as a crash in native OCR code would) costs only the files in flight."""
    paths = archive * 8
    outcomes = []
    for outcome in scan_local(paths, Job(SETTINGS), jobs=2):
        outcomes.append(outcome)
        if len(outcomes) == 1:
            worker = next(c for c in psutil.Process().children() if "spawn_main" in " ".join(c.cmdline()))
            worker.kill()
    assert sorted(o.filename for o in outcomes) == sorted(paths)
    causes = [o.error_cause for o in outcomes]
    assert WORKER_CRASHED in causes
    after = causes[len(causes) - causes[::-1].index(WORKER_CRASHED):]
    assert after and {None, "corrupt-header"} >= set(after)        # a new pool scanned the rest


def test_progress_modes():
    out = io.StringIO()
    progress = Progress("log", out, interval=0)
    progress.set_total(10)
    progress.skip(4)
    progress.update(failed=False, planes=2)
    progress.update(failed=True, planes=0)
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("dicom_ocr scan: 6/10 files (4 already done), 1 failed,")
    assert "ETA" in lines[-1] and "planes/s" in lines[-1]
    bar = io.StringIO()
    progress = Progress("bar", bar, interval=0)
    progress.set_total(5)
    progress.skip(3)
    progress.update(failed=False, planes=1)
    progress.close()
    final = bar.getvalue().split("\r")[-1]
    assert final.endswith("\n") and "1/2" in final and "3 already done, 0 failed, 1 planes" in final, final
    quiet = io.StringIO()
    progress = Progress.for_stream(quiet, quiet=True)
    progress.update(failed=True, planes=1)
    progress.close()
    assert quiet.getvalue() == "" and progress.mode == "quiet"
    assert Progress.for_stream(io.StringIO()).mode == "log"          # not a terminal


def test_a_dask_worker_builds_one_scanner_per_run_from_every_files_copy_of_the_job(tmp_path, monkeypatch):
    """Each file's task carries its own unpickled copy of the run's Job; settings holding rule sources (deid's
    recipes, by default) do not compare equal across copies, and a Scanner keyed by them was built, and kept, for
    every file (a Dask worker grew past 9 GB on an archive)."""
    import pickle

    from dicom_ocr import batch
    from dicom_ocr.api import ScanOptions

    settings = replace(ScanOptions.of({}).settings(single_threaded=True), passes=SETTINGS.passes)
    assert settings.sources                                     # deid's recipe, as a scan has by default
    built = []
    monkeypatch.setattr(ScanSettings, "scanner", lambda self: built.append(self) or _Scanner())
    monkeypatch.setattr(batch, "_dask_local", type(batch._dask_local)())
    job = Job(settings)
    for name in ("a", "b", "c"):
        batch._scan_on_dask_worker(name, pickle.loads(pickle.dumps(job)))
    assert len(built) == 1
    batch._scan_on_dask_worker("d", pickle.loads(pickle.dumps(Job(settings))))   # a new run
    assert len(built) == 2


class _Scanner:
    def scan_file(self, path: str) -> str:
        return path


_HOLDS_THE_GIL = """
import os, sys
from dicom_ocr.pool import run_pool
for item, _ in run_pool([range(10 ** 12)] * 2, sum, 2, os.getpid):   # sum over a range never lets go of the GIL
    pass
"""


def test_workers_busy_in_a_call_that_holds_the_gil_end_with_their_killed_parent():
    """A worker inside one long C call (OCR, a codec) cannot run a thread that watches its parent; the kernel ends
    it when the parent is SIGKILLed."""
    import signal
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    parent = subprocess.Popen([sys.executable, "-c", _HOLDS_THE_GIL])
    deadline, workers = time.monotonic() + 60, []
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = [c for c in psutil.Process(parent.pid).children() if "spawn_main" in " ".join(c.cmdline())
                   and c.cpu_percent(interval=0.1) > 50]
    assert len(workers) == 2, "the workers did not start their work"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    _, alive = psutil.wait_procs(workers, timeout=5)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]   # zombies have ended
    for orphan in alive:
        orphan.kill()
    assert not alive


def test_a_worker_whose_parent_died_before_it_started_ends():
    """Killed while it spawned a replacement worker, a parent leaves a worker whose parent is already init: it must
    not wait on a pipe nobody writes to (two such orphans outlived this suite's SIGKILL test by 12 minutes)."""
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import time\nfrom dicom_ocr.pool import _start_worker\n"
                           "_start_worker(2 ** 22 + 1, time.sleep, (0,))\ntime.sleep(30)"],
                          timeout=20, capture_output=True)
    assert gone.returncode == 1 and not gone.stderr                  # ended by the watch, not by an error


def _pid(_item: int) -> int:
    return os.getpid()


def _ready() -> None:
    pass


@pytest.mark.timeout(300)
def test_workers_are_replaced_on_the_way_and_the_run_finishes(monkeypatch):
    """The executor's own ``max_tasks_per_child`` deadlocked on Python 3.11 once a worker retired with items queued
    (CPython gh-115634): a 1,000-file archive never finished. New pools replace the workers instead."""
    from dicom_ocr import pool
    monkeypatch.setattr(pool, "ITEMS_PER_WORKER", 3)
    done = list(pool.run_pool(range(30), _pid, 2, _ready))
    assert sorted(item for item, _ in done) == list(range(30))
    assert len({pid for _, pid in done}) >= 5                    # 5 pools (6 items each), each its own workers


def _nap(seconds: float) -> float:
    time.sleep(seconds)               # one C call: no Python-level limit interrupts it
    return seconds


@pytest.mark.timeout(300)
def test_an_item_that_never_returns_has_its_workers_stopped_and_the_rest_is_done():
    from dicom_ocr import pool
    quick = [0.01 + i / 1000 for i in range(16)]
    started = time.monotonic()
    outcomes = dict(pool.run_pool([*quick[:4], 1000.0, *quick[4:]], _nap, 2, _ready, item_limit=3.0))
    assert time.monotonic() - started < 120 and len(outcomes) == 17
    lost = [item for item, result in outcomes.items() if result is None]
    assert 1000.0 in lost and len(lost) <= 2 * pool.IN_FLIGHT_PER_WORKER      # only what was in flight
    assert all(outcomes[item] == item for item in quick if item not in lost)
