"""Planes as PNG files, named so a person can find the plane again."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .planes import Plane

FRAME_DIGITS = 4


def plane_png_name(plane: Plane, frames: int = 1) -> str:
    """``<file stem>_f<frame>_o<overlay>.png``, e.g. ``XA_GE_JPEG_02_with_Overlays_f0000_o8.png``: the frame
    zero-padded to 4 digits (more for a file of more than 10,000 ``frames``), so names sort in frame order."""
    digits = max(FRAME_DIGITS, len(str(frames - 1)))
    return f"{Path(plane.path).stem}_f{plane.frame:0{digits}d}_o{plane.overlay}.png"


def write_png(path: Path, image: np.ndarray) -> None:
    """Write a uint8 grey or RGB image as PNG."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    if not cv2.imwrite(str(path), bgr):
        raise OSError(f"cannot write {path}")
