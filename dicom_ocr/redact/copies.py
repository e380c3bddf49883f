"""Redacted copies: a copy of each file with the rectangles its policy names filled, marked as cleaned, written
atomically, recorded in ``dicom_ocr_redactions`` and, if asked, read again to verify it.

Paths are compared as stored in the DB (made absolute and normalised, symlinks never resolved), so a file scanned
through a symlink below ``--root`` keeps its place in the copy's layout. A copy is first written to a hidden
``.NAME.partial`` beside its target and renamed when complete: a run killed at any moment never leaves a partial copy
under the target's name, and the next run skips the copies already recorded (and verified, when verifying). When a
file fails, no copy is left at its target (not an earlier one either). A copy that fails verification stays, recorded
as such, so that it can be looked at. Inputs are never modified; a copy never overwrites its input.

Verification closes the loop: text judged PHI found in a copy is text the scan missed (faint text beside a filled
line is read better once its neighbour is black), so the regions found there that the policy fills are filled too,
from the input again, and the copy read again, up to ``REFILL_ROUNDS`` times; what is still found then fails.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import UID

from ..auditdb import FileRecord
from ..errors import DicomOcrError, RedactionError
from ..phi import HeaderFacts
from ..planes import overlay_specs, read_dataset, read_header
from .encode import even_fragments, store
from .fill import decode, fill_image, fill_overlays
from .log import RedactionLog, RedactionRecord
from .marks import deid_header, mark_cleaned
from .policy import Policy, RedactBox, boxes_digest, boxes_to_redact, header_boxes
from .verify import Verifier

log = logging.getLogger(__name__)

REFILL_ROUNDS = 2   # further fill-and-read rounds for a copy in which verification finds text judged PHI


@dataclass(frozen=True)
class Written:
    """One copy: (box, frame) fills made, transfer syntax read and written, BurnedInAnnotation written."""

    fills: int
    syntax_in: UID
    syntax_out: UID
    burned_in_annotation: str | None


def redact_file(path: str | Path, boxes: Sequence[RedactBox], target: str | Path, *,
                policy: Policy = Policy.ALL_TEXT, header_recipe: bool = False) -> Written:
    """Write to ``target`` a copy of ``path`` with ``boxes`` (and those the policy takes from the header) filled."""
    name = str(path)
    ds = read_dataset(name, read_header(name))   # read_header: typed errors for non-DICOM and truncated files
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
        partial.unlink(missing_ok=True)
        raise RedactionError(name, f"cannot write the redacted copy ({error})") from error


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


@dataclass(frozen=True)
class Redacted:
    """The outcome for one file: its record, whether it was skipped as already done, the error if any."""

    record: RedactionRecord
    skipped: bool = False
    error: DicomOcrError | None = None


def redact_scan(db_dir: str | Path, out_dir: str | Path, files: Iterable[FileRecord], *,
                root: str | Path | None = None, policy: Policy = Policy.ALL_TEXT, header_recipe: bool = False,
                verifier: Verifier | None = None, refill_rounds: int = REFILL_ROUNDS) -> Iterator[Redacted]:
    """Redacted copies of the scanned ``files`` under ``out_dir``, one result per file, each recorded in
    ``dicom_ocr_redactions``; a file that fails is recorded and the others go on. With a ``verifier`` every copy is
    read again with the detector its scan used; where text judged PHI is found in it, the regions found that the
    policy fills are filled too and the copy read again, up to ``refill_rounds`` times (0: only check)."""
    out, base = Path(out_dir), Path(root) if root is not None else None
    table = RedactionLog(db_dir)
    try:
        for file in files:
            previous = table.get(file.filename)
            try:
                target = target_path(file.filename, out, base)
            except DicomOcrError as error:
                yield _failed(table, file.filename, policy, header_recipe, error)
                continue
            boxes = boxes_to_redact(db_dir, file.filename, policy)
            if _already_done(previous, target, policy, header_recipe, boxes_digest(boxes), verifier is not None):
                yield Redacted(previous, skipped=True)
                continue
            yield _redact_one(file, boxes, target, policy, header_recipe, verifier, table, refill_rounds)
    finally:
        table.close()


def _already_done(previous: RedactionRecord | None, target: Path, policy: Policy, header_recipe: bool, digest: str,
                  verifying: bool) -> bool:
    """Whether the recorded copy is the one asked for now: same policy, header option, rects and place, still there,
    and verified when verifying."""
    return (previous is not None and previous.state == "done" and previous.policy == policy.value
            and previous.deid_header == header_recipe and previous.boxes_digest == digest
            and previous.target == str(target) and target.is_file() and (not verifying or previous.verified is True))


def _redact_one(file: FileRecord, boxes: list[RedactBox], target: Path, policy: Policy, header_recipe: bool,
                verifier: Verifier | None, table: RedactionLog, refill_rounds: int) -> Redacted:
    name = file.filename
    try:
        written = redact_file(name, boxes, target, policy=policy, header_recipe=header_recipe)
        check, refilled = None, []
        if verifier is not None:
            facts = HeaderFacts.from_dataset(read_header(name))
            check = verifier.verify(str(target), facts, file.engine)
            for _ in range(refill_rounds):
                if check.passed or not (found := check.to_fill(policy)):
                    break
                refilled += found        # text the scan missed, found in the copy: filled too, and read again
                written = redact_file(name, [*boxes, *refilled], target, policy=policy, header_recipe=header_recipe)
                check = verifier.verify(str(target), facts, file.engine)
        record = RedactionRecord(name, "done", policy.value, header_recipe, str(target), boxes=written.fills,
                                 boxes_digest=boxes_digest(boxes),
                                 syntax_in=written.syntax_in.name, syntax_out=written.syntax_out.name,
                                 bytes_in=os.path.getsize(name), bytes_out=target.stat().st_size,
                                 burned_in_annotation=written.burned_in_annotation)
        if check is not None:
            record.verified, record.regions_left, record.phi_left = check.passed, len(check.texts), check.phi
            record.text_left, record.refilled = " | ".join(check.texts), len(refilled)
    except DicomOcrError as error:
        target.unlink(missing_ok=True)    # no copy but a recorded one: not an earlier copy, nor one left unverified
        return _failed(table, name, policy, header_recipe, error)
    except Exception as error:  # noqa: BLE001 - pydicom and its plugins raise many types; the batch goes on
        target.unlink(missing_ok=True)
        return _failed(table, name, policy, header_recipe, RedactionError(name, f"{type(error).__name__}: {error}"))
    table.write(record)
    log.info("%s: %d fills -> %s (%s)", name, record.boxes, target, record.syntax_out)
    return Redacted(record)


def _failed(table: RedactionLog, filename: str, policy: Policy, header_recipe: bool,
            error: DicomOcrError) -> Redacted:
    log.debug("%s", error, exc_info=True)       # the caller reports each failure, once
    record = RedactionRecord(filename, "error", policy.value, header_recipe, error_cause=error.cause,
                             error_message=error.message)
    table.write(record)
    return Redacted(record, error=error)
