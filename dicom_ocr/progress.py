"""Progress of a scan on stderr: a one-line bar with rate and ETA on a terminal, a plain line every so often otherwise.

The total is often unknown at the start (inputs are read lazily); :meth:`Progress.set_total` may come later, from
another thread, and the ETA appears then. Only counts and rates are shown, never file names or text (PHI).
"""
from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24
BAR_REFRESH_S = 0.25


def format_duration(seconds: float) -> str:
    """``1d 02:03:04``, ``02:03:04`` or ``03:04``."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{secs:02d}" if hours or days else f"{minutes:02d}:{secs:02d}"
    return f"{days}d {clock}" if days else clock


class Progress:
    """Counts files scanned, failed and skipped (already done) and reports them on ``stream``.

    ``mode``: ``"bar"`` (redrawn in place), ``"log"`` (one line each ``interval`` seconds) or ``"quiet"``."""

    def __init__(self, mode: str, stream: TextIO | None = None, interval: float = 30.0):
        if mode not in ("bar", "log", "quiet"):
            raise ValueError(f"unknown progress mode {mode!r}")
        self.mode = mode
        self.stream = stream or sys.stderr
        self.interval = interval if mode == "log" else BAR_REFRESH_S
        self.total: int | None = None
        self.scanned = self.failed = self.skipped = self.planes = 0
        self.started = time.monotonic()
        self._shown = self.started
        self._changed = False

    @classmethod
    def for_stream(cls, stream: TextIO, quiet: bool = False, interval: float = 30.0) -> Progress:
        """A bar if ``stream`` is a terminal, log lines if not, nothing if ``quiet``."""
        mode = "quiet" if quiet else "bar" if stream.isatty() else "log"
        return cls(mode, stream, interval)

    def set_total(self, total: int) -> None:
        self.total = total

    def skip(self, n: int) -> None:
        self.skipped += n
        self._maybe_show()

    def update(self, failed: bool, planes: int) -> None:
        self.scanned += 1
        self.failed += failed
        self.planes += planes
        self._maybe_show()

    def close(self) -> None:
        """Show the final state (and end the bar's line)."""
        if self.mode == "quiet" or (self.mode == "log" and not self._changed):
            return
        self._show()
        if self.mode == "bar":
            self.stream.write("\n")
            self.stream.flush()

    def line(self) -> str:
        """The current state in words: counts, rate, ETA when the total is known."""
        elapsed = time.monotonic() - self.started
        rate = self.scanned / elapsed if elapsed > 0 else 0.0
        done = self.scanned + self.skipped
        parts = [f"{done}/{self.total}" if self.total is not None else f"{done}", "files"]
        if self.skipped:
            parts.append(f"({self.skipped} already done)")
        parts[-1] += ","
        parts.append(f"{self.failed} failed, {rate:.2f} files/s, {self.planes / elapsed if elapsed > 0 else 0:.2f} "
                     f"planes/s, elapsed {format_duration(elapsed)}")
        if self.total is not None and rate > 0:
            parts[-1] += ","
            parts.append(f"ETA {format_duration(max(0, self.total - done) / rate)}")
        return " ".join(parts)

    def _maybe_show(self) -> None:
        self._changed = True
        now = time.monotonic()
        if self.mode != "quiet" and now - self._shown >= self.interval:
            self._shown = now
            self._show()

    def _show(self) -> None:
        self._changed = False
        if self.mode == "bar":
            self.stream.write(f"\r{self._bar()} {self.line()}\x1b[K")
        else:
            self.stream.write(f"dicom_ocr scan: {self.line()}\n")
        self.stream.flush()

    def _bar(self) -> str:
        if not self.total:
            return "[" + " " * BAR_WIDTH + "]"
        filled = min(BAR_WIDTH, BAR_WIDTH * (self.scanned + self.skipped) // self.total)
        return "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"
