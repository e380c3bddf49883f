"""The OCR engines installed, found through the entry-point group ``dicom_ocr.engines``.

dicom_ocr registers its own three (rapidocr, tesseract, easyocr) in ``pyproject.toml``; another package adds an engine
by declaring one more entry point, ``NAME = "package.module:EngineClass"``, with no change here. Each class is
checked against the contract of :class:`~dicom_ocr.engines.base.OcrEngine` when the group is first read: its ``name``
is the entry point's, its ``ocrengine`` number is taken by no other engine and no region source
(:data:`~dicom_ocr.sources.SOURCE_NAMES`), and it has ``check``, ``read`` and ``default_variants``.
"""
from __future__ import annotations

import functools
import inspect
from importlib.metadata import EntryPoint, entry_points
from typing import Any, cast

from ..sources import SOURCE_NAMES
from .base import LineReader, OcrEngine

ENTRY_POINT_GROUP = "dicom_ocr.engines"


class EngineRegistryError(RuntimeError):
    """An engine's entry point breaks the contract (name, number, methods), or no engine is registered at all."""


@functools.cache
def engine_classes() -> dict[str, type[OcrEngine]]:
    """Every registered engine class by name: dicom_ocr's own first, then others, each by ocrengine number. Loaded
    (their modules imported) once per process."""
    found: dict[str, type[OcrEngine]] = {}
    numbers: dict[int, str] = dict(SOURCE_NAMES)
    for point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=_own_first):
        if point.name in found:
            if found[point.name].__module__ != point.module:
                raise EngineRegistryError(f"two engines are called {point.name!r}: {point.value} and "
                                          f"{found[point.name].__module__}")
            continue          # the same distribution seen twice on sys.path (an editable install and its checkout)
        engine = _loaded(point)
        if engine.ocrengine in numbers:
            raise EngineRegistryError(f"engine {point.name!r} ({point.value}) takes ocrengine {engine.ocrengine}, "
                                      f"already {numbers[engine.ocrengine]!r}'s")
        numbers[engine.ocrengine] = point.name
        found[point.name] = engine
    if not found:
        raise EngineRegistryError(f"no OCR engine is registered (entry points {ENTRY_POINT_GROUP!r}): install "
                                  "dicom_ocr with pip (pip install -e . in a checkout)")
    return dict(sorted(found.items(), key=_listing_order))


def _own_first(point: EntryPoint) -> bool:
    """Sort key: dicom_ocr's own engines are loaded first, so another package's engine is the one refused."""
    return not point.value.startswith("dicom_ocr.")


def _listing_order(item: tuple[str, type[OcrEngine]]) -> tuple[bool, int]:
    return not item[1].__module__.startswith("dicom_ocr."), item[1].ocrengine


def _loaded(point: EntryPoint) -> type[OcrEngine]:
    """The class ``point`` names, once it is shown to keep the engine contract."""
    engine: Any = point.load()
    missing = [attribute for attribute in ("name", "ocrengine", "default_variants", "check", "read")
               if not hasattr(engine, attribute)]
    is_class = inspect.isclass(engine)      # kept apart: mypy would narrow ``engine`` to ``type[object]``
    if not is_class or missing:
        raise EngineRegistryError(f"engine entry point {point.name!r} ({point.value}) is not an engine class"
                                  + (f": it has no {', '.join(missing)}" if missing else ""))
    if engine.name != point.name:
        raise EngineRegistryError(f"engine entry point {point.name!r} ({point.value}) names its class "
                                  f"{engine.name!r}: the two must agree")
    if not isinstance(engine.ocrengine, int) or isinstance(engine.ocrengine, bool):
        raise EngineRegistryError(f"engine {point.name!r}: ocrengine must be a whole number, not {engine.ocrengine!r}")
    return cast(type[OcrEngine], engine)


def engine_names() -> tuple[str, ...]:
    """The names ``--ocr`` takes."""
    return tuple(engine_classes())


def engine_class(name: str) -> type[OcrEngine]:
    """The class of engine ``name``; ValueError naming the known engines for any other name."""
    engines = engine_classes()
    if name not in engines:
        raise ValueError(f"unknown OCR engine {name!r}; known engines: {', '.join(engines)}")
    return engines[name]


def reads_lines(name: str) -> bool:
    """Whether engine ``name`` detects and recognises apart (``--ocr NAME:lines``)."""
    return issubclass(engine_class(name), LineReader)


def ocrengine_names() -> dict[int, str]:
    """Every ``ocrengine`` number the audit DB holds, by name: the region sources' and the registered engines'."""
    return {**SOURCE_NAMES, **{engine.ocrengine: name for name, engine in engine_classes().items()}}


def option_names(name: str) -> tuple[str, ...]:
    """The options engine ``name`` is built with: its constructor's keyword parameters."""
    parameters = inspect.signature(engine_class(name)).parameters.values()
    return tuple(p.name for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))


def check_options(name: str, options: dict[str, Any]) -> None:
    """ValueError naming the options engine ``name`` takes when ``options`` holds any other."""
    known = option_names(name)
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"engine {name!r} has no option {unknown[0]!r}; its options: {', '.join(known) or 'none'}")
