"""Reading a redacted copy again: the same detector as the scan (its engine spec, as recorded per file) and the same
PHI verdicts, judged against the header of the input (the copy's header may have been de-identified)."""
from __future__ import annotations

from dataclasses import dataclass

from ..detection import DEFAULT_PASSES, Detector, parse_passes
from ..phi import HeaderFacts, judge
from ..planes import iter_planes, read_header
from ..rules.ultrasound import moving_areas


@dataclass(frozen=True)
class Verification:
    """What was read in a copy: the text of each region found and how many were judged PHI."""

    texts: tuple[str, ...]
    phi: int

    @property
    def passed(self) -> bool:
        return self.phi == 0


class Verifier:
    """Detectors by engine spec, each loaded once."""

    def __init__(self) -> None:
        self._detectors: dict[str, Detector] = {}

    def detector(self, engine_spec: str) -> Detector:
        """The detector of ``engine_spec`` (``engine:variant+variant,...``; the default when empty); raises
        EngineUnavailableError when an engine cannot run here."""
        if engine_spec not in self._detectors:
            self._detectors[engine_spec] = Detector(parse_passes(engine_spec) if engine_spec else DEFAULT_PASSES)
        return self._detectors[engine_spec]

    def verify(self, copy: str, facts: HeaderFacts, engine_spec: str) -> Verification:
        """Every plane of ``copy`` read again, its regions judged with the input's ``facts``."""
        header = read_header(copy)
        planes = self.detector(engine_spec).detect_planes(iter_planes(copy, header=header),
                                                          moving=moving_areas(header))
        texts = [region.text for _, regions in planes for region in regions]
        return Verification(tuple(texts), sum(judge(text, facts).pii for text in texts))
