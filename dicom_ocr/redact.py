"""Redacted copies: the rectangles of the audit DB filled in the pixel data of a copy of each file.

What is filled: every rect of the file in ``DicomRects`` (ours, rule regions and those reviewers drew in dcmaudit)
except rects judged not PHI (``nerpii`` 0), unless all text is asked for. Image rects are filled with the frame's
darkest stored value in MONOCHROME2 (brightest in MONOCHROME1) on the frame named, or on every frame for frame -1;
that also clears overlays kept in unused high bits there. Rects on a 60xx OverlayData overlay clear its bits.

The copy is written uncompressed (Explicit VR Little Endian, or Big Endian for a big-endian file; colour as RGB), with
a new SOP Instance UID as the standard asks of changed pixel data; everything else in the header is kept. Inputs are
never modified.
"""
from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import pack_bits, unpack_bits
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, generate_uid

from .auditdb import DB_NAME, SUMMARY_COORDS
from .errors import CorruptPixelDataError, DicomOcrError, NoPixelDataError, RedactionError, UnsupportedTransferSyntaxError
from .geometry import Box
from .planes import OverlaySpec, number_of_frames, overlay_specs, read_dataset, read_header

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RedactBox:
    """A rectangle to fill: plane box, ``frame`` (-1: every frame) and ``overlay`` (-1: image pixels)."""

    box: Box
    frame: int
    overlay: int


@dataclass(frozen=True)
class Redacted:
    """The outcome for one file: where its copy went (None on error), boxes filled, or the error."""

    source: str
    target: str | None
    boxes: int = 0
    error: DicomOcrError | None = None


def boxes_to_redact(db_dir: str | Path, filename: str, all_text: bool = False) -> list[RedactBox]:
    """The rects of ``filename`` in the audit DB: all of them with ``all_text``, else all but those judged not PHI."""
    query = ('SELECT "left", top, "right", bottom, frame, overlay FROM "DicomRects" WHERE filename = ? '
             "AND NOT (\"left\" = ? AND top = ? AND \"right\" = ? AND bottom = ?)")
    if not all_text:
        query += " AND COALESCE(nerpii, -1) != 0"
    with closing(sqlite3.connect(f"file:{Path(db_dir) / DB_NAME}?mode=ro", uri=True)) as conn:
        rows = conn.execute(query, (filename, *SUMMARY_COORDS)).fetchall()
    return [RedactBox(Box(min(left, right), min(top, bottom), max(left, right), max(top, bottom)), frame, overlay)
            for left, top, right, bottom, frame, overlay in rows]


def _fill_value(ds: Dataset, frame: np.ndarray) -> int:
    return int(frame.max() if ds.get("PhotometricInterpretation") == "MONOCHROME1" else frame.min())


def _image_frames(pixels: np.ndarray, frames: int) -> np.ndarray:
    """The pixel array as (frames, rows, columns[, samples])."""
    return pixels if frames > 1 else pixels[np.newaxis]


def _fill_image(ds: Dataset, pixels: np.ndarray, boxes: Sequence[RedactBox]) -> int:
    count = 0
    for rb in boxes:
        chosen = range(len(pixels)) if rb.frame < 0 else [rb.frame] if rb.frame < len(pixels) else []
        for index in chosen:
            box = rb.box.clip(pixels.shape[1], pixels.shape[2])
            if box is not None:
                pixels[index, box.top:box.bottom + 1, box.left:box.right + 1] = _fill_value(ds, pixels[index])
                count += 1
    return count


def _fill_overlays(ds: Dataset, specs: Sequence[OverlaySpec], boxes: Sequence[RedactBox]) -> int:
    """Clear the bits of 60xx OverlayData under ``boxes`` (those on overlays); the number of boxes applied."""
    count = 0
    for spec in specs:
        mine = [rb for rb in boxes if rb.overlay == spec.index]
        if spec.bit_position is not None or not mine:
            continue
        element = ds[spec.group, 0x3000]
        size = spec.frames * spec.rows * spec.columns
        bits = unpack_bits(element.value)[:size]
        bits = np.pad(bits, (0, size - bits.size)).reshape(spec.frames, spec.rows, spec.columns)
        for rb in mine:
            box = rb.box.clip(spec.rows, spec.columns)
            for index in (range(spec.frames) if rb.frame < 0 else [rb.frame] if rb.frame < spec.frames else []):
                if box is not None:
                    bits[index, box.top:box.bottom + 1, box.left:box.right + 1] = 0
                    count += 1
        element.value = pack_bits(bits.ravel())
    return count


