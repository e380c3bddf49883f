"""Glyphs on a flat ground the detector does not propose: the digits of a depth scale beside an ultrasound image,
the letters of a label alone in a black margin.

The detector looks for lines; a single 6 x 10 px digit alone on black is often not one to it. Such a glyph is easy to
see without it: bright ink, glyph-sized, on a ground that is flat (nearly every pixel around it dark and the same).
Anatomy is never on a flat ground, so proposing only these adds no reads of anatomy; each proposal is recognised
(centred on a black canvas twice as wide as tall, as the recogniser reads lines) and kept only when it reads as a short token of
letters and digits, surely.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from ..engines.base import LineEngine, Word
from ..engines.images import centred_on_canvas
from ..geometry import Box
from .stages import recognised

BRIGHT = 128               # grey level from which a pixel may be a glyph's ink
GLYPH_ROWS = (6, 16)       # glyph heights proposed, px
MAX_WIDTH = 1.5            # a glyph at most this wide for its height
DARK = 40                  # the ground around a glyph is darker than this ...
FLAT = 0.02                # ... but for this share of its pixels (other glyphs of the token aside)
MAX_FILL = 0.8             # ink filling more of its box than this is a bar or a block, not a glyph
GREY_INK = 0.25            # colour planes: the ink's spread over its channels, relative to its brightest, at most
                           # this (scale digits are white; a colour-flow blob on black reads as a digit)
MAX_PROPOSALS = 12         # more per plane than this is a field of specks or a text area: none proposed
MAX_BLOBS = 1000           # a plane with more glyph-sized blobs than this (a text screen, speckle; real images here
                           # had at most 531) is not searched: joining them into tokens grows with their square
MIN_CONFIDENCE = 0.9       # a proposal is kept when read this surely
TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,3}")


def _components(ground: np.ndarray) -> list[Box]:
    """Boxes of the bright (``BRIGHT``), glyph-sized blobs of ``ground`` (one channel)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats((ground >= BRIGHT).astype(np.uint8), connectivity=8)
    boxes = []
    for left, top, width, height, _area in stats[1:count]:
        if GLYPH_ROWS[0] <= height <= GLYPH_ROWS[1] and width <= MAX_WIDTH * height:
            boxes.append(Box(int(left), int(top), int(left + width - 1), int(top + height - 1)))
    return boxes


def _tokens(glyphs: list[Box]) -> list[Box]:
    """Glyphs side by side (overlapping rows, gaps under half their height) joined into tokens (``15``, ``-1``)."""
    tokens: list[Box] = []
    for glyph in sorted(glyphs, key=lambda b: (b.left, b.top)):
        for i, token in enumerate(tokens):
            rows = min(token.bottom, glyph.bottom) - max(token.top, glyph.top) + 1
            if rows >= 0.5 * glyph.height and 0 <= glyph.left - token.right <= max(2, glyph.height // 2):
                tokens[i] = token.union(glyph)
                break
        else:
            tokens.append(glyph)
    return tokens


def _on_flat_ground(ground: np.ndarray, token: Box) -> bool:
    """Whether the ground around ``token`` (a band of half its height, from one pixel off it: its ink's soft edge
    is not ground) is dark and flat."""
    margin = max(3, token.height // 2)
    around = token.expand(margin, margin).clip(*ground.shape[:2])
    edge = token.expand(1, 1).clip(*ground.shape[:2])
    if around is None or edge is None:
        return False
    crop = ground[around.top:around.bottom + 1, around.left:around.right + 1]
    ring = np.ones(crop.shape, bool)
    ring[edge.top - around.top:edge.bottom - around.top + 1, edge.left - around.left:edge.right - around.left + 1] = False
    return float((crop[ring] >= DARK).mean()) <= FLAT


def _glyph_like(image: np.ndarray, ground: np.ndarray, token: Box) -> bool:
    """Whether ``token`` may be lettering: clear of the plane's edge (a bar along it is a frame), ink not filling
    its box, and grey ink on a colour plane."""
    rows, columns = ground.shape[:2]
    if token.left == 0 or token.top == 0 or token.right >= columns - 1 or token.bottom >= rows - 1:
        return False
    mask = ground[token.top:token.bottom + 1, token.left:token.right + 1] >= BRIGHT
    if mask.mean() > MAX_FILL:
        return False
    if image.ndim == 2:
        return True
    ink = image[token.top:token.bottom + 1, token.left:token.right + 1][mask].astype(np.float32)
    spread = (ink.max(axis=1) - ink.min(axis=1)) / np.maximum(ink.max(axis=1), 1)
    return float(spread.mean()) <= GREY_INK


def proposals(image: np.ndarray, ground: np.ndarray, found: Sequence[Box]) -> list[Box]:
    """Tokens of bright glyphs on a flat dark ground (:func:`_on_flat_ground`, :func:`_glyph_like`) that no box
    ``found`` touches; none when there are more than ``MAX_PROPOSALS``, or more than ``MAX_BLOBS`` blobs."""
    glyphs = _components(ground)
    if len(glyphs) > MAX_BLOBS:
        return []
    tokens = [t for t in _tokens(glyphs)
              if _on_flat_ground(ground, t) and _glyph_like(image, ground, t)
              and not any(t.expand(2, 2).intersection(b) for b in found)]
    return tokens if len(tokens) <= MAX_PROPOSALS else []


def _canvas(image: np.ndarray, token: Box) -> np.ndarray:
    """``token``'s pixels centred on a black canvas (:func:`~..engines.images.centred_on_canvas`), three channels."""
    piece = image[token.top:token.bottom + 1, token.left:token.right + 1]
    return centred_on_canvas(piece if piece.ndim == 3 else np.repeat(piece[..., None], 3, axis=2), 0, pad=6)


def read_flat_glyphs(engine: LineEngine, image: np.ndarray, ground: np.ndarray, found: Sequence[Box]) -> list[Word]:
    """The glyph tokens on a flat ground (:func:`proposals`) that read surely as letters and digits."""
    tokens = proposals(image, ground, found)
    if not tokens:
        return []
    readings = recognised(engine, [_canvas(image, token) for token in tokens])
    return [Word(token, text, score) for token, (text, score) in zip(tokens, readings)
            if score >= MIN_CONFIDENCE and TOKEN.fullmatch(text)]
