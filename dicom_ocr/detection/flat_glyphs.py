"""Glyphs on a flat ground the detector does not propose: the digits of a depth scale beside an ultrasound image,
the letters of a label alone in a black margin, the digits of a chart's axis on a white report.

The detector looks for lines; a single 6 x 10 px digit alone on black is often not one to it. Such a glyph is easy to
see without it: bright ink, glyph-sized, on a ground that is flat (nearly every pixel around it dark and the same).
Anatomy is never on a flat ground, so proposing only these adds no reads of anatomy; each proposal is recognised
(centred on a black canvas twice as wide as tall, as the recogniser reads lines) and kept only when it reads as a short token of
letters and digits, surely.

Scale and axis digits often have company: a dot or a triangle marker beside them, the ruler's or the axis's line
touching them, tick marks. Straight rules (``RULE``) are never glyph ink, so they are cut off the glyphs they touch;
a glyph whose ground is flat once the other marks and rules around it are left out, and dark glyphs on a light ground
(a chart on a report), are proposed too, but only in a scale: with text already found in their column
(:func:`_in_scale`), and so are glyphs in a scale that the detector saw, with the marker beside them, as a line it
then read as nothing. Measured on every set, these add reads only on the devset's scale and axis digits.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..engines.base import LineEngine, Word
from ..engines.images import centred_on_canvas
from ..geometry import Box
from ..regions.glyphs import without_rules
from .stages import recognised

BRIGHT = 128               # grey level from which a pixel may be a glyph's ink
DARK_INK = 191             # grey level up to which a pixel may be a dark glyph's ink on a light ground (the thin
                           # strokes of black text drawn anti-aliased on white are grey: 150 and lighter)
GLYPH_ROWS = (6, 16)       # glyph heights proposed, px
MAX_WIDTH = 1.5            # a glyph at most this wide for its height
RULE = 2 * GLYPH_ROWS[1]   # px: a straight run of ink this long is a rule (an axis, a ruler's line), not a stroke
DARK = 40                  # the ground around a glyph is darker than this ...
FLAT = 0.02                # ... but for this share of its pixels (other glyphs of the token aside)
MAX_FILL = 0.8             # ink filling more of its box than this is a bar or a block, not a glyph
GREY_INK = 0.25            # colour planes: the ink's spread over its channels, relative to its brightest, at most
                           # this (scale digits are white; a colour-flow blob on black reads as a digit)
SCALE_GAP = 15             # glyph heights: text found this close above or below a glyph, in its column, makes it a
                           # glyph of a scale (ultrasound depth digits stand 3-15 heights apart)
MAX_PROPOSALS = 12         # more per plane than this is a field of specks or a text area: none proposed
MAX_BLOBS = 1000           # a plane with more glyph-sized blobs than this (a text screen, speckle; real images here
                           # had at most 531) is not searched: joining them into tokens grows with their square
MIN_CONFIDENCE = 0.9       # a proposal is kept when read this surely
ENLARGED = 2               # ... on a canvas enlarged this many times (a 6 x 10 px 0 beside a dot reads 0.86 at its
                           # size, 0.98 twice as large)
TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,3}")


@dataclass(frozen=True)
class _Ink:
    """A plane's ink at or beyond a grey level (``mask``), and its blobs once straight rules are cut off them
    (``labels``, the rules' pixels 0; ``glyphs``: the boxes of the glyph-sized blobs)."""

    mask: np.ndarray
    labels: np.ndarray
    glyphs: list[Box]


def _ink(ground: np.ndarray, level: int) -> _Ink:
    """The ink of ``ground`` (one channel) at ``level`` and above: rules (runs of ``RULE`` px across or down) cut off
    the blobs they touch, then the glyph-sized blobs."""
    mask = ground >= level
    count, labels, stats, _ = cv2.connectedComponentsWithStats(without_rules(mask, RULE), connectivity=8)
    left, top, width, height = stats[1:count, :4].T
    sized = (GLYPH_ROWS[0] <= height) & (height <= GLYPH_ROWS[1]) & (width <= MAX_WIDTH * height)
    glyphs = [Box(int(x), int(y), int(x + w - 1), int(y + h - 1))
              for x, y, w, h in zip(left[sized], top[sized], width[sized], height[sized])]
    return _Ink(mask, labels, glyphs)


def _tokens(glyphs: list[Box]) -> list[Box]:
    """Glyphs side by side (overlapping rows, gaps under half their height) joined into tokens (``15``, ``-1``)."""
    tokens: list[Box] = []
    open_: list[int] = []                    # tokens a glyph further right may still join, in the order made
    for glyph in sorted(glyphs, key=lambda b: (b.left, b.top)):
        open_ = [i for i in open_ if glyph.left - tokens[i].right <= GLYPH_ROWS[1] // 2]
        for i in open_:
            token = tokens[i]
            rows = min(token.bottom, glyph.bottom) - max(token.top, glyph.top) + 1
            if rows >= 0.5 * glyph.height and 0 <= glyph.left - token.right <= max(2, glyph.height // 2):
                tokens[i] = token.union(glyph)
                break
        else:
            open_.append(len(tokens))
            tokens.append(glyph)
    return tokens


def _on_flat_ground(ground: np.ndarray, token: Box, beside: _Ink | None = None) -> bool:
    """Whether the ground around ``token`` (a band of half its height, from one pixel off it: its ink's soft edge
    is not ground) is dark and flat. Given the plane's ink, the other marks and rules ``beside`` the token (and their
    soft edges) are left out of the band, which must keep half its pixels."""
    margin = max(3, token.height // 2)
    around = token.expand(margin, margin).clip(*ground.shape[:2])
    edge = token.expand(1, 1).clip(*ground.shape[:2])
    if around is None or edge is None:
        return False
    crop = ground[around.top:around.bottom + 1, around.left:around.right + 1]
    ring = np.ones(crop.shape, bool)
    ring[edge.top - around.top:edge.bottom - around.top + 1, edge.left - around.left:edge.right - around.left + 1] = False
    if beside is not None:
        band = ring.sum()
        ring &= ~_other_marks(beside, token, around)
        if ring.sum() < 0.5 * band:
            return False
    return float((crop[ring] >= DARK).mean()) <= FLAT


def _other_marks(ink: _Ink, token: Box, area: Box) -> np.ndarray:
    """The pixels of ``area`` that are ink of no blob of ``token`` (other marks, rules), grown a pixel."""
    labels = ink.labels[area.top:area.bottom + 1, area.left:area.right + 1]
    own = np.unique(ink.labels[token.top:token.bottom + 1, token.left:token.right + 1])
    other = ink.mask[area.top:area.bottom + 1, area.left:area.right + 1] & ~np.isin(labels, own[own > 0])
    return cv2.dilate(other.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _glyph_like(image: np.ndarray, ground: np.ndarray, token: Box, level: int = BRIGHT, grey_ink: bool = True) -> bool:
    """Whether ``token`` may be lettering: clear of the plane's edge (a bar along it is a frame), ink (``level`` and
    above) not filling its box, and, where ``grey_ink`` is asked, grey ink on a colour plane."""
    rows, columns = ground.shape[:2]
    if token.left == 0 or token.top == 0 or token.right >= columns - 1 or token.bottom >= rows - 1:
        return False
    mask = ground[token.top:token.bottom + 1, token.left:token.right + 1] >= level
    if mask.mean() > MAX_FILL:
        return False
    if image.ndim == 2 or not grey_ink:
        return True
    ink = image[token.top:token.bottom + 1, token.left:token.right + 1][mask].astype(np.float32)
    spread = (ink.max(axis=1) - ink.min(axis=1)) / np.maximum(ink.max(axis=1), 1)
    return float(spread.mean()) <= GREY_INK


def _scale_sized(found: Sequence[Box]) -> list[Box]:
    """The boxes ``found`` sized like a scale's tokens: at most four times as wide as high, at most 2.5 glyphs high."""
    return [box for box in found if box.width <= 4 * box.height and box.height <= 2.5 * GLYPH_ROWS[1]]


def _in_scale(token: Box, scale: Sequence[Box]) -> bool:
    """Whether a box of ``scale`` (:func:`_scale_sized`) lies above or below ``token`` in its column (across half the
    narrower one), at most ``SCALE_GAP`` token heights away, half to 2.5 times its height: the other digits of a
    depth scale or a chart's axis."""
    for box in scale:
        if not 0.5 * token.height <= box.height <= 2.5 * token.height:
            continue
        across = min(token.right, box.right) - max(token.left, box.left) + 1
        gap = max(token.top, box.top) - min(token.bottom, box.bottom) - 1
        if across >= 0.5 * min(token.width, box.width) and 0 <= gap <= SCALE_GAP * token.height:
            return True
    return False


def _near(glyph: Box, scale: Sequence[Box]) -> bool:
    """Whether ``glyph`` may be part of a token in the column of a box of ``scale`` (:func:`_in_scale`): within four
    glyph heights of its column and ``SCALE_GAP`` of them above or below it (the tallest glyph's)."""
    reach = SCALE_GAP * GLYPH_ROWS[1]
    return any(glyph.expand(4 * GLYPH_ROWS[1], reach).intersection(box) is not None for box in scale)


def proposals(image: np.ndarray, ground: np.ndarray, found: Sequence[Box], *, level: int = BRIGHT,
              scale_only: bool = False, unread: Sequence[Box] = ()) -> list[Box]:
    """Tokens of glyphs (ink at ``level`` and above) that no box ``found`` touches: on a flat dark ground
    (:func:`_on_flat_ground`, :func:`_glyph_like`), or on one that is flat once the marks and rules beside them are
    left out when they are in a scale (:func:`_in_scale`); only the latter with ``scale_only``. A token touching a
    line read as nothing (``unread``: a digit and the marker beside it, detected as one line) is proposed only in a
    scale. None when there are more than ``MAX_PROPOSALS``, or more than ``MAX_BLOBS`` glyph-sized blobs."""
    scale = _scale_sized(found)
    if scale_only and not scale:
        return []
    ink = _ink(ground, level)
    if len(ink.glyphs) > MAX_BLOBS:
        return []
    glyphs = [g for g in ink.glyphs if _near(g, scale)] if scale_only else ink.glyphs
    tokens = [t for t in _tokens(glyphs)
              if ((not scale_only and _on_flat_ground(ground, t))
                  or (_in_scale(t, scale) and _on_flat_ground(ground, t, ink)))
              and _glyph_like(image, ground, t, level, grey_ink=not scale_only)
              and not any(t.expand(2, 2).intersection(b) for b in found)
              and (not any(t.expand(2, 2).intersection(b) for b in unread) or _in_scale(t, scale))]
    return tokens if len(tokens) <= MAX_PROPOSALS else []


def _canvas(image: np.ndarray, token: Box) -> np.ndarray:
    """``token``'s pixels centred on a black canvas (:func:`~..engines.images.centred_on_canvas`), three channels,
    enlarged ``ENLARGED`` times as small lines are (:func:`~.variants.upscale_factor`)."""
    piece = image[token.top:token.bottom + 1, token.left:token.right + 1]
    canvas = centred_on_canvas(piece if piece.ndim == 3 else np.repeat(piece[..., None], 3, axis=2), 0, pad=6)
    return cv2.resize(canvas, None, fx=ENLARGED, fy=ENLARGED, interpolation=cv2.INTER_CUBIC)


def _read(engine: LineEngine, image: np.ndarray, tokens: Sequence[Box]) -> list[Word]:
    """The ``tokens`` of ``image`` that read surely as letters and digits."""
    if not tokens:
        return []
    readings = recognised(engine, [_canvas(image, token) for token in tokens])
    return [Word(token, text, score) for token, (text, score) in zip(tokens, readings)
            if score >= MIN_CONFIDENCE and TOKEN.fullmatch(text)]


def read_flat_glyphs(engine: LineEngine, image: np.ndarray, ground: np.ndarray, found: Sequence[Box],
                     unread: Sequence[Box] = ()) -> list[Word]:
    """The glyph tokens on a flat ground (:func:`proposals`; ``found``: boxes of text read and of lines not
    recognised, ``unread``: of lines read as nothing) that read surely as letters and digits: bright ones, then
    bright ones in a scale the first ones make (a depth scale's digit beside its marker, in the column of digits
    only this module read), then dark ones on a light ground in a scale (read from the plane's negative, where they
    are bright; colour fringes of their anti-aliasing allowed)."""
    first = proposals(image, ground, found, unread=unread)
    words = _read(engine, image, first)
    if words:                                   # the glyphs read may be the scale of glyphs beside marks
        again = proposals(image, ground, [*found, *(word.box for word in words)], unread=unread)
        words += _read(engine, image, [token for token in again if token not in first])
    found = [*found, *(word.box for word in words)]
    if not _scale_sized(found):                 # no scale for dark glyphs to be in: the plane is not negated
        return words
    negative = 255 - image
    dark = proposals(negative, 255 - ground, found, level=255 - DARK_INK, scale_only=True, unread=unread)
    return words + _read(engine, negative, dark)
