"""Reading a redacted copy again: the same detector as the scan (its engine spec, as recorded per file) and the same
PHI verdicts, judged against the header of the input (the copy's header may have been de-identified)."""
from __future__ import annotations

from dataclasses import dataclass

from ..detection import DEFAULT_PASSES, Detector, parse_passes
from ..detection.reuse import PlaneMemory
from ..engines.options import EngineOptions
from ..phi import HeaderFacts, judge
from ..planes import iter_planes, read_header
from ..rules.ultrasound import moving_areas
from .policy import Policy, RedactBox


@dataclass(frozen=True)
class Verification:
    """What was read in a copy: each region found (its text, where it is, whether it was judged PHI)."""

    texts: tuple[str, ...]
    places: tuple[RedactBox, ...]
    judged_phi: tuple[bool, ...]

    @property
    def phi(self) -> int:
        return sum(self.judged_phi)

    @property
    def passed(self) -> bool:
        return self.phi == 0

    def to_fill(self, policy: Policy) -> list[RedactBox]:
        """The regions found that ``policy`` fills: all of them, or those judged PHI under ``keep-technical``."""
        return [place for place, phi in zip(self.places, self.judged_phi) if phi or policy.removes_all_text]


class Verifier:
    """Detectors by engine spec, each loaded once, their engines built with ``engine_options`` (as
    :class:`~dicom_ocr.detection.Detector` takes them)."""

    def __init__(self, engine_options: EngineOptions | None = None) -> None:
        self._detectors: dict[str, Detector] = {}
        self.engine_options: EngineOptions = engine_options or {}

    def detector(self, engine_spec: str) -> Detector:
        """The detector of ``engine_spec`` (``engine:variant+variant,...``; the default when empty); raises
        EngineUnavailableError when an engine cannot run here."""
        if engine_spec not in self._detectors:
            passes = parse_passes(engine_spec) if engine_spec else DEFAULT_PASSES
            self._detectors[engine_spec] = Detector(passes, self.engine_options)
        return self._detectors[engine_spec]

    def verify(self, copy: str, facts: HeaderFacts, engine_spec: str) -> Verification:
        """Every plane of ``copy`` read again, its regions judged with the input's ``facts``."""
        header = read_header(copy)
        memory = PlaneMemory()
        planes = [(plane.frame, plane.overlay, regions) for plane, regions in self.detector(engine_spec).detect_planes(
            iter_planes(copy, header=header), moving=moving_areas(header), memory=memory)]
        static = memory.static_text()          # as a scan does: text found on one cine frame, on every frame showing it
        found = [(frame, overlay, region) for frame, overlay, regions in planes
                 for region in static.get((frame, overlay), regions)]
        return Verification(tuple(region.text for *_, region in found),
                            tuple(RedactBox(region.box, frame, overlay) for frame, overlay, region in found),
                            tuple(judge(region.text, facts).pii for *_, region in found))
