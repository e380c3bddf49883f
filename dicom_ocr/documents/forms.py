"""What a scan records on a document plane besides its OCR regions: the unread ink (default), the whole page, or
nothing (``scan --forms ink|whole|off``)."""
from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from pydicom.dataset import Dataset

from ..geometry import Box
from ..planes import Plane
from .ink import ink_regions
from .page import grey_of, is_document


class FormsMode(str, Enum):
    INK = "ink"       # a region around each group of ink no OCR region covers
    WHOLE = "whole"   # the whole page as one region (SMI's dicom_ocr --forms)
    OFF = "off"       # documents are scanned like any plane


def document_boxes(plane: Plane, ds: Dataset, read: Sequence[Box], mode: FormsMode) -> list[Box]:
    """The extra regions of ``plane`` (of the file whose header is ``ds``) that ``mode`` asks for; none unless the
    plane is a document. ``read``: the boxes of the plane's OCR regions."""
    if mode is FormsMode.OFF or not is_document(plane, ds):
        return []
    if mode is FormsMode.WHOLE:
        return [Box(0, 0, plane.columns - 1, plane.rows - 1)]
    return ink_regions(grey_of(plane), read)
