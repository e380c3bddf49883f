"""The Detector: the text regions of each plane, from the OCR passes asked for.

A :class:`Detector` loads its engines once and is reused for every plane of every file. Identical planes are read
once, on a cine the text found on one frame is confirmed cheaply on the next ones, and a line whose pixels did not
change is recognised once per file (:mod:`.reuse`).
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import cast

from ..engines import get_engine
from ..engines.base import LineEngine, OcrEngine, Word
from ..geometry import Box
from ..planes import Plane
from ..regions import Region, build_regions
from .lines import TURNED_MIN_CONFIDENCE, read_once_per_line
from .passes import DEFAULT_PASSES, Pass, spec_of
from .reuse import Fingerprint, PlaneMemory, RememberedReadings
from .stages import StageHook, reporting_to
from .variants import Variant, make_variants

log = logging.getLogger(__name__)


def _vertical_text(box: Box, word: Word) -> bool:
    """What a turned copy is for: confident text running up or down the plane (two characters at least); the plain
    passes read horizontal text, and single marks read sideways are mostly texture."""
    return box.height >= box.width and len(word.text.strip()) >= 2 and word.confidence >= TURNED_MIN_CONFIDENCE


def _words_on_plane(words: Iterable[Word], variant: Variant, plane: Plane) -> list[Word]:
    """Words read on ``variant`` with their boxes in plane pixels (a turned copy keeps only vertical text)."""
    mapped = []
    for word in words:
        box = variant.to_plane(word.box, plane.rows, plane.columns)
        if box is not None and (not variant.rotated or _vertical_text(box, word)):
            mapped.append(Word(box, word.text, word.confidence))
    return mapped


class Detector:
    """Finds the text regions of planes with the given passes. Keeps per-pass timings and call counts, and the number
    of planes read (not blank, not reused).

    ``engine_options`` maps an engine name to the options its constructor takes (e.g. ``{"rapidocr": {"backend":
    "onnxruntime", "threads": 1}}``); ``on_stage`` hears the time of each stage of the line reading (:mod:`.stages`).
    """

    def __init__(self, passes: Sequence[Pass] = DEFAULT_PASSES,
                 engine_options: Mapping[str, Mapping] | None = None, on_stage: StageHook | None = None):
        self.passes = tuple(passes)
        self.on_stage = on_stage
        options = engine_options or {}
        self.engines: dict[str, OcrEngine] = {}
        for p in self.passes:
            if p.engine not in self.engines:
                self.engines[p.engine] = get_engine(p.engine, **options.get(p.engine, {}))
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.planes_read = 0

    @property
    def engine_label(self) -> str:
        """The engines and variants, as recorded with results."""
        return spec_of(self.passes)

    @property
    def engine_versions(self) -> str:
        return ",".join(f"{name} {engine.version}" for name, engine in self.engines.items())

    def _timed(self, key: str, read, *args):
        started = time.perf_counter()
        result = read(*args)
        self.seconds[key] += time.perf_counter() - started
        self.calls[key] += 1
        return result

    def _pass_words(self, p: Pass, plane: Plane, readings: Mapping[str, RememberedReadings],
                    notes: list[str]) -> list[Word]:
        engine = self.engines[p.engine]
        if p.once_per_line:
            return self._timed(p.spec, read_once_per_line, readings.get(p.engine, engine), plane, notes)
        words = []
        for variant in make_variants(plane, p.variants):
            read = self._timed(f"{p.engine}:{variant.name}", engine.read, variant.image)
            words += _words_on_plane(read, variant, plane)
        return words

    def detect(self, plane: Plane, readings: Mapping[str, RememberedReadings] | None = None,
               notes: list[str] | None = None) -> list[Region]:
        """The text regions of one plane (none for a blank plane), in plane pixel coordinates; ``readings`` (by
        engine name) recall the lines other planes of the same file showed; ``notes`` gets what was not read and why
        (the enlarged copy of a plane without a sign of small text)."""
        if plane.blank:
            return []
        self.planes_read += 1
        notes = [] if notes is None else notes
        with reporting_to(self.on_stage):
            word_lists = [(self.engines[p.engine].ocrengine, self._pass_words(p, plane, readings or {}, notes))
                          for p in self.passes]
        return build_regions(word_lists, plane.rows, plane.columns, image=plane.image)

    def detect_planes(self, planes: Iterable[Plane], moving: Sequence[Box] = (), memory: PlaneMemory | None = None,
                      notes: dict[tuple[int, int], list[str]] | None = None) -> Iterator[tuple[Plane, list[Region]]]:
        """Regions of each plane of one file, reading identical and unchanged cine planes only once; changes inside
        the ``moving`` areas of the image (its ultrasound regions) do not make a frame be read again. Pass a fresh
        ``memory`` to ask it, once every plane is done, for the static text some frames missed
        (:meth:`PlaneMemory.static_text`), and ``notes`` to learn, by ``(frame, overlay)``, what was not read on a
        plane read and why."""
        memory = PlaneMemory() if memory is None else memory
        readings = {p.engine: RememberedReadings(cast(LineEngine, self.engines[p.engine]))   # checked by parse_passes
                    for p in self.passes if p.once_per_line}
        for plane in planes:
            if plane.blank:
                yield plane, []
                continue
            seen = Fingerprint.of(plane, moving if plane.overlay == -1 else ())
            regions = memory.recall(seen)
            if regions is None:
                plane_notes: list[str] = []
                regions = memory.remember(seen, self.detect(plane, readings, plane_notes))
                if notes is not None and plane_notes:
                    notes[(plane.frame, plane.overlay)] = plane_notes
            yield plane, regions
