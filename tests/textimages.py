"""Images and DICOM files with known text, drawn with OpenCV, for tests of detection."""
from __future__ import annotations

import cv2
import numpy as np


def draw_lines(shape: tuple[int, ...], lines: list[tuple[str, tuple[int, int]]], value=255, scale: float = 0.7,
               background=0, thickness: int = 2) -> np.ndarray:
    """A uint8 image of ``shape`` with each (text, (x, baseline y)) drawn in Hershey simplex at ``value``."""
    image = np.full(shape, background, dtype=np.uint8)
    colour = value if isinstance(value, tuple) else (value,) * (3 if len(shape) == 3 else 1)
    for text, origin in lines:
        cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)
    return image


def ink_box(image: np.ndarray, background=0) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the pixels that differ from the background."""
    diff = image != background
    if diff.ndim == 3:
        diff = diff.any(axis=2)
    ys, xs = np.nonzero(diff)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
