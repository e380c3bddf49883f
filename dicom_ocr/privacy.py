"""What dicom_ocr writes holds PHI (OCR text, pixels, paths): it is created owner-only, whatever the umask.

Every command, and every function of the API that writes (``private_outputs``), sets its process's umask before it
writes anything, and its workers inherit it: files are created 0600
and folders 0700 (the audit DB and its exports, reports, redacted copies and their log, frame PNGs). Reviewers who
work under other accounts of one group can be given read access instead (files 0640, folders 0750). Folders that
already exist keep their modes. Dask workers on other machines use their own umask.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

OWNER_ONLY = 0o077     # umask: files 0600, folders 0700
GROUP_READABLE = 0o027  # umask: files 0640, folders 0750


def make_outputs_private(group_readable: bool = False) -> int:
    """Set this process's umask so that what it creates from now on is owner-only (or readable by its group, not
    writable); return the umask it replaced."""
    return os.umask(GROUP_READABLE if group_readable else OWNER_ONLY)


@contextmanager
def private_outputs(group_readable: bool = False) -> Iterator[None]:
    """What this process creates inside the block is owner-only (or group-readable); the umask is restored after.
    For the API's functions, which may run inside a caller's process."""
    before = make_outputs_private(group_readable)
    try:
        yield
    finally:
        os.umask(before)
