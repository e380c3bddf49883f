"""A time limit on one file's work, so one file that never finishes (a loop in a stage, a pathological image) cannot
stall a batch over an archive: the file is recorded as failed with cause ``timeout`` and the run goes on.

The limit is a ``SIGALRM`` timer, so it works where signals do: on POSIX, in a process's main thread (the scan's own
process with ``--jobs 1``, each local worker process), when no other timer is running there. It interrupts Python
code; a native call (an OCR model's inference) runs to its end first. Dask runs files in worker threads, where the
limit does not apply.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import FileTimeoutError

FILE_TIMEOUT_S = 3600.0   # the default limit: far above any file measured (a 64-frame cine: 86 CPU s), low enough that
                          # a file that never finishes costs an hour of one worker, not the run


def applies() -> bool:
    """Whether a time limit can be kept here: POSIX, the main thread, and no timer of the caller's running (an
    application calling the API keeps its own)."""
    return (hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))


class _Expired(BaseException):
    """Raised by the timer in the body: a BaseException, so the ``except Exception`` of a library it interrupts (pydicom
    turns what it catches into other errors) lets it through to :func:`time_limit`."""


@contextmanager
def time_limit(seconds: float | None, path: str) -> Iterator[None]:
    """Raise :class:`~dicom_ocr.errors.FileTimeoutError` for ``path`` in the body if it runs longer than ``seconds``
    (no limit for None or 0, or where :func:`applies` says none can be kept)."""
    if not seconds or not applies():
        yield
        return
    armed = [True]

    def expired(signum, frame):
        if armed[0]:
            raise _Expired

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise FileTimeoutError(path, f"not finished within the per-file limit of {seconds:g} s (--file-timeout)") \
            from None
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
