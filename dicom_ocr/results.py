"""What a scan finds in one file, as the domain sees it: regions with their box, text, verdict and reason, per plane.

The audit DB's rows (:mod:`dicom_ocr.rows`) are made from these; so are the Python API's results.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from .dicomfile import FileTags
from .geometry import Box


class RegionKind(str, Enum):
    """Where a region comes from: text OCR read, ink on a document page no OCR read, a whole document page, a lead
    marker on a radiograph (found by its shape), or a rule (a recipe, a CTP script, the ultrasound regions, what
    reviewers drew), which names an area without reading it."""

    TEXT = "text"
    INK = "ink"
    MARKER = "marker"
    PAGE = "scanned-form"
    RULE = "rule"


@dataclass(frozen=True)
class FoundRegion:
    """One region: ``phi`` is the verdict (None for a rule region, which is not judged), ``source`` the engine or
    rule that named it, ``ocrengine`` its number in the audit DB."""

    box: Box
    kind: RegionKind
    text: str
    phi: bool | None
    reason: str
    source: str
    ocrengine: int
    confidence: float | None = None


@dataclass(frozen=True)
class PlaneResult:
    """The regions found on one plane's pixels (``overlay`` -1: image pixels; n: group 0x6000 + 2n), and what was
    not read on it."""

    frame: int
    overlay: int
    regions: tuple[FoundRegion, ...] = ()
    notes: tuple[str, ...] = ()       # what was not read on the plane, and why (the enlarged copy of a plane
                                      # without a sign of small text)


@dataclass(frozen=True)
class RuleRegion:
    """A region a rule names on one frame (of the image, ``overlay`` -1, or of an overlay)."""

    frame: int
    overlay: int
    region: FoundRegion


@dataclass(frozen=True)
class FileResult:
    """One file scanned: ``state`` done, error (``error_cause`` and ``error_message`` say why), skipped (not
    DICOM) or not-read (header triage left it unread: not a failure; the cause and message say which rule);
    ``planes`` every plane read and ``rules`` the regions rules name (a failed file keeps neither, but counts the
    planes it read in ``planes_read``)."""

    filename: str
    state: str
    planes: tuple[PlaneResult, ...] = ()
    rules: tuple[RuleRegion, ...] = ()
    planes_read: int = 0
    error_cause: str | None = None
    error_message: str | None = None
    tags: FileTags = field(default_factory=FileTags)
    engine: str = ""
    engine_versions: str = ""
    seconds_total: float = 0.0
    seconds_ocr: float = 0.0

    @classmethod
    def failed(cls, filename: str, cause: str, message: str, **details) -> FileResult:
        return cls(filename, "error", error_cause=cause, error_message=message, **details)

    def found(self) -> Iterator[FoundRegion]:
        """Every region found on the pixels, plane by plane."""
        return (region for plane in self.planes for region in plane.regions)

    @property
    def has_phi(self) -> bool | None:
        """Whether a region found on the pixels was judged PHI (None unless the file is done)."""
        if self.state != "done":
            return None
        return any(region.phi for region in self.found())
