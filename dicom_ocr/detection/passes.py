"""What to run on each plane: OCR passes, parsed from ``--ocr`` specs and checked before any file is touched.

A pass is one engine over some preprocessing variants. Two kinds:

- **whole reads** (``rapidocr:plain+x2+rot90``, ``tesseract:top``): the engine reads each variant of the plane whole,
  detection and recognition; the words of all variants are merged into lines.
- **one recognition per line** (``rapidocr:lines``, the default): text lines are detected on the plane and on an
  enlarged copy, the boxes of both scales are united, and each distinct line is recognised once (see
  :mod:`dicom_ocr.detection.lines`). Only engines whose detection and recognition run
  apart (:class:`~dicom_ocr.engines.base.LineEngine`) have it.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..engines import engine_class, engine_names, reads_lines
from .variants import VARIANT_NAMES

LINES = "lines"

DEFAULT_SPEC = "rapidocr:lines"
PREVIOUS_DEFAULT_SPEC = "rapidocr:plain+x2+rot90"
"""The default until the one-recognition pipeline (three whole reads a plane); kept for comparisons."""


class OcrSpecError(ValueError):
    """An ``--ocr`` spec that names an unknown engine or variant, or a variant its engine cannot run."""


@dataclass(frozen=True)
class Pass:
    """One engine over some preprocessing variants of each plane; ``variants == ("lines",)`` for one recognition
    per line."""

    engine: str
    variants: tuple[str, ...]

    @property
    def once_per_line(self) -> bool:
        return self.variants == (LINES,)

    @property
    def spec(self) -> str:
        return f"{self.engine}:{'+'.join(self.variants)}"


def parse_passes(spec: str) -> tuple[Pass, ...]:
    """Passes from ``engine:variant+variant,engine:variant``; an engine alone takes its class's ``default_variants``
    (``rapidocr``: ``lines``, the others ``plain``). Raises OcrSpecError naming what is wrong."""
    passes = []
    for part in filter(None, (s.strip() for s in spec.split(","))):
        engine, _, variants = part.partition(":")
        engine = engine.strip()
        if engine not in engine_names():
            raise OcrSpecError(f"unknown OCR engine {engine!r} in --ocr {spec!r}; known engines: "
                               f"{', '.join(engine_names())}")
        chosen = tuple(v.strip() for v in variants.split("+") if v.strip()) or engine_class(engine).default_variants
        passes.append(_checked(Pass(engine, chosen), spec))
    if not passes:
        raise OcrSpecError("no OCR engine given in --ocr")
    return tuple(passes)


def _checked(p: Pass, spec: str) -> Pass:
    if LINES in p.variants:
        if not reads_lines(p.engine):
            line_engines = ", ".join(name for name in engine_names() if reads_lines(name))
            raise OcrSpecError(f"'{LINES}' (one recognition per line) needs an engine whose detection and recognition "
                               f"run apart ({line_engines}), not {p.engine!r}")
        if len(p.variants) > 1:
            raise OcrSpecError(f"'{LINES}' takes no other variants in the same pass: {p.spec!r}")
        return p
    unknown = [v for v in p.variants if v not in VARIANT_NAMES]
    if unknown:
        raise OcrSpecError(f"unknown preprocessing variant {unknown[0]!r} in --ocr {spec!r}; known: "
                           f"{LINES}, {', '.join(VARIANT_NAMES)}")
    return p


DEFAULT_PASSES = parse_passes(DEFAULT_SPEC)


def spec_of(passes: tuple[Pass, ...]) -> str:
    """The ``--ocr`` spec of ``passes``, as recorded with results."""
    return ",".join(p.spec for p in passes)
