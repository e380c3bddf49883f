"""OCR engines behind one interface (see ``base.py``), registered as plugins (``registry.py``) and created by name.

Each engine's package (rapidocr, tesserocr, easyocr and torch...) is imported only when that engine is built or checked.
"""
from __future__ import annotations

from typing import Any

from ..errors import EngineUnavailableError
from .base import Detection, LineEngine, LineReader, OcrEngine, Word
from .images import check_image, polygon_box, quad_size
from .registry import (
    EngineRegistryError,
    check_options,
    engine_class,
    engine_names,
    ocrengine_names,
    option_names,
    reads_lines,
)

__all__ = ["Detection", "EngineRegistryError", "EngineUnavailableError", "LineEngine", "LineReader", "OcrEngine",
           "Word", "check_engine", "check_image", "check_options", "engine_class", "engine_names", "engine_status",
           "get_engine", "ocrengine_names", "option_names", "polygon_box", "quad_size", "reads_lines"]


def get_engine(name: str, **options: Any) -> OcrEngine:
    """A ready engine called ``name`` built with ``options``.

    Raises ValueError for an unknown name or option and EngineUnavailableError (saying what to install) when it cannot
    run here.
    """
    check_options(name, options)
    return engine_class(name)(**options)


def check_engine(name: str, **options: Any) -> None:
    """Raise EngineUnavailableError (saying what to install) unless engine ``name`` with ``options`` can run here,
    without loading its models; ValueError for an unknown name, option or option value."""
    check_options(name, options)
    engine_class(name).check(**options)


def engine_status() -> dict[str, str | None]:
    """For each engine name: None when it can run here, else the reason it cannot (without loading its models)."""
    status: dict[str, str | None] = {}
    for name in engine_names():
        try:
            engine_class(name).check()
        except EngineUnavailableError as error:
            status[name] = str(error)
        else:
            status[name] = None
    return status
