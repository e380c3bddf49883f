"""A time limit on one file's work, so one file that never finishes (a loop in a stage, a pathological image) cannot
stall a batch over an archive: the file is recorded as failed with cause ``timeout`` and the run goes on.

A watchdog thread raises an exception in the thread doing the work once the limit has passed
(``PyThreadState_SetAsyncExc``): no signal, so it works in any thread (local workers, Dask's worker threads) and no
native library's thread is woken by one (a ``SIGALRM`` timer crashed a process that had run OpenVINO on a large
image). It interrupts Python code; a native call (an OCR model's inference) runs to its end first. A native call
that never returns is ended by the worker pool, which stops its workers (:func:`pool_item_limit`).
"""
from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import FileTimeoutError

FILE_TIMEOUT_S = 3600.0   # the default limit: far above any file measured (a 64-frame cine: 86 CPU s), low enough that
                          # a file that never finishes costs an hour of one worker, not the run
NATIVE_GRACE_S = 60.0     # what a native call may still take once a file's limit has passed


def pool_item_limit(seconds: float | None) -> float | None:
    """The time after which a worker pool stops its workers because a file is still running (:func:`.pool.run_pool`):
    a native call that never returns, which :func:`time_limit` cannot stop. Twice the file's limit (a file handed to
    a worker's queue may wait for one other) and ``NATIVE_GRACE_S``; None for no limit."""
    return 2 * seconds + NATIVE_GRACE_S if seconds else None


def check_seconds(seconds: float | None) -> None:
    """Raise ValueError unless ``seconds`` is a limit :func:`time_limit` takes as one: None, or above 0."""
    if seconds is not None and not seconds > 0:
        raise ValueError(f"file_timeout must be None or above 0 seconds, not {seconds!r}")


class _Expired(BaseException):
    """Raised in the body by the watchdog: a BaseException, so the ``except Exception`` of a library it interrupts
    (pydicom turns what it catches into other errors) lets it through to :func:`time_limit`."""


def _raise_in(thread_id: int, exception: type[BaseException] | None) -> None:
    """Have ``exception`` raised in the thread ``thread_id`` at its next Python instruction (None: no longer)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exception)
                                               if exception is not None else ctypes.c_void_p(0))


@contextmanager
def time_limit(seconds: float | None, path: str) -> Iterator[None]:
    """Raise :class:`~dicom_ocr.errors.FileTimeoutError` for ``path`` in the body if it runs longer than ``seconds``
    (no limit for None or 0)."""
    if not seconds:
        yield
        return
    worker, lock, state = threading.get_ident(), threading.Lock(), {"armed": True, "fired": False}

    def expire() -> None:
        with lock:
            if state["armed"]:
                state["fired"] = True
                _raise_in(worker, _Expired)

    watchdog = threading.Timer(seconds, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield
    except _Expired:
        raise FileTimeoutError(path, f"not finished within the per-file limit of {seconds:g} s (--file-timeout)") \
            from None
    finally:
        try:
            watchdog.cancel()
            with lock:
                state["armed"] = False
                if state["fired"]:
                    _raise_in(worker, None)     # not yet raised when the body ended: not at all
        except _Expired:                        # raised while the watchdog was being stopped: the body had ended
            pass
