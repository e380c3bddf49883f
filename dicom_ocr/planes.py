"""Planes: every 2-D picture of a DICOM file that may carry text (image frames and overlay frames), read lazily.

``iter_planes(path)`` decodes one image frame at a time and yields, for each, the image plane and any overlay kept in the
unused high bits of that frame; then the frames of each 60xx OverlayData overlay. Problems with the file raise the typed
errors of :mod:`dicom_ocr.errors`, each naming the file and the cause.
"""
from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import apply_color_lut, get_decoder, iter_pixels, unpack_bits
from pydicom.tag import Tag
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from . import render
from .errors import (
    AbsurdDimensionsError,
    CorruptHeaderError,
    CorruptPixelDataError,
    DicomOcrError,
    MissingFileError,
    NoPixelDataError,
    NotDicomError,
    UnreadableFileError,
    UnsupportedTransferSyntaxError,
)

log = logging.getLogger(__name__)

MAX_FRAME_BYTES = 1 << 30     # one decoded frame larger than 1 GiB is taken as a broken header
MAX_FRAMES = 1_000_000
PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
SYNTAX_NAMES = {"1.2.840.10008.1.2.4.110": "JPEG XL Lossless", "1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
                "1.2.840.10008.1.2.4.112": "JPEG XL"}
DEFER_SIZE = 64 * 1024        # large values (pixel data) stay on disk until needed
ZIP_MAGIC = b"PK\x03\x04"
UNDEFINED_LENGTH = 0xFFFFFFFF
ITEM_GROUP = 0xFFFE            # item and delimitation tags


class PlaneKind(str, Enum):
    IMAGE = "image"              # a frame of the image pixels
    OVERLAY = "overlay"          # a frame of a 60xx OverlayData overlay
    BIT_OVERLAY = "bit-overlay"  # an overlay kept in unused high bits of the pixel data


@dataclass
class Plane:
    """One frame of the image or of an overlay, rendered for OCR.

    ``frame`` is 0-based and ``overlay`` is -1 for image pixels or n for group 0x6000 + 2n, as in the audit DB.
    Boxes found on ``image`` are in this plane's own pixel coordinates, which is what the audit DB stores. To place them
    on the image pixels (redaction), ``origin`` (row, column, 0-based; from OverlayOrigin) is the plane's top-left pixel
    and ``image_frame`` the image frame the plane belongs to.
    """

    path: str
    frame: int
    overlay: int
    kind: PlaneKind
    image: np.ndarray                  # uint8, rows x columns (grey) or rows x columns x 3 (RGB)
    values: np.ndarray | None = None   # stored grey values before rendering (None for colour and overlays)
    origin: tuple[int, int] = (0, 0)
    image_frame: int = 0
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


@dataclass(frozen=True)
class OverlaySpec:
    """Where overlay n (group 0x6000 + 2n) lives and how big it is."""

    index: int
    rows: int
    columns: int
    frames: int
    origin: tuple[int, int]          # 0-based (row, column) of its top-left pixel on the image
    first_image_frame: int           # 0-based image frame of its first frame
    bit_position: int | None = None  # set when the overlay is kept in a bit of the pixel data

    @property
    def group(self) -> int:
        return 0x6000 + 2 * self.index


