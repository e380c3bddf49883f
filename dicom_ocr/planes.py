"""Planes: every 2-D picture of a DICOM file that may carry text (image frames and overlay frames), read lazily."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


class PlaneKind(str, Enum):
    IMAGE = "image"            # a frame of the image pixels
    OVERLAY = "overlay"        # a frame of a 60xx OverlayData overlay
    BIT_OVERLAY = "bit-overlay"  # an overlay kept in unused high bits of the pixel data


@dataclass
class Plane:
    """One frame of the image or of an overlay, rendered for OCR.

    ``frame`` is 0-based and ``overlay`` is -1 for image pixels or n for group 0x6000 + 2n, as in the audit DB.
    Boxes found on ``image`` are in this plane's own pixel coordinates, which is what the audit DB stores;
    ``origin`` (row, column, 0-based) places the plane's top-left pixel on the image pixels (OverlayOrigin - 1).
    """

    path: str
    frame: int
    overlay: int
    kind: PlaneKind
    image: np.ndarray                  # uint8, rows x columns (grey) or rows x columns x 3 (RGB)
    values: np.ndarray | None = None   # stored grey values before rendering (None for colour and overlays)
    origin: tuple[int, int] = (0, 0)
    blank: bool = False

    @property
    def rows(self) -> int:
        return int(self.image.shape[0])

    @property
    def columns(self) -> int:
        return int(self.image.shape[1])

    @property
    def is_colour(self) -> bool:
        return self.image.ndim == 3
