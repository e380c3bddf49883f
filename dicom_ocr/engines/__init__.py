"""OCR engines behind one interface (see ``base.py``), created by name.

Each engine's package is imported only when that engine is asked for.
"""
from __future__ import annotations

import importlib
import math

import numpy as np

from ..errors import EngineUnavailableError
from ..geometry import Box
from .base import Detection, LineEngine, OcrEngine, Word

ENGINE_NAMES = ("rapidocr", "tesseract", "easyocr")

_CLASSES = {"rapidocr": "RapidOcrEngine", "tesseract": "TesseractEngine", "easyocr": "EasyOcrEngine"}

__all__ = ["ENGINE_NAMES", "Detection", "EngineUnavailableError", "LineEngine", "OcrEngine", "Word", "check_engine",
           "check_image", "engine_status", "get_engine", "polygon_box", "quad_size"]


def check_image(image: np.ndarray) -> np.ndarray:
    """``image`` as a C-contiguous array after checking it is uint8 HxW or HxWx3 (ValueError otherwise)."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected a uint8 HxW or HxWx3 image, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def polygon_box(points, rows: int, columns: int) -> Box | None:
    """The axis-aligned box around a polygon's (x, y) points, clipped to the image (None when wholly outside)."""
    points = np.asarray(points, dtype=float)
    xs, ys = points[:, 0], points[:, 1]
    box = Box(math.floor(xs.min()), math.floor(ys.min()), math.ceil(xs.max()), math.ceil(ys.max()))
    return box.clip(rows, columns)


def quad_size(quad) -> tuple[int, int]:
    """(width, height) of the strip a line's quadrilateral (clockwise from top left) straightens into."""
    quad = np.asarray(quad, dtype=float)
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return int(width), int(height)


def _module(name: str):
    if name not in ENGINE_NAMES:
        raise ValueError(f"unknown OCR engine {name!r}; known engines: {', '.join(ENGINE_NAMES)}")
    return importlib.import_module(f".{name}", __name__)


def get_engine(name: str, **options) -> OcrEngine:
    """A ready engine called ``name`` built with ``options``.

    Raises ValueError for an unknown name and EngineUnavailableError (saying what to install) when it cannot run here.
    """
    module = _module(name)
    return getattr(module, _CLASSES[name])(**options)


def check_engine(name: str, **options) -> None:
    """Raise EngineUnavailableError (saying what to install) unless engine ``name`` with ``options`` can run here,
    without loading its models; ValueError for an unknown name or option value."""
    _module(name).check(**options)


def engine_status() -> dict[str, str | None]:
    """For each engine name: None when it can run here, else the reason it cannot (without loading its models)."""
    status: dict[str, str | None] = {}
    for name in ENGINE_NAMES:
        try:
            _module(name).check()
        except EngineUnavailableError as error:
            status[name] = str(error)
        else:
            status[name] = None
    return status
