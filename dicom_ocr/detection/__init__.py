"""The text-finding stage: planes in, text regions out.

- :mod:`.variants`: OpenCV preprocessing, the variants of a plane engines read (and how their boxes map back);
- :mod:`.passes`: what to run, parsed from ``--ocr`` specs and checked up front;
- :mod:`.lines`: one recognition per line (detection at two scales, boxes united, each line recognised once);
- :mod:`.reuse`: identical planes and unchanged cine frames read once;
- :mod:`.detector`: the :class:`Detector` that runs the passes on each plane and builds regions.
"""
from __future__ import annotations

from .detector import Detector
from .passes import DEFAULT_PASSES, DEFAULT_SPEC, PREVIOUS_DEFAULT_SPEC, OcrSpecError, Pass, parse_passes, spec_of

__all__ = ["DEFAULT_PASSES", "DEFAULT_SPEC", "PREVIOUS_DEFAULT_SPEC", "Detector", "OcrSpecError", "Pass",
           "parse_passes", "spec_of"]
