"""What every engine does with images and boxes: check its input, box a polygon, size a line's quadrilateral."""
from __future__ import annotations

import math

import numpy as np

from ..geometry import Box


def check_image(image: np.ndarray) -> np.ndarray:
    """``image`` as a C-contiguous array after checking it is uint8 HxW or HxWx3 (ValueError otherwise)."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"expected a uint8 HxW or HxWx3 image, got {image.dtype} {image.shape}")
    return np.ascontiguousarray(image)


def polygon_box(points, rows: int, columns: int) -> Box | None:
    """The axis-aligned box around a polygon's (x, y) points, clipped to the image (None when wholly outside)."""
    points = np.asarray(points, dtype=float)
    xs, ys = points[:, 0], points[:, 1]
    box = Box(math.floor(xs.min()), math.floor(ys.min()), math.ceil(xs.max()), math.ceil(ys.max()))
    return box.clip(rows, columns)


def quad_size(quad) -> tuple[int, int]:
    """(width, height) of the strip a line's quadrilateral (clockwise from top left) straightens into."""
    quad = np.asarray(quad, dtype=float)
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return int(width), int(height)


def centred_on_canvas(piece: np.ndarray, fill, pad: int) -> np.ndarray:
    """``piece`` centred on a canvas of ``fill``, ``pad`` px taller than the piece's longer side and twice as wide as
    tall (or ``pad`` px wider than the piece, if more): a single glyph as a line recogniser reads it."""
    height, width = piece.shape[:2]
    side = max(height, width) + pad
    canvas = np.empty((side, max(2 * side, width + pad), *piece.shape[2:]), piece.dtype)
    canvas[...] = fill
    top, left = (side - height) // 2, (canvas.shape[1] - width) // 2
    canvas[top:top + height, left:left + width] = piece
    return canvas
