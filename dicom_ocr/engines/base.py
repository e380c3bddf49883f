"""The one interface every OCR engine implements (an 8-bit image in, word boxes out), and the split one of engines
whose detection and recognition run apart."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..geometry import Box


@dataclass(frozen=True)
class Word:
    """A piece of text an engine found: its box in the image it was given, its text, its confidence in 0..1."""

    box: Box
    text: str
    confidence: float


class OcrEngine(Protocol):
    """An OCR engine. ``ocrengine`` is its number in the audit DB (dcmaudit: 1 tesseract, 2 easyocr; ours 6-49)."""

    name: str
    ocrengine: int

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


class LineEngine(OcrEngine, Protocol):
    """An engine whose detection and recognition run apart, so each line found at any scale is recognised once."""

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The text lines of ``image``, without their text."""

    def crop(self, image: np.ndarray, quad: np.ndarray) -> np.ndarray:
        """The line under ``quad`` in ``image``, straightened but not turned, as ``recognise`` takes it."""

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """The text and confidence of each crop (empty text when nothing was read)."""
