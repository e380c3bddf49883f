"""The detector's timing hook: where a plane's reading time goes, stage by stage, with no monkeypatching.

``Detector(on_stage=hook)`` calls ``hook(stage, seconds, units)`` after each timed stage of its planes: ``detect:<scale>``
(a line detection on the plane, its enlarged copy or another variant; units: pixels) and ``recognise`` (one batch of
line crops; units: crops). Within :meth:`Detector.detect` the hook is the current context's, so the line reading code
times its stages without being handed it.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from ..engines.base import LineEngine

StageHook = Callable[[str, float, int], None]
"""Called with a stage's name, its seconds and its units (pixels detected on, crops recognised)."""

_hook: ContextVar[StageHook | None] = ContextVar("dicom_ocr_stage_hook", default=None)


@contextmanager
def reporting_to(hook: StageHook | None) -> Iterator[None]:
    """Stages timed inside this block are reported to ``hook`` (none when it is None)."""
    token = _hook.set(hook)
    try:
        yield
    finally:
        _hook.reset(token)


@contextmanager
def stage(name: str, units: int) -> Iterator[None]:
    """Time the block as stage ``name`` of ``units`` units, for the hook of the current context, if any."""
    hook = _hook.get()
    if hook is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        hook(name, time.perf_counter() - started, units)


def recognised(engine: LineEngine, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
    """One batch of crops recognised by ``engine``, timed as the ``recognise`` stage when it holds any."""
    if not crops:
        return engine.recognise(crops)
    with stage("recognise", len(crops)):
        return engine.recognise(crops)
