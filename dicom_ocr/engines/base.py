"""The one interface every OCR engine implements (an 8-bit image in, word boxes out), and the split one of engines
whose detection and recognition run apart.

An engine is a class. What the registry (:mod:`.registry`) reads off the class, before building one: its ``name``,
its ``ocrengine`` number in the audit DB, its ``default_variants`` (what ``--ocr NAME`` alone runs), its
``check(**options)`` (can it run here, without loading models) and whether it reads line by line
(:class:`LineReader`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from ..geometry import Box


@dataclass(frozen=True)
class Word:
    """A piece of text an engine found: its box in the image it was given, its text, its confidence in 0..1."""

    box: Box
    text: str
    confidence: float


class OcrEngine(Protocol):
    """An OCR engine. ``ocrengine`` is its number in the audit DB (dcmaudit: 1 tesseract, 2 easyocr; ours 6-49), unique
    among engines and the region sources' numbers (:data:`dicom_ocr.sources.SOURCE_NAMES`). Its constructor takes the
    engine's options as keywords (``--engine-option NAME.KEY=VALUE``)."""

    name: ClassVar[str]
    ocrengine: ClassVar[int]
    default_variants: ClassVar[tuple[str, ...]]

    @classmethod
    def check(cls, **options: Any) -> None:
        """Raise EngineUnavailableError (saying what to install) unless the engine can run here with ``options``,
        without loading its models; ValueError for an option value it cannot take."""

    @property
    def version(self) -> str:
        """The engine's own version string, recorded with results."""

    def read(self, image: np.ndarray) -> list[Word]:
        """Find the words in ``image`` (uint8, HxW grey or HxWx3 RGB), with boxes in its pixel coordinates."""


@dataclass(frozen=True, eq=False)
class Detection:
    """A text line a detector found: its quadrilateral (4 x 2 float32 points, x then y, clockwise from top left) in
    the image it was given, and the detector's score in 0..1."""

    quad: np.ndarray
    score: float


@runtime_checkable
class LineReader(Protocol):
    """Detection and recognition apart, so each line found at any scale is recognised once (``--ocr NAME:lines``).
    ``issubclass(engine_class, LineReader)`` says whether an engine has them."""

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The text lines of ``image``, without their text."""

    def crop(self, image: np.ndarray, quad: np.ndarray) -> np.ndarray:
        """The line under ``quad`` in ``image``, straightened but not turned, as ``recognise`` takes it."""

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """The text and confidence of each crop (empty text when nothing was read)."""


class LineEngine(OcrEngine, LineReader, Protocol):
    """An engine whose detection and recognition run apart."""
