"""Redaction policies: which rectangles of a file are filled.

Every policy fills the rule regions and the rectangles reviewers drew in dcmaudit; they differ in the text read:

- ``all-text`` (the default): every text region found, whatever its verdict. Fail-safe: a PHI line the verdicts
  missed is filled too.
- ``keep-technical``: text regions this tool judged not PHI (``nerpii`` 0) stay readable; for users who accept that a
  line wrongly judged technical is released.
- ``outside-ultrasound-regions``: as ``all-text``, plus everything outside the SequenceOfUltrasoundRegions the header
  declares, by deid's ultrasound recipe (Modality US only; an ultrasound file that declares none is blanked whole).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import Enum
from functools import cache

from pydicom.dataset import Dataset

from ..geometry import Box
from ..rules import RuleSet, rule_regions, ultrasound_recipe
from ..store import AuditDB


class Policy(str, Enum):
    ALL_TEXT = "all-text"
    KEEP_TECHNICAL = "keep-technical"
    OUTSIDE_ULTRASOUND_REGIONS = "outside-ultrasound-regions"

    @property
    def removes_all_text(self) -> bool:
        """Whether every text region found is filled (what lets a copy say BurnedInAnnotation NO)."""
        return self is not Policy.KEEP_TECHNICAL


@dataclass(frozen=True)
class RedactBox:
    """A rectangle to fill: plane box, ``frame`` (-1: every frame) and ``overlay`` (-1: image pixels)."""

    box: Box
    frame: int
    overlay: int


def boxes_to_redact(db: AuditDB, filename: str, policy: Policy = Policy.ALL_TEXT) -> list[RedactBox]:
    """The rects of ``filename`` in the audit DB that ``policy`` fills (summary rows are not rectangles).

    Only our own rows judged not PHI are ever left out (``keep-technical``); a row a reviewer wrote or changed is
    always filled."""
    spare = policy is Policy.KEEP_TECHNICAL
    return [RedactBox(box, frame, overlay) for box, frame, overlay in db.rects.boxes(filename, spare_technical=spare)]


@cache
def _ultrasound_rules() -> RuleSet:
    return RuleSet((ultrasound_recipe(),))


def header_boxes(ds: Dataset, policy: Policy) -> list[RedactBox]:
    """The rectangles the policy adds from the file's own header (deid's ultrasound recipe), on every frame."""
    if policy is not Policy.OUTSIDE_ULTRASOUND_REGIONS:
        return []
    return [RedactBox(region.box, -1, -1) for region in rule_regions(ds, _ultrasound_rules())]


def boxes_digest(boxes: list[RedactBox]) -> str:
    """A digest of a file's rects, whatever their order: a copy is up to date while it does not change."""
    rows = sorted((rb.box.left, rb.box.top, rb.box.right, rb.box.bottom, rb.frame, rb.overlay) for rb in boxes)
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
