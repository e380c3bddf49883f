"""The ``--ocr`` specification checked before any file is touched: engines and variants by name, no engine loaded."""
from __future__ import annotations

from .detect import Pass, parse_passes
from .engines import ENGINE_NAMES
from .preprocess import VARIANT_NAMES


def validate_ocr_spec(spec: str) -> tuple[Pass, ...]:
    """The passes of ``spec`` (``engine:variant+variant,...``), or ValueError naming what is wrong in it."""
    try:
        passes = parse_passes(spec)
    except ValueError as exc:
        raise ValueError(f"--ocr {spec!r}: {exc}") from None
    for p in passes:
        if p.engine not in ENGINE_NAMES:
            raise ValueError(f"--ocr {spec!r}: unknown OCR engine {p.engine!r}; known: {', '.join(ENGINE_NAMES)}")
        unknown = [v for v in p.variants if v not in VARIANT_NAMES]
        if unknown:
            raise ValueError(f"--ocr {spec!r}: unknown preprocessing variant {unknown[0]!r} for {p.engine}; "
                             f"known: {', '.join(VARIANT_NAMES)}")
    return passes
