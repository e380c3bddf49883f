"""OpenCV preprocessing: the variants of a plane that together make small, coloured, low-contrast, inverted and
edge-touching text readable to the OCR engines. Each variant knows how to map its boxes back to plane pixels."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import Box
from ..planes import Plane
from ..regions.glyphs import grey as channel_maximum

PAD = 12                 # border added around every variant, so text touching the plane edge is read whole
SPARSE_LIMIT = 0.12      # "top"/"bottom" masks covering more of the plane than this are anatomy, not text
UPSCALE_MAX_SIDE = 1400  # planes whose longer side is at most this get an upscaled variant for small text
UPSCALE_TARGET = 1024    # the upscaled variant enlarges small planes about this far (x2 to x4)
STROKE_KERNEL = 3        # "dark" keeps what is darker than its 3x3 closing: strokes 1-2 plane pixels wide
DARK_FLOOR = 16          # "dark" measures contrast against surrounds at least this bright (noise on black is no text)

VARIANT_NAMES = ("plain", "chanmax", "invert", "top", "bottom", "x2", "clahe", "rot90", "dark")


@dataclass(frozen=True)
class Variant:
    """A picture derived from a plane (or from the part of it whose top left corner is plane pixel ``offset``, as
    (x, y)): ``scale`` variant pixels per plane pixel, turned a quarter anticlockwise when ``rotated``, then ``pad``
    pixels of border."""

    name: str
    image: np.ndarray
    scale: float = 1.0
    pad: int = PAD
    rotated: bool = False
    offset: tuple[int, int] = (0, 0)

    def to_plane(self, box: Box, rows: int, columns: int) -> Box | None:
        """The plane box under ``box`` (found on this variant), clipped to the plane; None when outside it."""
        box = box.shift(-self.pad, -self.pad)
        if self.rotated:  # variant (x, y) shows plane (columns - 1 - y, x)
            box = Box(columns - 1 - box.bottom, box.left, columns - 1 - box.top, box.right)
        return (box.scale(self.scale) if self.scale != 1 else box).shift(*self.offset).clip(rows, columns)


def grey(plane: Plane) -> np.ndarray:
    """One 8-bit channel: for colour planes the channel maximum, which keeps coloured text bright on grey."""
    return channel_maximum(plane.image)


def make_variants(plane: Plane, names: Sequence[str]) -> Iterator[Variant]:
    """Yield the variants named (skipping those that add nothing for this plane, e.g. ``chanmax`` on grey)."""
    for name in names:
        if name not in VARIANT_NAMES:
            raise ValueError(f"unknown preprocessing variant {name!r}; known: {', '.join(VARIANT_NAMES)}")
        variant = _BUILDERS[name](plane)
        if variant is not None:
            yield variant


def _pad(image: np.ndarray) -> np.ndarray:
    border = np.concatenate([image[0].reshape(-1), image[-1].reshape(-1), image[:, 0].reshape(-1),
                             image[:, -1].reshape(-1)])
    value = int(np.median(border))
    colour = (value, value, value) if image.ndim == 3 else value
    return cv2.copyMakeBorder(image, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=colour)


def _plain(plane: Plane) -> Variant:
    return Variant("plain", _pad(plane.image))


def _chanmax(plane: Plane) -> Variant | None:
    return Variant("chanmax", _pad(grey(plane))) if plane.is_colour else None


def _invert(plane: Plane) -> Variant:
    return Variant("invert", _pad(255 - grey(plane)))


def _extreme_mask(plane: Plane, top: bool) -> np.ndarray | None:
    """Pixels at the very top (or bottom) of the plane's range, where scanners draw text; None if not sparse."""
    image = grey(plane)
    limit = int(image.max()) - 6 if top else int(image.min()) + 6
    mask = image >= limit if top else image <= limit
    share = float(mask.mean())
    if share == 0 or share > SPARSE_LIMIT:
        return None
    return mask


def _binary_variant(name: str, mask: np.ndarray | None) -> Variant | None:
    if mask is None:
        return None
    image = np.where(mask, 0, 255).astype(np.uint8)  # dark text on white: what Tesseract reads best
    return Variant(name, cv2.copyMakeBorder(image, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255))


