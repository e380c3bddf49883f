"""Peak resident memory of the worker processes of a command this process runs, sampled with psutil (or, for a Dask
cluster, as its workers report it to the scheduler: :class:`DaskWorkerPeaks`).

``/usr/bin/time -v`` gives the peak of the largest process of a run (:mod:`.timing`), not which one it was; sampling
the process tree a few times a second tells the workers apart (Python processes whose parent is a Python process:
the scan's spawned workers, and its small resource tracker). A worker that lives less than a sampling interval, or
whose peak falls between two samples, is missed: the figure is a lower bound. Each sample's time and largest worker
RSS are kept too (``timeline``), so a long run shows whether memory grows with the files done.
"""
from __future__ import annotations

import threading
import time
from types import TracebackType

import psutil

INTERVAL_S = 0.5


class _Sampling:
    """A context manager calling ``sample`` every ``interval_s`` on a thread while it is entered; ``timeline`` holds
    (epoch seconds, largest worker RSS in bytes) per sample that saw a worker."""

    def __init__(self, interval_s: float = INTERVAL_S):
        self.interval_s = interval_s
        self.timeline: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _Sampling:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    def sample(self) -> None:
        """Record what the workers use now."""
        raise NotImplementedError

    @property
    def peak_mib(self) -> float | None:
        """The largest RSS of a worker seen, MiB; None when none was seen."""
        raise NotImplementedError


class WorkerPeaks(_Sampling):
    """A context manager sampling this process's descendants; ``peak_mib`` is the largest worker's RSS seen."""

    def __init__(self, interval_s: float = INTERVAL_S):
        super().__init__(interval_s)
        self._rss: dict[int, int] = {}           # pid -> largest RSS seen, bytes
        self._parent: dict[int, int] = {}
        self._python: set[int] = set()

    def sample(self) -> None:
        """Record the RSS, parent and kind of every descendant now alive, and the largest worker's RSS now."""
        now: dict[int, int] = {}
        for process in psutil.Process().children(recursive=True):
            try:
                with process.oneshot():
                    rss, parent, name = process.memory_info().rss, process.ppid(), process.name()
            except psutil.Error:          # ended between the listing and the reading
                continue
            self._rss[process.pid] = max(rss, self._rss.get(process.pid, 0))
            self._parent[process.pid] = parent
            now[process.pid] = rss
            if name.startswith("python"):
                self._python.add(process.pid)
        workers = [rss for pid, rss in now.items() if self._is_worker(pid)]
        if workers:
            self.timeline.append((time.time(), max(workers)))

    def _is_worker(self, pid: int) -> bool:
        """A Python process whose parent is a Python process."""
        return pid in self._python and self._parent.get(pid) in self._python

    @property
    def peak_mib(self) -> float | None:
        """The largest RSS of a worker seen, MiB; None when no worker was seen (a scan with ``--jobs 1``)."""
        workers = [rss for pid, rss in self._rss.items() if self._is_worker(pid)]
        return max(workers) / 2 ** 20 if workers else None


class DaskWorkerPeaks(_Sampling):
    """Like :class:`WorkerPeaks` for the workers of the Dask cluster at ``address``: each worker's RSS as it reports
    it to the scheduler (its heartbeat's ``metrics["memory"]``), sampled every ``interval_s``; ``peak_mib`` and
    ``timeline`` as there."""

    def __init__(self, address: str, interval_s: float = INTERVAL_S):
        from distributed import Client
        super().__init__(interval_s)
        self._client = Client(address, timeout=30)
        self._peak = 0

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        super().__exit__(kind, error, trace)
        self._client.close()

    def sample(self) -> None:
        """Record the largest RSS the cluster's workers report now."""
        workers = self._client.scheduler_info(n_workers=-1)["workers"].values()
        rss = max((int(worker["metrics"]["memory"]) for worker in workers), default=0)
        if rss:
            self._peak = max(self._peak, rss)
            self.timeline.append((time.time(), rss))

    @property
    def peak_mib(self) -> float | None:
        """The largest RSS a worker reported, MiB; None when none reported any."""
        return self._peak / 2 ** 20 if self._peak else None
