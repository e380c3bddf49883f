"""A scan on a Dask cluster started as an operator starts one: `dask scheduler`, then `dask worker` processes, and
`dicom_ocr scan --dask ADDRESS`. It writes the rows a local pool writes; a worker killed mid-run costs only the
files it held. Skipped where the dask command or distributed is absent."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_ocr.bench.rows import compare
from dicom_ocr.store import AuditDB

from dicomfactory import word_dicom

pytest.importorskip("distributed")
DASK = shutil.which("dask")
pytestmark = pytest.mark.skipif(DASK is None, reason="no dask command here")
ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": str(ROOT)}
OCR = ["--ocr", "tesseract:top"]


def _wait_for(path: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} was not written in {seconds} s")
        time.sleep(0.2)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A scheduler and two single-thread workers, each its own process group; stopped after the test."""
    info = tmp_path / "scheduler.json"
    started = [subprocess.Popen([DASK, "scheduler", "--scheduler-file", str(info), "--port", "0",
                                 "--dashboard-address", ":0"], env=ENV, cwd=tmp_path, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait_for(info)
        for _ in range(2):
            started.append(subprocess.Popen([DASK, "worker", "--scheduler-file", str(info), "--nthreads", "1",
                                             "--no-nanny", "--no-dashboard"], env=ENV, cwd=tmp_path,
                                            start_new_session=True, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL))
        address = _address(info)
        _wait_for_workers(address, 2)
        yield address, started[1:]
    finally:
        for process in reversed(started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _address(info: Path) -> str:
    import json
    return json.loads(info.read_text())["address"]


def _wait_for_workers(address: str, n: int) -> None:
    from distributed import Client
    with Client(address, timeout=30) as client:
        client.wait_for_workers(n, timeout=60)


def _scan(paths: list[str], db: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dicom_ocr", "scan", *paths, "--db", str(db), *OCR, "-q", *options],
                          capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=600)


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    words = ["SMITH", "JONES", "BROWN", "GREEN", "WHITE", "BLACK", "KING", "WOOD"]
    (tmp_path / "in").mkdir()
    return [str(word_dicom(tmp_path / "in" / f"{i}.dcm", word)) for i, word in enumerate(words)]


def test_a_cluster_of_scheduler_and_worker_processes_writes_the_local_pools_rows(tmp_path, cluster, files):
    address, _ = cluster
    assert _scan(files, tmp_path / "local", "--jobs", "2").returncode == 0
    result = _scan(files, tmp_path / "dask", "--dask", address)
    assert result.returncode == 0, result.stderr
    differences, counts = compare(tmp_path / "local", tmp_path / "dask")
    assert differences == [] and counts["dicom_ocr_files"] == len(files)


def test_a_worker_killed_mid_run_costs_only_its_files(tmp_path, cluster, files):
    address, workers = cluster
    many = files * 4                                  # the same files under other names: long enough to kill mid-run
    listed = []
    for i, path in enumerate(many):
        copy = tmp_path / "many" / f"{i:02d}.dcm"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(Path(path).read_bytes())
        listed.append(str(copy))
    scan = subprocess.Popen([sys.executable, "-m", "dicom_ocr", "scan", *listed, "--db", str(tmp_path / "db"), *OCR,
                             "-q", "--dask", address], env=ENV, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    recorded_at_kill = _wait_for_records(tmp_path / "db", 2)
    os.killpg(workers[0].pid, signal.SIGKILL)
    _, stderr = scan.communicate(timeout=600)
    with AuditDB(tmp_path / "db") as db:
        records = db.files.records()
    assert sorted(records) == sorted(listed)                        # every file recorded, none lost
    states = [record.state for record in records.values()]
    crashed = [record for record in records.values() if record.state == "error"]
    assert states.count("done") >= len(listed) - 2                 # at most the killed worker's files in flight
    assert all(record.error_cause == "worker-crashed" for record in crashed), stderr
    assert scan.returncode == (1 if crashed else 0)
    assert recorded_at_kill < len(listed)                          # the worker died mid-run


def _wait_for_records(db: Path, n: int, seconds: float = 120) -> int:
    """Until the scan has recorded ``n`` files (the workers are at work); how many it had then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (db / "dcmaudit.sqlite.db").exists():
            try:
                with AuditDB.read_only(db) as store:
                    recorded = len(store.files.records())
                if recorded >= n:
                    return recorded
            except Exception:  # noqa: BLE001 - the DB is being created
                pass
        time.sleep(0.2)
    raise TimeoutError(f"fewer than {n} files recorded in {seconds} s")


def test_the_archive_benchmark_on_the_cluster_writes_the_local_pools_rows(tmp_path, cluster):
    """``bench archive --dask``: the default OCR on an archive's files, on the cluster, gives the local pool's rows."""
    from dicom_ocr.bench.scorer import default_scorer

    from scriptmodules import load_script

    make_archive, scorer = load_script("make_archive"), default_scorer()
    if not scorer.exists() or not make_archive.CORPUS.is_dir():
        pytest.skip("../shared is not here")
    address, _ = cluster
    archive = tmp_path / "archive"
    make_archive.main(["--out", str(archive), "--n", "4", "--per-series", "2", "--mix", "series=2,radiograph=1,text=1"])
    for where, options in (("local", ["--jobs", "2"]), ("dask", ["--dask", address, "--jobs", "2"])):
        printed = subprocess.run([sys.executable, "-m", "dicom_ocr.bench", "archive", str(archive), *options,
                                  "--keep", str(tmp_path / where), "--scorer", str(scorer)], env=ENV, cwd=ROOT,
                                 capture_output=True, text=True, timeout=900, check=True).stdout
        assert ("| scan wall s, --dask 2 (exit status) |" in printed) == (where == "dask")
        assert ("| peak RSS MiB, the client process |" in printed) == (where == "dask")
        worker_peak = next(line for line in printed.splitlines() if "largest worker (sampled)" in line)
        assert 100 < float(worker_peak.split("|")[2]) < 8000, worker_peak     # a worker with its models loaded
    differences, counts = compare(tmp_path / "local" / "new" / "db", tmp_path / "dask" / "new" / "db")
    assert differences == [] and counts["dicom_ocr_files"] == 5          # the archive's 4 files and its gt.json