def _decoded(path: str, ds: Dataset) -> np.ndarray:
    """All frames of the pixel data, stored values with any high-bit overlays, colour as RGB."""
    if "PixelData" not in ds:
        raise NoPixelDataError(path, "no integer pixel data to redact")
    if ds.get("BitsAllocated") == 1:
        raise UnsupportedTransferSyntaxError(path, "1-bit pixel data is not redacted")
    try:
        ds.pixel_array_options(correct_unused_bits=False, as_rgb=True)
        return np.array(ds.pixel_array)
    except (NotImplementedError, RuntimeError) as error:
        raise UnsupportedTransferSyntaxError(path, f"cannot decode the pixel data to redact it ({error})") from error
    except ValueError as error:
        raise CorruptPixelDataError(path, f"cannot decode the pixel data to redact it ({error})") from error


def _store(ds: Dataset, pixels: np.ndarray) -> None:
    """Put ``pixels`` back as uncompressed data (little endian, or big endian for a big-endian file) and describe it
    truthfully."""
    if ds.get("SamplesPerPixel", 1) == 3:
        if str(ds.PhotometricInterpretation).startswith("YBR"):
            ds.PhotometricInterpretation = "RGB"   # pydicom decoded it to RGB
        ds.PlanarConfiguration = 0
    big_endian = ds.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder(">" if big_endian else "<"), copy=False).tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"
    ds["PixelData"].is_undefined_length = False
    if not big_endian:   # pydicom keeps a file's byte order; other syntaxes become Explicit VR Little Endian
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID


def redact_file(path: str | Path, boxes: Sequence[RedactBox], target: str | Path) -> int:
    """Write to ``target`` a copy of ``path`` with ``boxes`` filled; the number of (box, frame) fills made."""
    name = str(path)
    ds = read_dataset(name, read_header(name))   # read_header: typed errors for non-DICOM and truncated files
    specs = overlay_specs(ds)
    in_pixel_bits = {spec.index for spec in specs if spec.bit_position is not None}
    image_boxes = [rb for rb in boxes if rb.overlay < 0 or rb.overlay in in_pixel_bits]
    count = _fill_overlays(ds, specs, boxes)
    if image_boxes:
        pixels = _decoded(name, ds)
        frames = _image_frames(pixels, number_of_frames(ds))
        count += _fill_image(ds, frames, image_boxes)
        _store(ds, pixels)
    _tidy_for_writing(ds)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    try:
        ds.save_as(target, enforce_file_format=True)
    except (ValueError, AttributeError, TypeError) as error:
        raise RedactionError(name, f"cannot write the redacted copy ({error})") from error
    return count


def _tidy_for_writing(ds: Dataset) -> None:
    """Drop stray item and delimiter tags (group FFFE) some files hold at the top level, and fill file meta UIDs a
    file lacks from its dataset, so pydicom can write the copy."""
    for tag in [tag for tag in ds.keys() if tag.group == 0xFFFE]:
        del ds[tag]
    if not ds.get("SOPInstanceUID"):
        ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.file_meta.get("MediaStorageSOPInstanceUID") or ds.SOPInstanceUID
    if "SOPClassUID" in ds:
        ds.file_meta.MediaStorageSOPClassUID = ds.file_meta.get("MediaStorageSOPClassUID") or ds.SOPClassUID


def _target(filename: str, out_dir: Path, root: Path | None) -> Path:
    """Where the copy of ``filename`` goes: its path below ``root`` (or its absolute path) under ``out_dir``."""
    path = Path(filename).resolve()
    if root is not None and not path.is_relative_to(root.resolve()):
        raise DicomOcrError(filename, f"not below --root {root}")
    target = out_dir / (path.relative_to(root.resolve()) if root is not None else path.relative_to(path.anchor))
    if target.resolve() == path:
        raise DicomOcrError(filename, "the copy would overwrite the input; choose another --out")
    return target


def redact_scan(db_dir: str | Path, out_dir: str | Path, filenames: Iterable[str], *, root: str | Path | None = None,
                all_text: bool = False) -> Iterator[Redacted]:
    """Redacted copies of ``filenames`` (as stored in the DB) under ``out_dir``, one result per file; a file that
    fails yields its error (for the caller to report) and the others go on. Copies never overwrite their source."""
    out, base = Path(out_dir), Path(root) if root is not None else None
    for filename in filenames:
        try:
            target = _target(filename, out, base)
            count = redact_file(filename, boxes_to_redact(db_dir, filename, all_text), target)
            log.info("%s: %d boxes filled -> %s", filename, count, target)
            yield Redacted(filename, str(target), count)
        except DicomOcrError as error:      # the caller reports each failure (once)
            log.debug("%s", error)
            yield Redacted(filename, None, error=error)
        except Exception as error:  # noqa: BLE001 - pydicom and its plugins raise many types; the batch goes on
            log.debug("%s: redaction failed", filename, exc_info=True)
            yield Redacted(filename, None, error=RedactionError(filename, f"{type(error).__name__}: {error}"))
