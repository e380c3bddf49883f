"""Reading each text once: identical planes and cine frames whose burned-in text did not change reuse earlier regions.

Scanners draw text at the top of the plane's range. A frame whose top-of-range pixels match (within one pixel) those
of the last frame that was read keeps that frame's regions; areas where the image itself moves (ultrasound regions the
header declares: tissue, M-mode, Doppler, ECG) are left out of that comparison. A frame where they changed (a clock
ticking, a new label) is read again, and the earlier regions whose text is still there are kept beside its own (a
field read again keeps its new text, over both boxes: ``regions.supersede``): a flicker in OCR never loses text.

Text is found on some frames of a cine and missed on others (OCR flickers on small glyphs such as depth-scale
digits). Once every frame has been seen, :meth:`PlaneMemory.static_text` gives each frame the regions found on other
frames of its stream, where it has none, whose top-of-range pixels it shows too (for text drawn below the top of the
range, grey or coloured, whose ink it shows as it was): static text is covered on every frame that shows it.

On a frame that is read again, the lines whose pixels did not change (text on the black border of an ultrasound cine
while the image moves) are not recognised again: :class:`RememberedReadings` keeps, per file, the reading of every line
crop recognised (half of the crops of the corpus's three cines that are read on many frames are repeats).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..engines.base import Detection, LineEngine
from ..geometry import Box
from ..planes import Plane
from ..regions import Region, supersede
from .variants import grey

TOP_LEVEL = 249           # 8-bit renderings put the top of the range at 255
INK_LEVEL = 128           # text drawn below the top of the range (grey or coloured labels) is told by its pixels from
                          # this level
MAX_CHANGED_PIXELS = 12   # top pixels that may appear or vanish (compression noise) before a frame is read again
STILL_THERE = 0.6         # share of an old region's top pixels still present for it to be kept after a re-read


@dataclass(frozen=True)
class Fingerprint:
    """What is compared between planes: the exact pixels (digest), the top-of-range pixels (mask) and the pixels at
    ``INK_LEVEL`` and above (ink)."""

    overlay: int
    digest: bytes
    mask: np.ndarray
    frame: int
    ink: np.ndarray

    @classmethod
    def of(cls, plane: Plane, moving: Sequence[Box] = ()) -> Fingerprint:
        """The fingerprint of ``plane``; pixels inside the ``moving`` areas (where the image itself moves, e.g. an
        ultrasound sector's bright speckle) are left out of the comparison."""
        ground = grey(plane)
        mask, ink = (ground >= TOP_LEVEL).astype(np.uint8), (ground >= INK_LEVEL).astype(np.uint8)
        for box in moving:
            for pixels in (mask, ink):
                pixels[max(box.top, 0):box.bottom + 1, max(box.left, 0):box.right + 1] = 0
        return cls(plane.overlay, _digest(plane), mask, plane.frame, ink)


@dataclass(frozen=True)
class _Frame:
    """One plane of a stream as the memory saw it: its top-of-range pixels and its ink (bit-packed), and the regions
    it got."""

    frame: int
    packed: np.ndarray
    packed_ink: np.ndarray
    shape: tuple[int, int]
    regions: list[Region]

    def mask(self) -> np.ndarray:
        return self._unpacked(self.packed)

    def ink(self) -> np.ndarray:
        return self._unpacked(self.packed_ink)

    def _unpacked(self, packed: np.ndarray) -> np.ndarray:
        return np.unpackbits(packed, count=self.shape[0] * self.shape[1]).reshape(self.shape)


class PlaneMemory:
    """Remembers, per overlay stream of one file, the last plane read and its regions, and what every plane showed
    (for :meth:`static_text`)."""

    def __init__(self) -> None:
        self._by_digest: dict[bytes, list[Region]] = {}
        self._last: dict[int, tuple[np.ndarray, list[Region]]] = {}
        self._frames: dict[int, list[_Frame]] = {}

    def recall(self, seen: Fingerprint) -> list[Region] | None:
        """Regions for the plane ``seen`` from an earlier plane, or None when it must be read."""
        regions = self._by_digest.get(seen.digest)
        last = self._last.get(seen.overlay)
        if regions is None and last is not None and seen.mask.shape == last[0].shape \
                and _changed_pixels(last[0], seen.mask) <= MAX_CHANGED_PIXELS:
            regions = last[1]
        if regions is not None:
            self._note(seen, regions)
        return regions

    def remember(self, seen: Fingerprint, regions: list[Region]) -> list[Region]:
        """Store the regions just read for the plane ``seen`` (plus earlier ones whose text is still there); return
        them all."""
        last = self._last.get(seen.overlay)
        if last is not None and last[0].shape == seen.mask.shape:
            regions = supersede(regions, [r for r in last[1] if _still_there(r, last[0], seen.mask)])
        self._by_digest[seen.digest] = regions
        self._last[seen.overlay] = (seen.mask, regions)
        self._note(seen, regions)
        return regions

    def _note(self, seen: Fingerprint, regions: list[Region]) -> None:
        self._frames.setdefault(seen.overlay, []).append(
            _Frame(seen.frame, np.packbits(seen.mask, axis=None), np.packbits(seen.ink, axis=None), seen.mask.shape,
                   regions))

    def static_text(self) -> dict[tuple[int, int], list[Region]]:
        """The regions of each ``(frame, overlay)`` plane that gains text found on other frames of its stream: a region
        where the plane has none, whose top-of-range pixels it shows as well (``STILL_THERE`` of them, within a
        pixel); for a region with no top-of-range pixels (grey or coloured text), whose ink it shows as it was, with
        little more (:func:`_same_ink`). Planes that gain nothing are left out."""
        gained = {}
        for overlay, frames in self._frames.items():
            if len(frames) < 2 or len({frame.shape for frame in frames}) > 1:
                continue
            found = _distinct_with_pixels(frames)
            for frame in frames:
                mask = cv2.dilate(frame.mask(), np.ones((3, 3), np.uint8))   # frames drawn a pixel apart match
                ink = frame.ink()
                regions = list(frame.regions)
                for region, pixels, region_ink in found:
                    if not any(region.box.intersection(r.box) for r in regions) \
                            and (_shown(region, pixels, mask) if pixels.any() else _same_ink(region, region_ink, ink)):
                        regions.append(region)
                if len(regions) > len(frame.regions):
                    gained[(frame.frame, overlay)] = sorted(regions, key=_reading_order)
        return gained


def _digest(plane: Plane) -> bytes:
    return hashlib.blake2b(plane.image.tobytes(), digest_size=16).digest() + bytes(str(plane.image.shape), "ascii")


def _changed_pixels(before: np.ndarray, after: np.ndarray) -> int:
    kernel = np.ones((3, 3), np.uint8)
    appeared = after & (1 - cv2.dilate(before, kernel))
    vanished = before & (1 - cv2.dilate(after, kernel))
    return int(appeared.sum() + vanished.sum())


def _reading_order(region: Region) -> tuple[int, int]:
    return region.box.top, region.box.left


def _distinct_with_pixels(frames: Sequence[_Frame]) -> list[tuple[Region, np.ndarray, np.ndarray]]:
    """Every distinct region (box and text) of a stream, largest first, with the top-of-range pixels and the ink of
    its box on the first frame it was found on."""
    found: dict[tuple[Box, str], tuple[Region, np.ndarray, np.ndarray]] = {}
    for frame in frames:
        fresh = [r for r in frame.regions if (r.box, r.text) not in found]
        if fresh:
            mask, ink = frame.mask(), frame.ink()
            for r in fresh:
                b = r.box
                found[(b, r.text)] = (r, mask[b.top:b.bottom + 1, b.left:b.right + 1].copy(),
                                      ink[b.top:b.bottom + 1, b.left:b.right + 1].copy())
    return sorted(found.values(), key=lambda item: -item[0].box.area)   # the fullest read of a spot first


def _shown(region: Region, pixels: np.ndarray, mask: np.ndarray) -> bool:
    """Whether ``mask`` shows ``STILL_THERE`` of the top-of-range ``pixels`` a region had where it was found."""
    b = region.box
    return int((pixels & mask[b.top:b.bottom + 1, b.left:b.right + 1]).sum()) >= STILL_THERE * int(pixels.sum())


def _same_ink(region: Region, pixels: np.ndarray, ink: np.ndarray) -> bool:
    """Whether ``ink`` shows, in ``region``'s box, ``STILL_THERE`` of the ink ``pixels`` it had where it was found,
    and has little more: ``STILL_THERE`` of its own ink there lies on the region's (both within a pixel). Anatomy that
    moves under a box fails one way or the other."""
    b = region.box
    here = ink[b.top:b.bottom + 1, b.left:b.right + 1]
    if not pixels.any() or not here.any():
        return False
    kernel = np.ones((3, 3), np.uint8)
    kept = int((pixels & cv2.dilate(here, kernel)).sum()) >= STILL_THERE * int(pixels.sum())
    added = int((here & cv2.dilate(pixels, kernel)).sum()) >= STILL_THERE * int(here.sum())
    return kept and added


def _still_there(region: Region, before: np.ndarray, after: np.ndarray) -> bool:
    b = region.box
    old = before[b.top:b.bottom + 1, b.left:b.right + 1]
    new = after[b.top:b.bottom + 1, b.left:b.right + 1]
    total = int(old.sum())
    return total == 0 or int((old & new).sum()) >= STILL_THERE * total   # no top pixels: cannot tell, keep it


@dataclass
class RememberedReadings:
    """A line engine that recognises each distinct line crop once: the readings of crops seen before (same pixels,
    same shape) are recalled, the others recognised together in one call. Made for one file, so that what it keeps
    stays small; ``repeats`` counts the crops recalled."""

    engine: LineEngine
    readings: dict[bytes, tuple[str, float]] = field(default_factory=dict)
    repeats: int = 0

    def detect(self, image: np.ndarray) -> list[Detection]:
        return self.engine.detect(image)

    def crop(self, image: np.ndarray, quad: np.ndarray) -> np.ndarray:
        return self.engine.crop(image, quad)

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        keys = [_crop_key(crop) for crop in crops]
        new = {key: crop for key, crop in zip(keys, crops) if key not in self.readings}
        self.repeats += len(keys) - len(new)
        self.readings.update(zip(new, self.engine.recognise(list(new.values()))))
        return [self.readings[key] for key in keys]


def _crop_key(crop: np.ndarray) -> bytes:
    return hashlib.blake2b(crop.tobytes(), digest_size=16).digest() + bytes(str(crop.shape), "ascii")
