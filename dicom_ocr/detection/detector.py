"""Text detection on planes: preprocessing variants x OCR engines -> word boxes -> line regions.

A :class:`Detector` loads its engines once and is reused for every plane of every file. Identical planes are read
once, and on a cine the text found on one frame is confirmed cheaply on the next ones (see :mod:`dicom_ocr.reuse`).
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .engines import get_engine
from .engines.base import OcrEngine, Word
from .geometry import Box
from .planes import Plane
from .preprocess import make_variants
from .regions import Region, build_regions
from .reuse import Fingerprint, PlaneMemory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pass:
    """One engine run over some preprocessing variants of each plane."""

    engine: str
    variants: tuple[str, ...]


DEFAULT_PASSES = (Pass("rapidocr", ("plain", "x2", "rot90")),)


TURNED_MIN_CONFIDENCE = 0.7   # texture read sideways scores about 0.5; real vertical labels 0.9 and more


def _vertical_text(box: Box, word: Word) -> bool:
    """What a turned copy is for: confident text running up or down the plane (two characters at least); the plain
    passes read horizontal text, and single marks read sideways are mostly texture."""
    return box.height >= box.width and len(word.text.strip()) >= 2 and word.confidence >= TURNED_MIN_CONFIDENCE


def parse_passes(spec: str) -> tuple[Pass, ...]:
    """Passes from ``engine:variant+variant,engine:variant``; an engine alone takes the default variants."""
    defaults = {p.engine: p.variants for p in DEFAULT_PASSES}
    passes = []
    for part in filter(None, (s.strip() for s in spec.split(","))):
        engine, _, variants = part.partition(":")
        chosen = tuple(v for v in variants.split("+") if v) or defaults.get(engine, ("plain",))
        passes.append(Pass(engine.strip(), chosen))
    if not passes:
        raise ValueError("no OCR engine given")
    return tuple(passes)


class Detector:
    """Finds the text regions of planes with the given passes. Keeps per-(engine, variant) timings."""

    def __init__(self, passes: Sequence[Pass] = DEFAULT_PASSES,
                 engine_options: Mapping[str, Mapping] | None = None):
        self.passes = tuple(passes)
        options = engine_options or {}
        self.engines: dict[str, OcrEngine] = {}
        for p in self.passes:
            if p.engine not in self.engines:
                self.engines[p.engine] = get_engine(p.engine, **options.get(p.engine, {}))
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    @property
    def engine_label(self) -> str:
        """The engines and variants, as recorded with results."""
        return ",".join(f"{p.engine}:{'+'.join(p.variants)}" for p in self.passes)

    @property
    def engine_versions(self) -> str:
        return ",".join(f"{name} {engine.version}" for name, engine in self.engines.items())

    def detect(self, plane: Plane) -> list[Region]:
        """The text regions of one plane (none for a blank plane), in plane pixel coordinates."""
        if plane.blank:
            return []
        word_lists: list[tuple[int, list[Word]]] = []
        for p in self.passes:
            engine = self.engines[p.engine]
            for variant in make_variants(plane, p.variants):
                started = time.perf_counter()
                words = engine.read(variant.image)
                key = f"{p.engine}:{variant.name}"
                self.seconds[key] += time.perf_counter() - started
                self.calls[key] += 1
                mapped = []
                for word in words:
                    box = variant.to_plane(word.box, plane.rows, plane.columns)
                    if box is not None and (not variant.rotated or _vertical_text(box, word)):
                        mapped.append(Word(box, word.text, word.confidence))
                word_lists.append((engine.ocrengine, mapped))
        return build_regions(word_lists, plane.rows, plane.columns)

    def detect_planes(self, planes: Iterable[Plane], moving: Sequence[Box] = ()) -> Iterator[tuple[Plane, list[Region]]]:
        """Regions of each plane of one file, reading identical and unchanged cine planes only once; changes inside
        the ``moving`` areas of the image (its ultrasound regions) do not make a frame be read again."""
        memory = PlaneMemory()
        for plane in planes:
            if plane.blank:
                yield plane, []
                continue
            seen = Fingerprint.of(plane, moving if plane.overlay == -1 else ())
            regions = memory.recall(seen)
            if regions is None:
                regions = memory.remember(seen, self.detect(plane))
            yield plane, regions