def _top(plane: Plane) -> Variant | None:
    return _binary_variant("top", _extreme_mask(plane, top=True))


def _bottom(plane: Plane) -> Variant | None:
    return _binary_variant("bottom", _extreme_mask(plane, top=False))


def upscale_factor(plane: Plane) -> float | None:
    """How far small text is enlarged on this plane: x2, up to x4 for small planes; None above ``UPSCALE_MAX_SIDE``."""
    side = max(plane.rows, plane.columns)
    if side > UPSCALE_MAX_SIDE:
        return None
    return float(min(4, max(2, UPSCALE_TARGET // side)))


def _enlarged(image: np.ndarray, factor: float) -> np.ndarray:
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def _upscaled(plane: Plane) -> Variant | None:
    """Small text made larger: x2, or up to x4 for small planes (a 256-pixel MR with 5-pixel text)."""
    factor = upscale_factor(plane)
    return Variant("x2", _pad(_enlarged(plane.image, factor)), scale=factor) if factor else None


def dark_strokes(image: np.ndarray) -> np.ndarray:
    """Thin dark strokes as black on white, whatever lies behind them: how much darker each pixel is than its 3x3
    closing (the black-hat transform), relative to that closing (Weber contrast; surrounds darker than
    ``DARK_FLOOR`` count as that). Bright texture and smooth gradients vanish; dark text drawn over bright anatomy,
    and faint dark text on dim grey, stand out alike."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (STROKE_KERNEL, STROKE_KERNEL))
    closed = cv2.morphologyEx(image, cv2.MORPH_CLOSE, kernel).astype(np.float32)
    contrast = (closed - image) / np.maximum(closed, DARK_FLOOR)
    return (255 * (1 - contrast)).clip(0, 255).astype(np.uint8)


def _dark(plane: Plane) -> Variant:
    """Dark strokes (:func:`dark_strokes`) of the plane, enlarged as ``x2`` is (planes over 1400 px as they are)."""
    return next(dark_parts(plane, [Box(0, 0, plane.columns - 1, plane.rows - 1)]))


def dark_parts(plane: Plane, parts: Sequence[Box], strokes: np.ndarray | None = None) -> Iterator[Variant]:
    """The dark strokes (:func:`dark_strokes`, or ``strokes`` when already made) of each part of the plane, enlarged
    as ``x2`` is (planes over 1400 px as they are); the transform sees the whole plane, so a part's edges are as in
    the whole."""
    strokes = dark_strokes(grey(plane)) if strokes is None else strokes
    return enlarged_parts("dark", strokes, plane, parts)


def enlarged_parts(name: str, picture: np.ndarray, plane: Plane, parts: Sequence[Box]) -> Iterator[Variant]:
    """Variants ``name`` of each part of ``picture`` (a transform of the whole plane, the plane's size), enlarged as
    ``x2`` is (planes over 1400 px as they are)."""
    factor = upscale_factor(plane) or 1.0
    for part in parts:
        crop = picture[part.top:part.bottom + 1, part.left:part.right + 1]
        image = _enlarged(crop, factor) if factor != 1 else crop
        yield Variant(name, _pad(image), scale=factor, offset=(part.left, part.top))


def _rot90(plane: Plane) -> Variant:
    """The plane turned a quarter anticlockwise: lines written bottom-to-top or top-to-bottom (lead markers, side
    labels) become rows the detector finds."""
    return Variant("rot90", _pad(cv2.rotate(plane.image, cv2.ROTATE_90_COUNTERCLOCKWISE)), rotated=True)


def equalised(image: np.ndarray) -> np.ndarray:
    """``image`` (8-bit, one channel) with its contrast equalised in 8x8 tiles (CLAHE, clip limit 3): grey text on
    grey ground, which the detector passes over, is stretched to the tile's full range."""
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(image)


def _clahe(plane: Plane) -> Variant:
    return Variant("clahe", _pad(equalised(grey(plane))))


_BUILDERS = {"plain": _plain, "chanmax": _chanmax, "invert": _invert, "top": _top, "bottom": _bottom, "x2": _upscaled,
             "clahe": _clahe, "rot90": _rot90, "dark": _dark}
