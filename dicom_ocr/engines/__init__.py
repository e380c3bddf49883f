"""OCR engines behind one interface (see ``base.py``), created by name; each engine's package is imported only when asked for."""
from __future__ import annotations

import importlib

from ..errors import EngineUnavailableError
from .base import OcrEngine, Word

ENGINE_NAMES = ("rapidocr", "tesseract", "easyocr")

_CLASSES = {"rapidocr": "RapidOcrEngine", "tesseract": "TesseractEngine", "easyocr": "EasyOcrEngine"}

__all__ = ["ENGINE_NAMES", "EngineUnavailableError", "OcrEngine", "Word", "engine_status", "get_engine"]


def _module(name: str):
    if name not in ENGINE_NAMES:
        raise ValueError(f"unknown OCR engine {name!r}; known engines: {', '.join(ENGINE_NAMES)}")
    return importlib.import_module(f".{name}", __name__)


def get_engine(name: str, **options) -> OcrEngine:
    """A ready engine called ``name`` built with ``options``; EngineUnavailableError says what to install when it cannot run."""
    module = _module(name)
    return getattr(module, _CLASSES[name])(**options)


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
