"""Whether a plane is a page of paper (a scanned form, a letter, a printed report): pixels decide, cheaply.

A page is light and nearly uniform (paper), with a little dark ink in thin strokes, in several rows of the page, and
little colour. Ultrasound, CT, MR, X-ray, photographs and screen captures with dark backgrounds fail the first test
already. The header only rules out what an acquisition modality wrote (a light window of an inverted CT is not paper):
a document is stored as Modality OT, SC or DOC (or none), or says ConversionType SD (scanned document).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from pydicom.dataset import Dataset

from ..headers import modality_of
from ..planes import Plane, PlaneKind

LOOK_SIDE = 512          # the test looks at the plane reduced to this longer side
MIN_PAPER_LEVEL = 170    # the background (median grey) of a page is at least this light
MIN_PAPER_SHARE = 0.80   # and this share of the page lies within PAPER_SPREAD of it
PAPER_SPREAD = 40
INK_DROP = 60            # ink is this much darker than the paper under it
INK_SHARE = (0.0005, 0.25)
MIN_INK_BANDS = 2        # ink lies in at least this many separate horizontal bands (rows of text, fields)
MAX_COLOUR = 40          # mean chroma (max - min channel) of a page: paper is grey, ink mostly too
THICK_SIDE = 9           # ink is strokes: little of it survives an opening by a disc this wide (of LOOK_SIDE)
MAX_THICK_SHARE = 0.25
DOCUMENT_MODALITIES = ("OT", "SC", "DOC", "")   # or ConversionType SD (scanned document), whatever the modality


@dataclass(frozen=True)
class PageTest:
    """The measures the page test decides on (kept so benchmarks and tests can show why)."""

    paper_level: float
    paper_share: float
    ink_share: float
    ink_bands: int
    colour: float
    thick_share: float

    @property
    def is_page(self) -> bool:
        return (self.paper_level >= MIN_PAPER_LEVEL and self.paper_share >= MIN_PAPER_SHARE
                and INK_SHARE[0] <= self.ink_share <= INK_SHARE[1] and self.ink_bands >= MIN_INK_BANDS
                and self.colour <= MAX_COLOUR and self.thick_share <= MAX_THICK_SHARE)


def grey_of(plane: Plane) -> np.ndarray:
    """The plane as uint8 grey (luminance of a colour plane)."""
    image = plane.image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image


def _reduced(image: np.ndarray) -> np.ndarray:
    scale = LOOK_SIDE / max(image.shape[:2])
    if scale >= 1:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _bands(ink_rows: np.ndarray) -> int:
    """The number of runs of rows holding ink."""
    flags = np.concatenate([[0], ink_rows.astype(np.int8), [0]])
    return int(np.count_nonzero(np.diff(flags) == 1))


def page_test(plane: Plane) -> PageTest:
    """Measure ``plane`` (image planes only: an overlay is not paper)."""
    if plane.kind is not PlaneKind.IMAGE or plane.blank:
        return PageTest(0.0, 0.0, 0.0, 0, 0.0, 0.0)
    small = _reduced(plane.image)
    colour = float(np.mean(small.max(axis=2).astype(np.int16) - small.min(axis=2))) if small.ndim == 3 else 0.0
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) if small.ndim == 3 else small
    level = float(np.median(grey))
    values = grey.astype(np.int16)
    paper_share = float(np.mean(np.abs(values - level) <= PAPER_SPREAD))
    ink = values <= level - INK_DROP
    ink_rows = ink.mean(axis=1) > 0.002
    return PageTest(level, paper_share, float(ink.mean()), _bands(ink_rows), colour, _thick_share(ink))


def _thick_share(ink: np.ndarray) -> float:
    """The share of ink in blobs wider than a stroke (the dark parts of an inverted image, a photograph)."""
    count = int(np.count_nonzero(ink))
    if not count:
        return 0.0
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (THICK_SIDE, THICK_SIDE))
    return float(np.count_nonzero(cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, disc))) / count


def document_header(ds: Dataset) -> bool:
    """Whether the header allows a document: a document modality, or a scanned document whatever its modality."""
    return str(ds.get("ConversionType") or "").upper() == "SD" or \
        modality_of(ds) in DOCUMENT_MODALITIES


def is_document(plane: Plane, ds: Dataset) -> bool:
    """Whether ``plane`` of the file whose header is ``ds`` is a page of paper."""
    return document_header(ds) and page_test(plane).is_page
