"""Turn decoded pixel values into 8-bit pictures in which burned-in text stays legible.

Burned-in text is usually drawn at the top of the stored range, which a radiologist's VOI window would clip together with
bright anatomy; so grey planes are rendered linearly over their full stored range (MONOCHROME1 inverted, as displayed).
"""
from __future__ import annotations

import numpy as np


def stored_values(raw: np.ndarray, bits_stored: int, signed: bool) -> np.ndarray:
    """Keep only the ``bits_stored`` low bits of each value (dropping overlay bits above them) and restore the sign."""
    if raw.dtype.kind == "f":
        return raw
    bits_allocated = raw.dtype.itemsize * 8
    if bits_stored >= bits_allocated:
        return raw
    unsigned = raw.view(f"u{raw.dtype.itemsize}") & np.array((1 << bits_stored) - 1, dtype=f"u{raw.dtype.itemsize}")
    if not signed:
        return unsigned
    values = unsigned.astype(np.int64)
    values[values >= 1 << (bits_stored - 1)] -= 1 << bits_stored
    return values


def full_range_grey(values: np.ndarray, invert: bool = False) -> np.ndarray:
    """Scale grey values linearly so their minimum is 0 and maximum 255; ``invert`` for MONOCHROME1."""
    low, high = float(values.min()), float(values.max())
    if high <= low:
        grey = np.zeros(values.shape, dtype=np.uint8)
    elif values.dtype == np.uint8 and low == 0 and high == 255:
        grey = values
    else:
        grey = np.rint((values.astype(np.float32) - low) * (255.0 / (high - low))).astype(np.uint8)
    return 255 - grey if invert else grey


def colour_to_uint8(rgb: np.ndarray, bits: int) -> np.ndarray:
    """An RGB array of ``bits``-bit samples as 8-bit RGB."""
    if rgb.dtype == np.uint8:
        return rgb
    shift = max(0, bits - 8)
    return np.clip(rgb.astype(np.int64) >> shift, 0, 255).astype(np.uint8)


def overlay_to_uint8(bits: np.ndarray) -> np.ndarray:
    """An overlay's 0/1 bits as white text on black."""
    return np.where(bits != 0, 255, 0).astype(np.uint8)
