from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).parents[2] / "shared"


@pytest.fixture
def shared() -> Path:
    """The project's shared corpus and ground truth; tests that need it skip where it is absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared is not here")
    return SHARED
