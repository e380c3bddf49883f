"""dicom_ocr: find text burned into DICOM pixel data, judge whether it identifies a person, and record it for review."""

__version__ = "0.1.0"
