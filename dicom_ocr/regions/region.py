"""A text region: one line (or block) of text in a plane, with the words it was made of."""
from __future__ import annotations

from dataclasses import dataclass

from ..engines.base import Word
from ..geometry import Box

TaggedWord = tuple[int, Word]
"""A word with the ``ocrengine`` number of the engine that read it."""

SHORT = 2           # letters and digits, at most, in a read of one or two glyphs (a scale digit, a marker letter)


def characters(text: str) -> int:
    """The letters and digits of a read (of any script): what its length is counted in."""
    return sum(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class Region:
    """A line (or block) of text: its box in the plane, its text, its confidence in 0..1, the engine that gave most."""

    box: Box
    text: str
    confidence: float
    ocrengine: int
    words: tuple[Word, ...] = ()
