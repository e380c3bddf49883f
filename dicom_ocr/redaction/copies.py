"""One redacted copy: the file with the rectangles its policy names filled, marked as cleaned, written atomically
(:mod:`.run` makes the copies of a scan, records and verifies them).

Paths are compared as stored in the DB (made absolute and normalised, symlinks never resolved), so a file scanned
through a symlink below ``--root`` keeps its place in the copy's layout. A copy is first written to a hidden
``.NAME.partial`` beside its target and renamed when complete: a run killed at any moment never leaves a partial copy
under the target's name. Inputs are never modified; a copy never overwrites its input.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import UID

from ..dicomfile import DicomFile, open_dicom
from ..errors import DicomOcrError, RedactionError
from ..planes import overlay_specs, read_dataset
from .encode import even_fragments, store
from .fill import decode, fill_image, fill_overlays
from .marks import deid_header, mark_cleaned
from .policy import Policy, RedactBox, header_boxes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    """One copy: (box, frame) fills made, transfer syntax read and written, BurnedInAnnotation written."""

    fills: int
    syntax_in: UID
    syntax_out: UID
    burned_in_annotation: str | None


def redact_file(source: DicomFile | str | Path, boxes: Sequence[RedactBox], target: str | Path, *,
                policy: Policy = Policy.ALL_TEXT, header_recipe: bool = False) -> Written:
    """Write to ``target`` a copy of ``source`` (a file opened, or its path) with ``boxes`` (and those the policy takes
    from the header) filled. Its whole dataset is read afresh for each copy."""
    dicom = source if isinstance(source, DicomFile) else open_dicom(source)   # typed errors: not DICOM, truncated
    name = dicom.path
    ds = read_dataset(name, dicom.header)
    syntax = UID(ds.file_meta.TransferSyntaxUID)
    boxes = [*boxes, *header_boxes(ds, policy)]
    specs = overlay_specs(ds)
    bit_overlays = {spec.index for spec in specs if spec.bit_position is not None}
    image_boxes = [rb for rb in boxes if rb.overlay < 0 or rb.overlay in bit_overlays]
    fills = fill_overlays(ds, specs, boxes)
    written = syntax
    if image_boxes:       # otherwise the pixel data is kept byte for byte
        decoded = decode(name, ds, bool(bit_overlays))
        fills += fill_image(ds, decoded, image_boxes)
        written = store(ds, decoded, syntax, bool(bit_overlays))
    tidy_for_writing(ds)
    if header_recipe:
        ds = deid_header(ds)
    mark_cleaned(ds, policy.removes_all_text)
    _write_atomically(name, ds, Path(target))
    return Written(fills, syntax, written, ds.get("BurnedInAnnotation"))


def tidy_for_writing(ds: Dataset) -> None:
    """Drop stray item and delimiter tags (group FFFE) some files hold at the top level, pad odd-length fragments of
    encapsulated pixel data (:func:`.encode.even_fragments`), and fill the file meta SOP Class UID a file lacks from
    its dataset, so pydicom can write the copy and read it back."""
    for tag in [tag for tag in ds.keys() if tag.group == 0xFFFE]:
        del ds[tag]
    if even_fragments(ds):
        log.info("%s: odd-length pixel data fragments padded to even length", getattr(ds, "filename", None) or "a copy")
    if "SOPClassUID" in ds:
        ds.file_meta.MediaStorageSOPClassUID = ds.file_meta.get("MediaStorageSOPClassUID") or ds.SOPClassUID


def partial_path(target: Path) -> Path:
    """Where a copy is written before it is renamed to ``target``."""
    return target.with_name(f".{target.name}.partial")


def _write_atomically(name: str, ds: Dataset, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    try:
        with open(partial, "wb") as out:
            ds.save_as(out, enforce_file_format=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, target)
    except (ValueError, AttributeError, TypeError, OSError) as error:
        raise RedactionError(name, f"cannot write the redacted copy ({error})") from error
    finally:
        partial.unlink(missing_ok=True)     # gone once renamed; else left by an error or an interruption (time limit)


def target_path(filename: str, out_dir: Path, root: Path | None) -> Path:
    """Where the copy of ``filename`` goes: its path below ``root`` (or its absolute path) under ``out_dir``, both
    compared as written (normalised, symlinks not resolved)."""
    path = Path(os.path.abspath(filename))
    if root is None:
        relative = path.relative_to(path.anchor)
    elif path.is_relative_to(base := Path(os.path.abspath(root))):
        relative = path.relative_to(base)
    else:
        raise DicomOcrError(filename, f"not below --root {root}")
    target = out_dir / relative
    if os.path.realpath(target) == os.path.realpath(filename):
        raise DicomOcrError(filename, "the copy would overwrite the input; choose another --out")
    return target
