"""Filling rectangles in the decoded pixels and in 60xx OverlayData.

The fill is what shows black on the photometric written: the frame's lowest value in MONOCHROME2 (for signed data its
most negative), the highest in MONOCHROME1, the palette index of the darkest LUT entry in PALETTE COLOR, the frame's
lowest luminance with neutral chroma in YBR_FULL and the lowest value in RGB. Filling image pixels also clears overlays
kept in unused high bits there; rects on a 60xx OverlayData overlay clear its bits.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, pack_bits, unpack_bits

from ..errors import CorruptPixelDataError, NoPixelDataError, UnsupportedTransferSyntaxError
from ..planes import OverlaySpec
from .policy import RedactBox

KEPT_YBR = frozenset(("YBR_FULL", "YBR_FULL_422"))
"""YBR kept as YBR_FULL (4:2:2 comes out upsampled); other YBR (JPEG 2000's ICT/RCT, partial ranges) come out RGB."""


@dataclass
class Decoded:
    """All frames as (frames, rows, columns[, samples]) and the photometric interpretation they are in."""

    frames: np.ndarray
    photometric: str


def decode(path: str, ds: Dataset, bit_overlays: bool) -> Decoded:
    """Stored values of every frame. Unused high bits are kept when they hold overlays, else cleared (so signed data
    is sign-extended). YBR_FULL and YBR_FULL_422 (uncompressed, RLE or JPEG) come out as YBR_FULL, as decoded, without
    a colour conversion; JPEG 2000's YBR_ICT/YBR_RCT as the RGB its decoder gives; other YBR converted to RGB."""
    if "PixelData" not in ds:
        raise NoPixelDataError(path, "no integer pixel data to redact")
    if ds.get("BitsAllocated") == 1:
        raise UnsupportedTransferSyntaxError(path, "1-bit pixel data is not redacted")
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    as_rgb = photometric.startswith("YBR") and photometric not in KEPT_YBR
    try:
        ds.pixel_array_options(correct_unused_bits=not bit_overlays, as_rgb=as_rgb)
        pixels = np.array(ds.pixel_array)
    except (NotImplementedError, RuntimeError) as error:
        raise UnsupportedTransferSyntaxError(path, f"cannot decode the pixel data to redact it ({error})") from error
    except ValueError as error:
        raise CorruptPixelDataError(path, f"cannot decode the pixel data to redact it ({error})") from error
    if as_rgb:
        photometric = "RGB"
    elif photometric in KEPT_YBR:
        photometric = "YBR_FULL"
    single = pixels.ndim == (3 if int(ds.get("SamplesPerPixel", 1)) > 1 else 2)
    return Decoded(pixels[np.newaxis] if single else pixels, photometric)


def fill_value(ds: Dataset, photometric: str, frame: np.ndarray) -> int | tuple[int, ...]:
    """The stored value that shows black on ``frame``, written as ``photometric``."""
    if photometric == "MONOCHROME1":
        return int(frame.max())
    if photometric == "PALETTE COLOR":
        return darkest_palette_index(ds)
    if photometric == "YBR_FULL":
        return int(frame[..., 0].min()), 1 << (int(ds.BitsStored) - 1), 1 << (int(ds.BitsStored) - 1)
    return int(frame.min())


def darkest_palette_index(ds: Dataset) -> int:
    """The index whose palette entry has the lowest luminance."""
    entries, first, _ = (int(v) for v in ds.RedPaletteColorLookupTableDescriptor)
    indices = np.arange(first, first + (entries or 65536), dtype=np.uint16 if ds.BitsAllocated > 8 else np.uint8)
    rgb = apply_color_lut(indices, ds).astype(np.float64)
    return int(indices[np.argmin(rgb @ np.array([0.299, 0.587, 0.114]))])


def fill_image(ds: Dataset, decoded: Decoded, boxes: Sequence[RedactBox]) -> int:
    """Fill ``boxes`` on their frames (-1: every frame); the number of (box, frame) fills made."""
    frames, count = decoded.frames, 0
    for rb in boxes:
        box = rb.box.clip(frames.shape[1], frames.shape[2])
        if box is None:
            continue
        for index in range(len(frames)) if rb.frame < 0 else [rb.frame] if rb.frame < len(frames) else []:
            frames[index, box.top:box.bottom + 1, box.left:box.right + 1] = fill_value(ds, decoded.photometric,
                                                                                       frames[index])
            count += 1
    return count


def fill_overlays(ds: Dataset, specs: Sequence[OverlaySpec], boxes: Sequence[RedactBox]) -> int:
    """Clear the bits of 60xx OverlayData under ``boxes`` (those on overlays); the number of (box, frame) fills."""
    count = 0
    for spec in specs:
        mine = [rb for rb in boxes if rb.overlay == spec.index]
        if spec.bit_position is not None or not mine:
            continue
        element = ds[spec.group, 0x3000]
        size = spec.frames * spec.rows * spec.columns
        bits = np.asarray(unpack_bits(element.value))[:size]
        bits = np.pad(bits, (0, size - bits.size)).reshape(spec.frames, spec.rows, spec.columns)
        for rb in mine:
            box = rb.box.clip(spec.rows, spec.columns)
            for index in (range(spec.frames) if rb.frame < 0 else [rb.frame] if rb.frame < spec.frames else []):
                if box is not None:
                    bits[index, box.top:box.bottom + 1, box.left:box.right + 1] = 0
                    count += 1
        element.value = pack_bits(bits.ravel())
    return count
