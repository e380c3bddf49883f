"""A timed subprocess: wall seconds, CPU seconds of it and its children, peak RSS (``/usr/bin/time -v``) and exit status."""
from __future__ import annotations

import re
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIME = Path("/usr/bin/time")
_PEAK = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")


@dataclass(frozen=True)
class Timed:
    """What one run cost. ``timelog`` is the ``/usr/bin/time -v`` log (None where that program is absent)."""

    wall_s: float
    cpu_s: float
    status: int
    timelog: Path | None

    @property
    def peak_rss_mib(self) -> float | None:
        """The largest resident set of the process tree's biggest process, from the time log."""
        if self.timelog is None or not self.timelog.exists():
            return None
        found = _PEAK.search(self.timelog.read_text())
        return int(found.group(1)) / 1024 if found else None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(command: list[str], timelog: Path | None = None, **kwargs: Any) -> Timed:
    """Run ``command`` (under ``/usr/bin/time -v -o timelog`` when both exist); ``kwargs`` go to subprocess.run."""
    if timelog is not None and TIME.exists():
        command = [str(TIME), "-v", "-o", str(timelog), *command]
    else:
        timelog = None
    cpu, started = _children_cpu(), time.perf_counter()
    status = subprocess.run(command, check=False, **kwargs).returncode
    return Timed(time.perf_counter() - started, _children_cpu() - cpu, status, timelog)
