"""A text region: one line (or block) of text in a plane, with the words it was made of."""
from __future__ import annotations

from dataclasses import dataclass

from ..engines.base import Word
from ..geometry import Box

TaggedWord = tuple[int, Word]
"""A word with the ``ocrengine`` number of the engine that read it."""


@dataclass(frozen=True)
class Region:
    """A line (or block) of text: its box in the plane, its text, its confidence in 0..1, the engine that gave most."""

    box: Box
    text: str
    confidence: float
    ocrengine: int
    words: tuple[Word, ...] = ()
