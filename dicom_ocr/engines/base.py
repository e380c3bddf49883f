"""The one interface every OCR engine implements: an 8-bit image in, word boxes out."""
from __future__ import annotations

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
