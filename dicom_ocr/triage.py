"""Header triage (``scan --triage header``, off by default): files whose header makes burned-in text unlikely are
recorded as not read (state ``not-read``, cause ``header-triage``) instead of going through OCR.

A file is left unread only when every rule below holds; the first rule that fails sends it to OCR as usual:

1. Modality is CT, MR, PT or NM: cross-sectional acquisitions, whose pixels are the reconstruction itself.
   Projection radiography, ultrasound, endoscopy, documents and captures (US, CR, DX, XA, SC, OT, ...) are read.
2. ImageType starts ORIGINAL\\PRIMARY (its first two values): an image straight from the acquisition
   (PS3.3 C.7.6.1.1.2). DERIVED or SECONDARY there, or missing values, send the file to OCR.
3. No value of ImageType is a capture or derivation marker (SECONDARY, DERIVED, SCREEN SAVE: GE's dose and protocol
   screens, SCREENSHOT) nor LOCALIZER (CT's defined term for a scout or topogram, PS3.3 C.8.2.1.1.1): localizers
   with burned-in text were the triaged files holding text in the JSL and Presidio ground truths, and there are only
   one or two per series.
4. BurnedInAnnotation (0028,0301) is not YES: a header that declares burned-in text is believed.
5. The SOP Class (SOPClassUID, else the file meta's MediaStorageSOPClassUID) is not a Secondary Capture: Secondary
   Capture Image Storage 1.2.840.10008.5.1.4.1.1.7 and its multi-frame classes 1.2.840.10008.5.1.4.1.1.7.x.
6. ConversionType (0008,0064) is absent: it is present on Secondary Capture images only (digitized film or video, a
   workstation capture, a scanned document, a synthetic image).
7. SeriesDescription, ImageComments and DerivationDescription hold no word of a dose report, screen capture or report
   (:data:`REPORT_WORDS`, matched as whole words, case-insensitively; ``_`` and other punctuation separate words).

Everything else is read as without triage.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .dicomfile import DicomFile
from .headers import text_value

POLICIES = ("header",)                # scan --triage's choices
CAUSE = "header-triage"               # the error_cause of a file left unread
MODALITIES = ("CT", "MR", "PT", "NM")
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
READ_MARKS = frozenset({"SECONDARY", "DERIVED", "SCREEN SAVE", "SCREENSHOT", "LOCALIZER"})   # rule 3
DESCRIPTIONS = ("SeriesDescription", "ImageComments", "DerivationDescription")
REPORT_WORDS = frozenset({
    "DOSE", "DLP", "CTDI", "CTDIVOL", "REPORT", "REPORTS", "SUMMARY", "PROTOCOL", "SCREEN", "SCREENS", "SCREENSHOT",
    "SCREENSAVE", "CAPTURE", "CAPTURED", "SNAPSHOT", "SAVE", "SC", "EXAM INFO"})
UNLIKELY = ("Modality {modality}, ImageType ORIGINAL\\PRIMARY, no burned-in annotation declared, no secondary capture, "
            "localizer or report marker: burned-in text unlikely (--triage header)")


@dataclass(frozen=True)
class Decision:
    """Whether a file is read, and why: the rule that sent it to OCR, or the rule that left it unread."""

    read: bool
    reason: str


def header_triage(dicom: DicomFile) -> Decision:
    """The module's policy applied to ``dicom``'s header."""
    for rule in RULES:
        reason = rule(dicom)
        if reason is not None:
            return Decision(True, reason)
    return Decision(False, UNLIKELY.format(modality=dicom.modality))


def _modality(dicom: DicomFile) -> str | None:
    if dicom.modality in MODALITIES:
        return None
    return f"Modality {dicom.modality or '(none)'} is not one of {', '.join(MODALITIES)}"


def _image_type(dicom: DicomFile) -> str | None:
    values = [value.strip().upper() for value in text_value(dicom.header, "ImageType").split("\\")]
    if values[:2] != ["ORIGINAL", "PRIMARY"]:
        shown = "\\".join(values) or "(none)"
        return f"ImageType {shown} does not start ORIGINAL\\PRIMARY"
    marks = sorted(READ_MARKS.intersection(values))
    return f"ImageType has {', '.join(marks)}" if marks else None


def _burned_in(dicom: DicomFile) -> str | None:
    declared = str(dicom.header.get("BurnedInAnnotation") or "").strip().upper()
    return "BurnedInAnnotation is YES" if declared == "YES" else None


def _sop_class(dicom: DicomFile) -> str | None:
    meta = getattr(dicom.header, "file_meta", None)
    uid = str(dicom.header.get("SOPClassUID") or (meta.get("MediaStorageSOPClassUID") if meta else "") or "")
    if uid == SECONDARY_CAPTURE or uid.startswith(SECONDARY_CAPTURE + "."):
        return f"SOP Class {uid} is a Secondary Capture"
    return None


def _conversion(dicom: DicomFile) -> str | None:
    conversion = text_value(dicom.header, "ConversionType").strip()
    return f"ConversionType {conversion} (a secondary capture)" if conversion else None


def _descriptions(dicom: DicomFile) -> str | None:
    for keyword in DESCRIPTIONS:
        words = report_words(text_value(dicom.header, keyword))
        if words:
            return f"{keyword} has {', '.join(words)}"
    return None


def report_words(text: str) -> list[str]:
    """The :data:`REPORT_WORDS` in ``text``, single words and two-word phrases, in order."""
    words = re.findall(r"[A-Z0-9]+", text.upper())
    phrases = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    return list(dict.fromkeys(phrase for phrase in phrases if phrase in REPORT_WORDS))


RULES: tuple[Callable[[DicomFile], str | None], ...] = (
    _modality, _image_type, _burned_in, _sop_class, _conversion, _descriptions)
