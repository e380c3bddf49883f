"""Typed errors: each names the file and the cause, so a batch can record it and go on."""
from __future__ import annotations


class DicomOcrError(Exception):
    """Base of every error dicom_ocr raises on purpose. ``cause`` is a short machine-readable tag."""

    cause = "error"

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class NotDicomError(DicomOcrError):
    cause = "not-dicom"


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


class EngineUnavailableError(Exception):
    """An OCR engine cannot run here: its package or its model files are missing. The message says how to get them."""
