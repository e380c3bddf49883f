"""Reading a redacted copy again: the scan's own per-file work (:class:`~dicom_ocr.scanner.Scanner`) with the detector the
scan used (its engine spec, as recorded per file), the verdicts judged against the header of the input (the copy's
header may have been de-identified)."""
from __future__ import annotations

from dataclasses import dataclass

from ..detection import DEFAULT_PASSES, Detector, parse_passes
from ..documents import FormsMode
from ..engines.options import EngineOptions
from ..errors import RedactionError
from ..phi import HeaderFacts
from ..scanner import Scanner
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
        """Every plane of ``copy`` read again as a scan reads it (rules and document ink aside: they name places,
        and a filled box is ink), its regions judged with the input's ``facts``. RedactionError when the copy cannot
        be read."""
        scanner = Scanner(self.detector(engine_spec), forms=FormsMode.OFF)
        result = scanner.scan_file(copy, facts=facts)
        if result.state != "done":
            raise RedactionError(copy, f"the copy cannot be read again: {result.error_message} [{result.error_cause}]")
        found = [(plane, region) for plane in result.planes for region in plane.regions]
        return Verification(tuple(region.text for _, region in found),
                            tuple(RedactBox(region.box, plane.frame, plane.overlay) for plane, region in found),
                            tuple(bool(region.phi) for _, region in found))