def read_header(path: str | Path) -> Dataset:
    """Read everything but the pixel data (left on disk), every element decoded, or raise the typed error that says
    why not: MissingFileError, UnreadableFileError, NotDicomError (zip archives included), CorruptHeaderError (an
    element that cannot be decoded, or parsing that stopped before the end of a file without pixel data) or
    CorruptPixelDataError (truncated inside the pixel data)."""
    name = str(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = _read_dataset(name)
        if not any(keyword in ds for keyword in PIXEL_KEYWORDS):
            truncated = [str(w.message) for w in caught if "End of file reached" in str(w.message)]
            if truncated:
                raise CorruptPixelDataError(
                    name, f"file is truncated inside the pixel data ({truncated[0].split(' found')[0]})")
            _check_parsed_to_the_end(name, ds)   # before decoding: it reads the raw elements' positions
        _decode_elements(name, ds)
    for warning in caught:
        log.debug("%s: pydicom: %s", name, warning.message)
    return ds


def _read_dataset(name: str) -> Dataset:
    try:
        with open(name, "rb") as handle:
            start = handle.read(132)
    except FileNotFoundError as exc:
        raise MissingFileError(name, "no such file") from exc
    except OSError as exc:
        raise UnreadableFileError(name, f"cannot read file: {exc.strerror or exc}") from exc
    has_preamble = start[128:132] == b"DICM"
    if start.startswith(ZIP_MAGIC) and not has_preamble:
        raise NotDicomError(name, "a zip archive: not read (files are opened by path, as dcmaudit does; unpack it "
                                  "and scan the folder)")
    try:
        return _parse(name)
    except InvalidDicomError:
        pass  # no preamble: may still be a headless DICOM stream
    except Exception as exc:  # pydicom raises many types on garbage
        raise _unreadable(name, has_preamble, exc) from exc
    try:
        ds = _parse(name, force=True)
    except Exception as exc:
        raise NotDicomError(name, f"not a DICOM file ({type(exc).__name__})") from exc
    if not _looks_like_dicom(ds):
        raise NotDicomError(name, "not a DICOM file (no preamble, and no image or identifying elements)")
    return ds


def _parse(name: str, force: bool = False) -> Dataset:
    """The header parsed, large values (the pixel data) left on disk."""
    return pydicom.dcmread(name, defer_size=DEFER_SIZE, force=force)


def _unreadable(name: str, has_preamble: bool, exc: Exception) -> DicomOcrError:
    """A file pydicom gave up on: corrupt when it starts as DICOM does (preamble and DICM), else not DICOM."""
    if has_preamble:
        return CorruptHeaderError(name, f"the header cannot be parsed ({type(exc).__name__})")
    return NotDicomError(name, f"not a readable DICOM file ({type(exc).__name__})")


def _decode_elements(name: str, ds: Dataset) -> None:
    """Decode every element but deferred large values (pixel data), so a damaged one is found here, by its tag.

    Stray item and delimitation tags (group FFFE) outside a sequence hold no value and are left alone. The message
    names the tag and the exception's type only: values may be identifying."""
    for tag, raw in list(ds._dict.items()):   # the raw items: reading ds[tag] of a deferred value would load it
        if Tag(tag).group == ITEM_GROUP or (isinstance(raw, RawDataElement) and raw.value is None and raw.length):
            continue
        try:
            element = ds[tag]
        except Exception as exc:
            raise CorruptHeaderError(name, f"element {Tag(tag)} cannot be decoded ({type(exc).__name__}: "
                                           f"{_vr_message(exc)})") from exc
        if element.VR == "SQ":
            for item in element.value:
                _decode_elements(name, item)


def _vr_message(exc: Exception) -> str:
    """pydicom's message when it names an unknown Value Representation (no value in it), else a generic phrase."""
    text = str(exc)
    return text if text.startswith("Unknown Value Representation") else "damaged value"


def _check_parsed_to_the_end(name: str, ds: Dataset) -> None:
    """Raise CorruptHeaderError when parsing a file without pixel data stopped before its last byte (a damaged tag or
    length ends pydicom's reading early) or its last element runs past the end of the file."""
    if transfer_syntax(ds) == DeflatedExplicitVRLittleEndian:
        return   # positions are in the inflated stream, not in the file
    if not ds._dict:
        raise CorruptHeaderError(name, "no data element could be read after the file meta information")
    elements = ds._dict.values()
    last = max(elements, key=lambda e: e.value_tell if isinstance(e, RawDataElement) else e.file_tell or 0)
    if not isinstance(last, RawDataElement) or last.length == UNDEFINED_LENGTH:
        return   # a sequence (already parsed) or an undefined length: where it ends is not known here
    end, size = last.value_tell + last.length, os.path.getsize(name)
    if end < size:
        raise CorruptHeaderError(name, f"parsing stopped at byte {end} of {size}: the header is damaged")
    if end > size:
        raise CorruptHeaderError(name, f"the last element runs past the end of the file ({end} > {size} bytes)")


def _looks_like_dicom(ds: Dataset) -> bool:
    try:
        return any(keyword in ds for keyword in ("SOPClassUID", "Rows", "StudyInstanceUID", "Modality"))
    except Exception:
        return False


def overlay_specs(ds: Dataset) -> list[OverlaySpec]:
    """The usable overlays of ``ds``: 60xx OverlayData, and overlays in unused bits of the pixel data."""
    specs = []
    for index in range(16):
        spec = _overlay_spec(ds, index)
        if spec is not None:
            specs.append(spec)
    return specs


def _overlay_spec(ds: Dataset, index: int) -> OverlaySpec | None:
    group = 0x6000 + 2 * index

    def value(element: int, default=None):
        elem = ds.get((group, element))
        return default if elem is None or elem.value in (None, "", b"") else elem.value

    rows, columns = value(0x0010), value(0x0011)
    has_data = value(0x3000) is not None
    bit_position = value(0x0102, 0)
    if not has_data:
        bit_position = _unused_bit(ds, bit_position, rows, columns)
        if bit_position is None:
            return None
        rows, columns = ds.Rows, ds.Columns
    if not rows or not columns:
        return None
    origin = value(0x0050, [1, 1])
    frames = int(value(0x0015, 1)) if has_data else number_of_frames(ds)
    return OverlaySpec(index=index, rows=int(rows), columns=int(columns), frames=max(1, frames),
                       origin=(int(origin[0]) - 1, int(origin[1]) - 1),
                       first_image_frame=max(0, int(value(0x0051, 1)) - 1),
                       bit_position=None if has_data else int(bit_position))


def _unused_bit(ds: Dataset, bit_position, rows, columns) -> int | None:
    """The bit position of an overlay kept in the pixel data, when it is a real unused bit of it."""
    stored, allocated = ds.get("BitsStored"), ds.get("BitsAllocated")
    if not bit_position or stored is None or allocated is None or ds.get("SamplesPerPixel", 1) != 1:
        return None
    if not stored <= int(bit_position) < allocated:
        return None
    if (rows and rows != ds.get("Rows")) or (columns and columns != ds.get("Columns")):
        return None
    return int(bit_position)


def number_of_frames(ds: Dataset) -> int:
    """NumberOfFrames, 1 when absent or unreadable."""
    try:
        return max(1, int(ds.get("NumberOfFrames") or 1))
    except (TypeError, ValueError):
        return 1


def frames_per_overlay(ds: Dataset) -> dict[int, int]:
    """Frame counts of the image (-1) and of each overlay, from the header."""
    counts = {-1: number_of_frames(ds)}
    counts.update({spec.index: spec.frames for spec in overlay_specs(ds)})
    return counts


def check_pixel_data(ds: Dataset, path: str) -> None:
    """Raise the typed error that says why the image pixels of ``ds`` cannot be decoded, if they cannot."""
    if not any(keyword in ds for keyword in PIXEL_KEYWORDS):
        if "Rows" in ds:   # a complete header cut off at an element boundary looks just like this
            raise NoPixelDataError(path, "no pixel data (7FE0,0010) in the file, although the header describes an "
                                         "image (Rows x Columns): stripped, or the file was cut off before it")
        raise NoPixelDataError(path, "no pixel data (7FE0,0010) in the file")
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    samples, allocated = int(ds.get("SamplesPerPixel") or 1), int(ds.get("BitsAllocated") or 0)
    frames = number_of_frames(ds)
    if rows <= 0 or columns <= 0:
        raise AbsurdDimensionsError(path, f"Rows x Columns is {rows} x {columns}")
    if allocated not in (1, 8, 16, 32, 64) or samples not in (1, 3):
        raise AbsurdDimensionsError(path, f"BitsAllocated {allocated}, SamplesPerPixel {samples} is not an image")
    frame_bytes = rows * columns * samples * max(1, allocated // 8)
    if frame_bytes > MAX_FRAME_BYTES or frames > MAX_FRAMES:
        raise AbsurdDimensionsError(path, f"{frames} frames of {rows} x {columns} x {samples} x {allocated} bits")
    syntax = transfer_syntax(ds)
    try:
        decoder = get_decoder(syntax)
    except NotImplementedError as exc:
        raise UnsupportedTransferSyntaxError(
            path, f"transfer syntax {_syntax_name(syntax)} has no pixel decoder in pydicom {pydicom.__version__}") from exc
    if not decoder.is_available:
        raise UnsupportedTransferSyntaxError(
            path, f"no installed plugin decodes {_syntax_name(syntax)}; install one of: "
                  + "; ".join(decoder.missing_dependencies))


def _syntax_name(syntax: UID) -> str:
    name = SYNTAX_NAMES.get(str(syntax), syntax.name)
    return f"{name} ({syntax})" if name != str(syntax) else str(syntax)


def transfer_syntax(ds: Dataset) -> UID:
    """The file's transfer syntax: its file meta's, else the encoding pydicom read a headless stream with."""
    syntax = getattr(ds.get("file_meta", FileMetaDataset()), "TransferSyntaxUID", None)
    if syntax:
        return UID(syntax)
    return ImplicitVRLittleEndian if ds.original_encoding[0] else ExplicitVRLittleEndian


def iter_planes(path: str | Path, frames: Iterable[int] | None = None, overlays: bool = True,
                header: Dataset | None = None) -> Iterator[Plane]:
    """Yield the planes of one file: image frames (with their bit overlays), then 60xx OverlayData frames.

    ``frames`` limits the image frames decoded (0-based); ``overlays=False`` skips all overlays; ``header`` is the
    file's :func:`read_header` result when the caller already has it.
    """
    name = str(path)
    ds = header if header is not None else read_header(name)
    specs = overlay_specs(ds) if overlays else []
    data_overlays = [spec for spec in specs if spec.bit_position is None]
    has_pixels = any(keyword in ds for keyword in PIXEL_KEYWORDS)
    if has_pixels or not data_overlays:
        check_pixel_data(ds, name)
        bit_overlays = [spec for spec in specs if spec.bit_position is not None]
        yield from _image_planes(name, ds, frames, bit_overlays)
    for spec in data_overlays:
        yield from _overlay_data_planes(name, ds, spec)


def _image_planes(path: str, ds: Dataset, frames: Iterable[int] | None,
                  bit_overlays: list[OverlaySpec]) -> Iterator[Plane]:
    count = number_of_frames(ds)
    indices = sorted(i for i in set(frames) if 0 <= i < count) if frames is not None else None
    if indices == []:   # pydicom reads every frame for an empty list of indices
        return
    index_iter = iter(indices) if indices is not None else iter(range(count))
    try:
        for raw in _decode_frames(path, ds, indices):
            frame = next(index_iter)
            yield _image_plane(path, ds, frame, raw)
            for spec in bit_overlays:
                bits = (raw.view(f"u{raw.dtype.itemsize}") >> spec.bit_position) & 1
                yield _overlay_plane(path, spec, frame, bits, PlaneKind.BIT_OVERLAY, image_frame=frame)
    except DicomOcrError:
        raise
    except Exception as exc:
        raise _decode_error(path, ds, exc) from exc


def _decode_error(path: str, ds: Dataset, exc: Exception) -> DicomOcrError:
    """A decoder failure: a syntax variant the installed plugins cannot read, or broken pixel data."""
    syntax = transfer_syntax(ds)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    missing = get_decoder(syntax).missing_dependencies if syntax.is_compressed else []
    if "all available plugins" in str(exc) and missing:
        return UnsupportedTransferSyntaxError(
            path, f"the installed plugins cannot decode this {_syntax_name(syntax)} data ({_short(str(exc))}); "
                  f"it may need: {'; '.join(missing)}")
    return CorruptPixelDataError(path, f"pixel data cannot be decoded: {first_line}")


def _short(message: str) -> str:
    """The plugins' reasons, one line."""
    return " | ".join(line.strip() for line in message.strip().splitlines()[1:]) or message.strip()


def _decode_frames(path: str, ds: Dataset, indices: list[int] | None) -> Iterator[np.ndarray]:
    """Raw frames (overlay bits kept), one at a time; read from disk when the file has meta information."""
    syntax = getattr(ds.get("file_meta", FileMetaDataset()), "TransferSyntaxUID", None)
    # deflated or headless: pydicom cannot stream these
    source = path if syntax and syntax != DeflatedExplicitVRLittleEndian else read_dataset(path, ds)
    return iter_pixels(source, raw=False, correct_unused_bits=False, indices=indices)


def read_dataset(path: str | Path, header: Dataset | None = None) -> Dataset:
    """The whole dataset, pixel data included, its file meta naming the transfer syntax even for a headless stream."""
    full = pydicom.dcmread(str(path), force=True)
    if not getattr(full.get("file_meta", FileMetaDataset()), "TransferSyntaxUID", None):
        full.file_meta = FileMetaDataset()
        full.file_meta.TransferSyntaxUID = transfer_syntax(header if header is not None else full)
    return full


def _image_plane(path: str, ds: Dataset, frame: int, raw: np.ndarray) -> Plane:
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    bits_stored = int(ds.get("BitsStored") or raw.dtype.itemsize * 8)
    values = render.stored_values(raw, bits_stored, signed=ds.get("PixelRepresentation", 0) == 1)
    if raw.ndim == 3:
        image = render.colour_to_uint8(values, bits_stored)
        return Plane(path, frame, -1, PlaneKind.IMAGE, image, None, image_frame=frame, blank=_is_constant(image))
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(values, ds)
        image = render.colour_to_uint8(rgb, _palette_bits(ds))
        return Plane(path, frame, -1, PlaneKind.IMAGE, image, values, image_frame=frame, blank=_is_constant(values))
    invert = (photometric == "MONOCHROME1") != (float(ds.get("RescaleSlope", 1) or 1) < 0)
    image = render.full_range_grey(values, invert=invert)
    return Plane(path, frame, -1, PlaneKind.IMAGE, image, values, image_frame=frame, blank=_is_constant(values))


def _palette_bits(ds: Dataset) -> int:
    descriptor = ds.get("RedPaletteColorLookupTableDescriptor")
    return int(descriptor[2]) if descriptor else 8


def _is_constant(array: np.ndarray) -> bool:
    return array.size == 0 or bool(array.min() == array.max())


def _overlay_plane(path: str, spec: OverlaySpec, frame: int, bits: np.ndarray, kind: PlaneKind,
                   image_frame: int) -> Plane:
    image = render.overlay_to_uint8(bits)
    return Plane(path, frame, spec.index, kind, image, None, origin=spec.origin, image_frame=image_frame,
                 blank=not image.any())


def _overlay_data_planes(path: str, ds: Dataset, spec: OverlaySpec) -> Iterator[Plane]:
    data = ds[spec.group, 0x3000].value
    per_frame = spec.rows * spec.columns
    needed_bytes = (per_frame * spec.frames + 7) // 8
    if len(data) < needed_bytes:
        log.warning("%s: overlay %d holds %d bytes, %d expected; missing bits read as 0",
                    path, spec.index, len(data), needed_bytes)
        data = bytes(data) + bytes(needed_bytes - len(data))
    bits = np.asarray(unpack_bits(data[:needed_bytes], as_array=True))
    for frame in range(spec.frames):
        plane_bits = bits[frame * per_frame:(frame + 1) * per_frame].reshape(spec.rows, spec.columns)
        yield _overlay_plane(path, spec, frame, plane_bits, PlaneKind.OVERLAY,
                             image_frame=spec.first_image_frame + frame)
