"""Typed errors: each names the file and the cause, so a batch can record it and go on; the exit statuses they lead
to."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """A command's exit status."""

    OK = 0
    FILES_FAILED = 1        # some file failed (the others are done), or the audit DB could not be used
    REFUSED = 2             # unusable options, paths or engines: refused before anything was written
    INTERRUPTED = 130       # Ctrl-C (128 + SIGINT): run the same command again to finish


class DicomOcrError(Exception):
    """Base of every error dicom_ocr raises on purpose. ``cause`` is a short machine-readable tag; a run where one
    was raised for a file ends with ``exit_code``."""

    cause = "error"
    exit_code = ExitCode.FILES_FAILED

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self):
        """Pickled as built (a worker process's error reaches the caller whole)."""
        return type(self), (self.path, self.message)


class NotDicomError(DicomOcrError):
    """Not a DICOM file at all (a zip archive, a text file): skipped, not failed, unless the run is strict."""

    cause = "not-dicom"


class MissingFileError(DicomOcrError):
    cause = "not-found"


class UnreadableFileError(DicomOcrError):
    """The file exists but cannot be read (permissions, a directory, an I/O error)."""

    cause = "unreadable"


class CorruptHeaderError(DicomOcrError):
    """A DICOM file whose header is damaged: an element cannot be decoded, or parsing stopped before the end."""

    cause = "corrupt-header"


class NoPixelDataError(DicomOcrError):
    cause = "no-pixel-data"


class UnsupportedTransferSyntaxError(DicomOcrError):
    cause = "unsupported-transfer-syntax"


class CorruptPixelDataError(DicomOcrError):
    cause = "corrupt-pixel-data"


class AbsurdDimensionsError(DicomOcrError):
    cause = "absurd-dimensions"


class RedactionError(DicomOcrError):
    cause = "redaction-failed"


class FileTimeoutError(DicomOcrError):
    """The file's scan or redacted copy took longer than the run's per-file limit (``--file-timeout``): recorded as
    failed, the batch goes on, and a later run retries it."""

    cause = "timeout"


class WorkerCrashedError(DicomOcrError):
    """The worker process died, or was stopped past the time limit (:func:`~dicom_ocr.time_limit.pool_item_limit`),
    while this file (or another one in flight) was being worked on; a later run retries it."""

    cause = "worker-crashed"


class EngineUnavailableError(Exception):
    """An OCR engine cannot run here: its package or its model files are missing. The message says how to get them."""

    exit_code = ExitCode.REFUSED
