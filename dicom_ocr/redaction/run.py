"""The redacted copies of a scan: one per file the scan finished, recorded in ``dicom_ocr_redactions``, made here or
in worker processes (``jobs``), and, if asked, read again to verify them.

Only the calling process reads the audit DB and writes the records, through its one store (workers never open the
DB). A run killed at any moment never leaves a partial copy under a target's name, and the next run skips the copies
already recorded (and verified, when verifying). When a file fails, no copy is left at its target (not an earlier one
either). A copy that fails verification stays, recorded as such, so that it can be looked at.

Verification closes the loop: text judged PHI found in a copy is text the scan missed (faint text beside a filled
line is read better once its neighbour is black), so the regions found there that the policy fills are filled too,
from the input again, and the copy read again, up to ``REFILL_ROUNDS`` times; what is still found then fails.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import logs
from ..dicomfile import open_dicom
from ..engines import engine_names
from ..engines.options import EngineOptions, one_thread_each
from ..errors import DicomOcrError, RedactionError, WorkerCrashedError
from ..pool import run_pool
from ..store import AuditDB, FileRecord, RedactionRecord
from ..time_limit import pool_item_limit, time_limit
from .copies import partial_path, redact_file, target_path
from .policy import Policy, RedactBox, boxes_digest, boxes_to_redact
from .verify import Verifier

log = logging.getLogger(__name__)

REFILL_ROUNDS = 2   # further fill-and-read rounds for a copy in which verification finds text judged PHI


@dataclass(frozen=True)
class Redacted:
    """The outcome for one file: its record, whether it was skipped as already done, the error if any."""

    record: RedactionRecord
    skipped: bool = False
    error: DicomOcrError | None = None


@dataclass(frozen=True)
class CopyTask:
    """One copy to make: what a worker needs (picklable)."""

    file: FileRecord
    boxes: tuple[RedactBox, ...]
    target: Path
    policy: Policy
    header_recipe: bool
    refill_rounds: int
    file_timeout: float | None


def redact_scan(db: AuditDB, out_dir: str | Path, files: Iterable[FileRecord], *,
                root: str | Path | None = None, policy: Policy = Policy.ALL_TEXT, header_recipe: bool = False,
                verifier: Verifier | None = None, refill_rounds: int = REFILL_ROUNDS,
                jobs: int = 1, file_timeout: float | None = None) -> Iterator[Redacted]:
    """Redacted copies of the scanned ``files`` under ``out_dir``, one result per file (in the order they finish),
    each recorded in ``dicom_ocr_redactions``; a file that fails is recorded and the others go on. With a
    ``verifier`` every copy is read again with the detector its scan used; where text judged PHI is found in it, the
    regions found that the policy fills are filled too and the copy read again, up to ``refill_rounds`` times (0:
    only check). With ``jobs`` > 1 the copies are made in that many worker processes, each with its own verifier
    (engines on one thread each). A copy not made and verified within ``file_timeout`` seconds fails with cause
    ``timeout`` (None: no limit; :mod:`dicom_ocr.time_limit`)."""
    db.redactions.create()
    work = _work(db, Path(out_dir), files, root, policy, header_recipe, verifier is not None, refill_rounds,
                 file_timeout)
    for outcome in _outcomes(work, verifier, jobs, pool_item_limit(file_timeout)):
        if not outcome.skipped:
            db.redactions.write(outcome.record)
            if outcome.error is None:
                log.info("%s: %d fills -> %s (%s)", outcome.record.filename, outcome.record.boxes,
                         outcome.record.target, outcome.record.syntax_out)
        yield outcome


def _work(db: AuditDB, out: Path, files: Iterable[FileRecord], root: str | Path | None, policy: Policy,
          header_recipe: bool, verifying: bool, refill_rounds: int,
          file_timeout: float | None) -> Iterator[CopyTask | Redacted]:
    """A task per file to copy; the outcome itself for files already done or without a place for their copy."""
    base = Path(root) if root is not None else None
    for file in files:
        try:
            target = target_path(file.filename, out, base)
        except DicomOcrError as error:
            yield _failed(file.filename, policy, header_recipe, error)
            continue
        boxes = boxes_to_redact(db, file.filename, policy)
        previous = db.redactions.get(file.filename)
        if previous is not None and _already_done(previous, target, policy, header_recipe, boxes_digest(boxes),
                                                  verifying):
            yield Redacted(previous, skipped=True)
            continue
        yield CopyTask(file, tuple(boxes), target, policy, header_recipe, refill_rounds, file_timeout)


def _outcomes(work: Iterator[CopyTask | Redacted], verifier: Verifier | None, jobs: int,
              item_limit: float | None) -> Iterator[Redacted]:
    """The outcome of each item of ``work``, made here or by ``jobs`` worker processes (stopped when one runs past
    ``item_limit`` seconds)."""
    if jobs <= 1:
        for item in work:
            yield item if isinstance(item, Redacted) else make_copy(item, verifier)
        return
    initargs = (verifier.engine_options if verifier is not None else None,
                logging.getLogger("dicom_ocr").getEffectiveLevel())
    for item, outcome in run_pool(work, _copy_in_worker, jobs, _init_worker, initargs, item_limit):
        if outcome is None:      # a worker died (a crash in a codec or OCR library): the pool is gone
            outcome = item if isinstance(item, Redacted) else _lost(item)
        yield outcome


def _lost(task: CopyTask) -> Redacted:
    """The outcome of a copy in flight when a worker died: failed, and whatever it wrote removed (it may have been
    written whole by a worker that lived, but was never verified or recorded)."""
    task.target.unlink(missing_ok=True)
    partial_path(task.target).unlink(missing_ok=True)
    name = task.file.filename
    error = WorkerCrashedError(name, "the worker process died, or was stopped past the time limit, while this copy "
                                     "(or another one in flight) was made")
    return _failed(name, task.policy, task.header_recipe, error)


_verifier: Verifier | None = None


def _init_worker(engine_options: EngineOptions | None, log_level: int) -> None:
    """A worker verifies (when given the verifier's ``engine_options``) with its engines on one thread each."""
    global _verifier
    logs.configure(log_level)
    _verifier = Verifier(one_thread_each(engine_options, engine_names())) if engine_options is not None else None


def _copy_in_worker(item: CopyTask | Redacted) -> Redacted:
    return item if isinstance(item, Redacted) else make_copy(item, _verifier)


def _already_done(previous: RedactionRecord, target: Path, policy: Policy, header_recipe: bool, digest: str,
                  verifying: bool) -> bool:
    """Whether the recorded copy is the one asked for now: same policy, header option, rects and place, still there,
    and verified when verifying."""
    return (previous.state == "done" and previous.policy == policy.value
            and previous.deid_header == header_recipe and previous.boxes_digest == digest
            and previous.target == str(target) and target.is_file() and (not verifying or previous.verified is True))


def make_copy(task: CopyTask, verifier: Verifier | None) -> Redacted:
    """The copy of one file written and, with a ``verifier``, verified (refilled as ``redact_scan`` says); its
    outcome, not yet recorded. On failure no copy is left at the target."""
    name, policy, header_recipe, target = task.file.filename, task.policy, task.header_recipe, task.target
    try:
        with time_limit(task.file_timeout, name):
            dicom = open_dicom(name)
            written = redact_file(dicom, task.boxes, target, policy=policy, header_recipe=header_recipe)
            check, refilled = None, []
            if verifier is not None:
                facts = dicom.facts
                check = verifier.verify(str(target), facts, task.file.engine)
                for _ in range(task.refill_rounds):
                    if check.passed or not (found := check.to_fill(policy)):
                        break
                    refilled += found        # text the scan missed, found in the copy: filled too, and read again
                    written = redact_file(dicom, [*task.boxes, *refilled], target, policy=policy,
                                          header_recipe=header_recipe)
                    check = verifier.verify(str(target), facts, task.file.engine)
        record = RedactionRecord(name, "done", policy.value, header_recipe, str(target), boxes=written.fills,
                                 boxes_digest=boxes_digest(list(task.boxes)),
                                 syntax_in=written.syntax_in.name, syntax_out=written.syntax_out.name,
                                 bytes_in=os.path.getsize(name), bytes_out=target.stat().st_size,
                                 burned_in_annotation=written.burned_in_annotation)
        if check is not None:
            record.verified, record.regions_left, record.phi_left = check.passed, len(check.texts), check.phi
            record.text_left, record.refilled = " | ".join(check.texts), len(refilled)
    except DicomOcrError as error:
        target.unlink(missing_ok=True)    # no copy but a recorded one: not an earlier one, nor one left unverified
        return _failed(name, policy, header_recipe, error)
    except Exception as error:  # noqa: BLE001 - pydicom and its plugins raise many types; the batch goes on
        target.unlink(missing_ok=True)
        return _failed(name, policy, header_recipe, RedactionError(name, f"{type(error).__name__}: {error}"))
    return Redacted(record)


def _failed(filename: str, policy: Policy, header_recipe: bool, error: DicomOcrError) -> Redacted:
    log.debug("%s", error, exc_info=True)       # the caller reports each failure, once
    record = RedactionRecord(filename, "error", policy.value, header_recipe, error_cause=error.cause,
                             error_message=error.message)
    return Redacted(record, error=error)
