"""dicom_ocr: find text burned into DICOM pixel data, judge whether it identifies a person, and record it for review.

The API (:mod:`dicom_ocr.api`), imported on first use so that ``import dicom_ocr`` stays light:

- :func:`open_dicom` opens a file once (:class:`DicomFile`: header, frames, overlays, facts);
- :func:`scan_file` scans one file and returns a :class:`FileResult`, writing nothing;
- :func:`scan` scans many files into an audit DB; :func:`status`, :func:`report` and :func:`redact` work on one;
- :class:`ScanOptions` are the options of ``dicom_ocr scan``; :class:`ExitCode` the commands' exit statuses.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "open_dicom": "dicomfile", "DicomFile": "dicomfile",
    "scan_file": "api", "scan": "api", "status": "api", "report": "api", "redact": "api", "ScanOptions": "api",
    "FileResult": "results", "PlaneResult": "results", "FoundRegion": "results", "RegionKind": "results",
    "RuleRegion": "results", "ExitCode": "errors", "DicomOcrError": "errors",
}

__all__ = ["DicomFile", "DicomOcrError", "ExitCode", "FileResult", "FoundRegion", "PlaneResult", "RegionKind",
           "RuleRegion", "ScanOptions", "__version__", "open_dicom", "redact", "report", "scan", "scan_file", "status"]

if TYPE_CHECKING:
    from .api import ScanOptions, redact, report, scan, scan_file, status
    from .dicomfile import DicomFile, open_dicom
    from .errors import DicomOcrError, ExitCode
    from .results import FileResult, FoundRegion, PlaneResult, RegionKind, RuleRegion


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'dicom_ocr' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
