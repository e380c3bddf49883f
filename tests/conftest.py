from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))
SHARED = TESTS.parents[1] / "shared"


@pytest.fixture
def shared() -> Path:
    """The project's shared corpus and ground truth; tests that need it skip where it is absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared is not here")
    return SHARED
