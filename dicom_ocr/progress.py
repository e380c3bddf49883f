"""Progress of a scan (or of redaction) on stderr: a tqdm bar on a terminal, a plain line every so often otherwise
(logs).

The total is often unknown at the start (inputs are read lazily); :meth:`Progress.set_total` may come later, from
another thread, and the ETA appears then. Files already done count apart: the bar, its rate and ETA are over the files
this run scans. Only counts and rates are shown, never file names or text (PHI).
"""
from __future__ import annotations

import sys
import time
from contextlib import AbstractContextManager, nullcontext
from typing import TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

BAR_REFRESH_S = 0.25


class Progress:
    """Counts files scanned, failed and already done, and reports them on ``stream``.

    ``mode``: ``"bar"`` (tqdm), ``"log"`` (one line each ``interval`` seconds) or ``"quiet"``; ``command`` names
    what runs (``dicom_ocr scan``); ``planes``: whether planes are counted too."""

    def __init__(self, mode: str, stream: TextIO | None = None, interval: float = 30.0,
                 command: str = "dicom_ocr scan", planes: bool = True):
        if mode not in ("bar", "log", "quiet"):
            raise ValueError(f"unknown progress mode {mode!r}")
        self.mode = mode
        self.command = command
        self.counts_planes = planes
        self.stream = stream or sys.stderr
        self.interval = interval
        self.total: int | None = None
        self.scanned = self.failed = self.already_done = self.planes = 0
        self.started = time.monotonic()
        self._shown = self.started
        self._changed = False
        self._bar = (tqdm(file=self.stream, unit="file", desc=command, mininterval=BAR_REFRESH_S,
                          dynamic_ncols=True, leave=True) if mode == "bar" else None)

    @classmethod
    def for_stream(cls, stream: TextIO, quiet: bool = False, interval: float = 30.0, **options) -> Progress:
        """A bar if ``stream`` is a terminal, log lines if not, nothing if ``quiet`` (``options`` as the class
        takes them)."""
        mode = "quiet" if quiet else "bar" if stream.isatty() else "log"
        return cls(mode, stream, interval, **options)

    def keeping_log_lines_apart(self) -> AbstractContextManager:
        """A context in which log lines are written above the bar, not into it (a no-op without a bar)."""
        return logging_redirect_tqdm(tqdm_class=tqdm) if self._bar is not None else nullcontext()

    def message(self, text: str) -> None:
        """Write one line of ``text`` to the stream, above the bar when there is one."""
        if self._bar is not None:
            tqdm.write(text, file=self.stream)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def set_total(self, total: int) -> None:
        """The number of input files (already done ones included); shown from the next update on."""
        self.total = total

    def skip(self, n: int) -> None:
        """``n`` files were already done before this run."""
        self.already_done += n
        self._changed = True
        self._show(0)

    def update(self, failed: bool, planes: int) -> None:
        """One more file scanned."""
        self.scanned += 1
        self.failed += failed
        self.planes += planes
        self._changed = True
        self._show(1)

    def close(self) -> None:
        """Show the final state (and end the bar's line)."""
        if self._bar is not None:
            self._show_bar(0)
            self._bar.close()
        elif self.mode == "log" and self._changed:
            self._write_line()

    def line(self) -> str:
        """The current state in words: counts, rates, ETA when the total is known."""
        elapsed = time.monotonic() - self.started
        rate = self.scanned / elapsed if elapsed > 0 else 0.0
        done = self.scanned + self.already_done
        parts = [f"{done}/{self.total} files" if self.total is not None else f"{done} files"]
        if self.already_done:
            parts[0] += f" ({self.already_done} already done)"
        parts += [f"{self.failed} failed", f"{rate:.2f} files/s"]
        if self.counts_planes:
            parts.append(f"{self.planes / elapsed if elapsed > 0 else 0:.2f} planes/s")
        parts.append(f"elapsed {tqdm.format_interval(elapsed)}")
        if self.total is not None and rate > 0:
            parts.append(f"ETA {tqdm.format_interval(max(0, self.total - done) / rate)}")
        return ", ".join(parts)

    def _show(self, scanned: int) -> None:
        """Move the bar by ``scanned`` files, or write the log line when ``interval`` has passed."""
        if self._bar is not None:
            self._show_bar(scanned)
        elif self.mode == "log" and time.monotonic() - self._shown >= self.interval:
            self._write_line()

    def _show_bar(self, scanned: int) -> None:
        bar = self._bar
        assert bar is not None      # bar mode made it
        if self.total is not None:
            bar.total = max(0, self.total - self.already_done)   # the bar counts the files this run scans
        planes = f", {self.planes} planes" if self.counts_planes else ""
        bar.set_postfix_str(f"{self.already_done} already done, {self.failed} failed{planes}", refresh=False)
        bar.update(scanned)

    def _write_line(self) -> None:
        self._shown = time.monotonic()
        self._changed = False
        self.stream.write(f"{self.command}: {self.line()}\n")
        self.stream.flush()
