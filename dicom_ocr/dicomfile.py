"""One DICOM file opened once (:func:`open_dicom`): its header, and what every stage works out from it, each worked out
once and only when asked for.

The pixel data stays on disk until :meth:`DicomFile.planes` decodes it. Scan, verification, redaction, reports and
``frames`` take a :class:`DicomFile` instead of reading the file again.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from pydicom.dataset import Dataset
from pydicom.uid import UID

from .geometry import Box
from .headers import modality_of, text_value
from .phi import HeaderFacts
from .planes import (
    OverlaySpec,
    Plane,
    frames_per_overlay,
    iter_planes,
    number_of_frames,
    overlay_specs,
    read_header,
    transfer_syntax,
)
from .rules.ultrasound import clinical_areas, moving_areas

if TYPE_CHECKING:
    from .learned import Signature


@dataclass(frozen=True)
class FileTags:
    """Header values kept with a file's results: the CSV and JSON Lines exports repeat the first three on each row;
    the audit DB stores the scanner's (``modality``, ``model``), so reports need not read headers again."""

    imagetype: str = ""
    manufacturer: str = ""
    burnedinannotation: str = ""
    modality: str = ""
    model: str = ""

    @classmethod
    def from_dataset(cls, ds: Dataset) -> FileTags:
        return cls(text_value(ds, "ImageType"), str(ds.get("Manufacturer") or ""),
                   str(ds.get("BurnedInAnnotation") or ""), str(ds.get("Modality") or ""),
                   str(ds.get("ManufacturerModelName") or ""))


@dataclass(frozen=True, eq=False)
class DicomFile:
    """A DICOM file's header (pixel data left on disk) and the facts every stage needs from it."""

    path: str
    header: Dataset

    @cached_property
    def transfer_syntax(self) -> UID:
        return transfer_syntax(self.header)

    @cached_property
    def number_of_frames(self) -> int:
        return number_of_frames(self.header)

    @cached_property
    def overlays(self) -> list[OverlaySpec]:
        """The 60xx overlays, in OverlayData or in unused high bits of the pixel data."""
        return overlay_specs(self.header)

    @cached_property
    def frames_per_overlay(self) -> dict[int, int]:
        """Frame counts of the image (-1) and of each overlay."""
        return frames_per_overlay(self.header)

    @cached_property
    def modality(self) -> str:
        """Modality, upper case, "" when absent."""
        return modality_of(self.header)

    @cached_property
    def photometric(self) -> str:
        """PhotometricInterpretation, upper case; MONOCHROME2 when absent."""
        return str(self.header.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()

    @cached_property
    def facts(self) -> HeaderFacts:
        """The identifying values PHI verdicts match readings against."""
        return HeaderFacts.from_dataset(self.header)

    @cached_property
    def tags(self) -> FileTags:
        """The values exports repeat on each row."""
        return FileTags.from_dataset(self.header)

    @cached_property
    def signature(self) -> Signature:
        """dcmaudit's scanner signature (Modality, ImageType, Rows, Columns, model)."""
        from .learned import signature

        return signature(self.header)

    @cached_property
    def clinical_areas(self) -> list[Box]:
        """The ultrasound regions' areas (SequenceOfUltrasoundRegions)."""
        return clinical_areas(self.header)

    @cached_property
    def moving_areas(self) -> list[Box]:
        """The ultrasound regions that show the moving image (changes there do not make a cine frame new)."""
        return moving_areas(self.header)

    def planes(self, frames: Iterable[int] | None = None, overlays: bool = True) -> Iterator[Plane]:
        """The file's planes, decoded as they are asked for: image frames (``frames``: 0-based, all by default) with
        their bit overlays, then 60xx OverlayData frames (none with ``overlays=False``)."""
        return iter_planes(self.path, frames=frames, overlays=overlays, header=self.header)


def open_dicom(path: str | Path) -> DicomFile:
    """``path`` opened: its header read (pixel data left on disk), or the typed error that says why it cannot be
    (:func:`dicom_ocr.planes.read_header`)."""
    return DicomFile(str(path), read_header(path))
