"""The region stage end to end: the words of several engines and reads of one plane into text regions."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..engines.base import Word
from ..geometry import Box
from .glyphs import clear_of_corner_marks, room_for, tightened, without_end_dot
from .lines import merge_lines
from .margins import add_margin
from .merge import merge_overlapping
from .region import SHORT, Region, characters
from .words import drop_graphics, filter_words


def build_regions(word_lists: Iterable[tuple[int, Iterable[Word]]], rows: int, columns: int, *, pixels: int = 3,
                  fraction: float = 0.15, image: np.ndarray | None = None) -> list[Region]:
    """Regions from several (ocrengine, words) lists of one plane: filter, merge into lines, add margins, merge.

    Given the plane's ``image``, short unsure reads of graphics are dropped too (``drop_graphics``) and line boxes
    are tightened to the rows of their glyphs (``glyphs.tightened``), without a scale dot read beside them
    (``glyphs.without_end_dot``), yet long enough for their characters (``glyphs.room_for``). ``pixels`` and
    ``fraction`` set the margin (see ``add_margin``); the other steps use their defaults.
    """
    tagged = [(engine, word) for engine, words in word_lists for word in filter_words(words, rows, columns)]
    if image is not None:
        kept = {id(word) for word in drop_graphics([word for _, word in tagged], image)}
        tagged = [(engine, Word(_fitted(image, word), word.text, word.confidence))
                  for engine, word in tagged if id(word) in kept]
    return merge_overlapping(add_margin(merge_lines(tagged), rows, columns, pixels=pixels, fraction=fraction))


def _fitted(image: np.ndarray, word: Word) -> Box:
    """``word``'s box fitted to its glyphs' marks, never shorter than its characters need."""
    box = clear_of_corner_marks(image, word.box) if characters(word.text) <= SHORT else word.box
    return without_end_dot(image, room_for(box, tightened(image, box), word.text), word.text)
