"""Glyphs or graphics: whether the ink under a short read has the thin strokes of lettering.

A recogniser reads something into nearly any mark: a bone edge as ``Y``, a colour-Doppler blob as ``1``, a biopsy
marker's bar as ``1``, chest texture as ``2``. Lettering, at any size, is drawn in strokes a fraction of the glyph's
height wide; those marks are blobs and edges as thick as the box itself. On the synthetic set and the corpus's
text-free files (BENCHMARKS.md), every short unsure read on graphics had a stroke ratio of 0.44 or more (most
0.6-2), every short unsure read of real text (``AP``, ``AD``, ``R``) 0.3 or less.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Box

THIN_STROKES = 0.4   # stroke width / box's shorter side, at most, for the ink to be lettering


def grey(image: np.ndarray) -> np.ndarray:
    """One 8-bit channel: the channel maximum of a colour image, which keeps coloured text bright."""
    if image.ndim == 2:
        return image
    channels = cv2.split(image)
    return cv2.max(cv2.max(channels[0], channels[1]), channels[2])


def ink(image: np.ndarray, box: Box) -> np.ndarray | None:
    """The ink under ``box`` (True pixels): the minority side of an Otsu threshold of the box's pixels; None when
    the box is flat."""
    crop = grey(image)[box.top:box.bottom + 1, box.left:box.right + 1]
    if crop.size == 0 or int(crop.max()) == int(crop.min()):
        return None
    _, mask = cv2.threshold(np.ascontiguousarray(crop), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return mask == 0 if mask.mean() > 0.5 else mask == 1


def stroke_ratio(image: np.ndarray, box: Box) -> float:
    """The widest stroke of the ink under ``box`` (twice its largest distance to the background) over the box's
    shorter side; 1.0 when there is no ink to measure."""
    mask = ink(image, box)
    if mask is None or not mask.any():
        return 1.0
    distance = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 3)
    return float(2 * distance.max() / max(1, min(box.height, box.width)))


def looks_like_lettering(image: np.ndarray, box: Box) -> bool:
    """Whether the ink under ``box`` is drawn in thin strokes, as lettering is (see the module docstring)."""
    return stroke_ratio(image, box) <= THIN_STROKES
