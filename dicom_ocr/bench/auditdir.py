"""Where a measurement's audit DB goes: a directory the user keeps, or a temporary one removed afterwards."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def audit_dir(keep: Path | None = None, prefix: str = "dicom_ocr_bench_") -> Iterator[Path]:
    """Yield ``keep`` (created when missing) or a temporary directory that is removed on exit."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)
