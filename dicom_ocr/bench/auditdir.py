"""Where a measurement's audit DB goes (a directory the user keeps, or a temporary one removed afterwards), and an
existing one opened to be read."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..store import AuditDB


@contextmanager
def audit_dir(keep: Path | None = None, prefix: str = "dicom_ocr_bench_") -> Iterator[Path]:
    """Yield ``keep`` (created when missing) or a temporary directory that is removed on exit."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def read_audit_db(path: Path) -> AuditDB:
    """The audit DB at ``path`` (a directory holding it, or the file), read only; exits when there is none."""
    try:
        return AuditDB.read_only(path)
    except FileNotFoundError as error:
        raise SystemExit(str(error)) from None
