"""Logging set-up shared by the CLI and worker processes: our messages at the chosen level, third-party chatter quiet."""
from __future__ import annotations

import logging

FORMAT = "%(levelname)s %(name)s: %(message)s"


def configure(level: int) -> None:
    """Log at ``level``; pydicom's own messages and Python warnings only at DEBUG (we report each file's cause)."""
    logging.basicConfig(level=level, format=FORMAT)
    logging.captureWarnings(True)
    quiet = logging.DEBUG if level <= logging.DEBUG else logging.CRITICAL
    logging.getLogger("py.warnings").setLevel(quiet)
    logging.getLogger("pydicom").setLevel(quiet)
