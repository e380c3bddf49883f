"""Local worker processes for per-file work (scans, redacted copies): a few items in flight per worker, results as
they finish, and a worker that dies (a crash in native OCR or codec code) costing only the items then in flight.

Workers are spawned (no state shared with the caller), load what they need once in ``initializer``, end with their
parent when it dies (killed with SIGKILL, the pool cannot tell them to: on Linux the kernel kills them, elsewhere a
thread watching the parent ends them within ``PARENT_CHECK_S``) and are replaced after about ``ITEMS_PER_WORKER``
items, so that memory a library leaks does not add up over an archive.

Workers are replaced by starting a new pool once a pool's workers have been given ``jobs * ITEMS_PER_WORKER`` items,
not by the executor's ``max_tasks_per_child``: on Python 3.11 and 3.12 (fixed in later 3.13 and 3.14 releases) that
option deadlocks once a worker retires with items still queued (CPython gh-115634: no replacement is started and the
run waits for ever; seen here at the end of a 1,000-file archive, both workers at their 500th item).
"""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import TypeVar

log = logging.getLogger(__name__)

IN_FLIGHT_PER_WORKER = 4
ITEMS_PER_WORKER = 500      # items a pool's workers are given, per worker, before a new pool (new workers) takes over
PARENT_CHECK_S = 1.0
LIMIT_CHECK_S = 1.0         # how often items are checked against an item_limit
PR_SET_PDEATHSIG = 1          # prctl(2)

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_pool(items: Iterable[Item], work: Callable[[Item], Result], jobs: int,
             initializer: Callable[..., None], initargs: tuple = (),
             item_limit: float | None = None) -> Iterator[tuple[Item, Result | None]]:
    """``(item, work(item))`` for each of ``items``, done in ``jobs`` worker processes, as they finish; ``(item,
    None)`` for the items in flight when a worker died, after which a new pool takes the rest. An item still running
    after ``item_limit`` seconds (a native call that never returns, which no limit inside the worker can stop) has its
    pool's workers killed, as if they had died. ``work`` and ``initializer`` must be importable module-level functions
    (the workers are spawned). Iterate it from one thread: the workers end with the thread that started them."""
    source = iter(items)
    for first in source:
        share = chain([first], islice(source, jobs * ITEMS_PER_WORKER - 1))      # what one pool's workers are given
        while crashed := (yield from _drain(share, work, jobs, initializer, initargs, item_limit)):
            log.error("a worker process died or was stopped; %d items in flight recorded as lost to it", len(crashed))
            for item in crashed:
                yield item, None


def _drain(source: Iterator[Item], work: Callable[[Item], Result], jobs: int, initializer: Callable[..., None],
           initargs: tuple, item_limit: float | None) -> Generator[tuple[Item, Result], None, list[Item]]:
    """Drain ``source`` through one pool; return the items in flight if the pool broke, else []."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                             initargs=(os.getpid(), initializer, initargs)) as pool:
        pending: dict[Future, Item] = {}
        running_since: dict[Future, float] = {}
        try:
            while True:
                for item in islice(source, jobs * IN_FLIGHT_PER_WORKER - len(pending)):
                    try:
                        pending[pool.submit(work, item)] = item
                    except BrokenProcessPool:
                        return [item, *pending.values()]
                if not pending:
                    return []
                finished, _ = wait(pending, timeout=None if item_limit is None else LIMIT_CHECK_S,
                                   return_when=FIRST_COMPLETED)
                if item_limit is not None and _overdue(pending, running_since, item_limit):
                    log.error("an item ran past the limit of %g s; its pool's workers are stopped", item_limit)
                    _kill_workers(pool)       # its futures then fail with BrokenProcessPool, as for a crash
                for future in finished:
                    running_since.pop(future, None)
                    item = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        return [item, *pending.values()]
                    yield item, result
        finally:
            for future in pending:
                future.cancel()


def _overdue(pending: Iterable[Future], running_since: dict[Future, float], limit: float) -> bool:
    """Whether a future of ``pending`` has been running for more than ``limit`` seconds (``running_since`` notes when
    each was first seen running: handed to the workers' queue, at most one item ahead of a worker's current one)."""
    now = time.monotonic()
    for future in pending:
        if future.running():
            running_since.setdefault(future, now)
    return any(now - started > limit for started in running_since.values())


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes (``ProcessPoolExecutor.kill_workers`` exists from Python 3.14 only)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        process.kill()


def _start_worker(parent: int, initializer: Callable[..., None], initargs: tuple) -> None:
    _killed_with_parent()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    initializer(*initargs)


def _killed_with_parent() -> None:
    """Linux: have the kernel SIGKILL this worker when the thread that spawned it ends (the caller's, or the pool's
    manager thread for a replacement worker, which ends only with the pool), even while the worker is inside a long
    call that holds the GIL, where :func:`_exit_with_parent` cannot run."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _exit_with_parent(parent: int) -> None:
    """End this worker soon after its parent (``parent``: its pid, as the parent saw it, so that a worker started
    after its parent died ends too) is gone."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)
