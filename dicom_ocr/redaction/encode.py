"""Writing the filled pixels back as faithfully as the input allows.

A copy keeps its transfer syntax when it is uncompressed or deflated (written as read), or when an installed encoder
writes it losslessly: RLE Lossless (pydicom), JPEG-LS Lossless (``pyjpegls``), JPEG 2000 Lossless
(``pylibjpeg-openjpeg``). Every other input (lossy JPEG baseline/extended, lossy JPEG 2000 and JPEG-LS near-lossless,
but also JPEG Lossless process 14, which nothing here encodes) gets the fallback, **JPEG-LS Lossless**: it holds 2-16
bit grey, palette, RGB and YBR_FULL, signed or not, and on the corpus's lossy files it was 1.1-3.7x smaller than RLE
(`BENCHMARKS.md`). Pixel data that carries overlays in its unused high bits, or more than 16 bits, gets RLE Lossless,
which keeps every bit of every byte. Lossy input is never compressed lossily a second time.
"""
from __future__ import annotations

import struct
from typing import Any

from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragments, itemize_fragment
from pydicom.pixels import get_encoder
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

from ..planes import number_of_frames
from .fill import Decoded

NATIVE = frozenset((ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian))
KEPT_WHEN_ENCODABLE = frozenset((RLELossless, JPEGLSLossless, JPEG2000Lossless))
FALLBACK = JPEGLSLossless
LAST_RESORT = RLELossless     # pydicom's own encoder: always there, any bit depth


def can_encode(syntax: UID, bits_stored: int, bit_overlays: bool) -> bool:
    """Whether ``syntax`` can be written losslessly here for this pixel data."""
    if not get_encoder(syntax).is_available:
        return False
    if syntax == RLELossless:
        return True
    return not bit_overlays and 2 <= bits_stored <= (16 if syntax == JPEGLSLossless else 24)


def output_syntax(syntax: UID, bits_stored: int, bit_overlays: bool) -> UID:
    """The transfer syntax a redacted copy of pixel data in ``syntax`` is written in."""
    if syntax in NATIVE or (syntax in KEPT_WHEN_ENCODABLE and can_encode(syntax, bits_stored, bit_overlays)):
        return syntax
    return FALLBACK if can_encode(FALLBACK, bits_stored, bit_overlays) else LAST_RESORT


def store(ds: Dataset, decoded: Decoded, syntax: UID, bit_overlays: bool) -> UID:
    """Put the frames back into ``ds`` in the syntax :func:`output_syntax` chooses, described truthfully (photometric
    interpretation, planar configuration 0); the syntax written."""
    out = output_syntax(syntax, int(ds.BitsStored), bit_overlays)
    pixels = decoded.frames if number_of_frames(ds) > 1 else decoded.frames[0]
    ds.PhotometricInterpretation = decoded.photometric
    colour = int(ds.get("SamplesPerPixel", 1)) > 1
    if colour:
        ds.PlanarConfiguration = 0
    if out in NATIVE:
        big_endian = out == ExplicitVRBigEndian
        data = pixels.astype(pixels.dtype.newbyteorder(">" if big_endian else "<"), copy=False).tobytes()
        ds.PixelData = data + b"\0" * (len(data) % 2)
        ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
        ds["PixelData"].is_undefined_length = False
        ds.file_meta.TransferSyntaxUID = out
    elif bit_overlays:    # RLE keeps whole bytes; pydicom checks values against Bits Stored, the overlays exceed it
        bits_stored = ds.BitsStored
        ds.BitsStored = ds.BitsAllocated
        try:
            ds.compress(out, pixels, generate_instance_uid=False)
        finally:
            ds.BitsStored = bits_stored
    else:   # JPEG 2000 without the colour transform, so RGB stays what the header says
        options: dict[str, Any] = {"use_mct": False} if out == JPEG2000Lossless and colour else {}
        ds.compress(out, pixels, generate_instance_uid=False, **options)
    return out


def even_fragments(ds: Dataset) -> bool:
    """Encapsulated pixel data with odd-length items (against PS3.5 A.4, which pydicom would write misaligned, so
    that the copy no longer parses) rewritten with each odd fragment padded by a trailing NUL, as the standard says,
    and the Basic Offset Table moved to match; True when something was changed. Decoders ignore bytes after a
    codestream's end marker."""
    if "PixelData" not in ds or not UID(ds.file_meta.TransferSyntaxUID).is_encapsulated:
        return False
    table, *fragments = list(generate_fragments(ds.PixelData))
    if not any(len(fragment) % 2 for fragment in fragments):
        return False
    padded = [fragment + b"\0" * (len(fragment) % 2) for fragment in fragments]
    old = _item_offsets(fragments)
    new = dict(zip(old, _item_offsets(padded)))
    offsets = struct.unpack(f"<{len(table) // 4}L", table)
    table = struct.pack(f"<{len(offsets)}L", *(new[offset] for offset in offsets))
    ds.PixelData = b"".join(itemize_fragment(item) for item in (table, *padded))
    return True


def _item_offsets(fragments: list[bytes]) -> list[int]:
    """Where each fragment's item starts, counted from the first fragment's (as the Basic Offset Table counts)."""
    offsets, position = [], 0
    for fragment in fragments:
        offsets.append(position)
        position += 8 + len(fragment)
    return offsets
