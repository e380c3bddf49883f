"""The package's type hints hold: mypy finds no error in it (pyproject.toml [tool.mypy]), and it ships py.typed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_is_typed():
    assert (ROOT / "dicom_ocr" / "py.typed").is_file()


def test_mypy_finds_no_error_in_the_package():
    pytest.importorskip("mypy")
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
