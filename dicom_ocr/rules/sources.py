"""Rule libraries and ultrasound regions as region sources (:class:`dicom_ocr.sources.RegionSource`).

Sources hold only parsed rules (plain dataclasses), so they pickle and can be shipped to worker processes.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydicom.dataset import Dataset

from ..geometry import Box
from ..sources import OCRENGINE_CTP_RULE, OCRENGINE_DEID_RULE, OCRENGINE_ULTRASOUND_REGIONS, RegionSource, SourceRegion
from .apply import RuleRegion, RuleSet, load_rules, rule_regions
from .ultrasound import SEQUENCE, clinical_areas, subtract_all

ULTRASOUND_LABEL = "outside:SequenceOfUltrasoundRegions"


class RecipeSource:
    """Regions from deid recipes (ocrengine 50) and CTP scripts (51); label ``<rule file name>:<LABEL>``."""

    name = "rules"

    def __init__(self, rules: RuleSet):
        self.rules = rules

    def regions(self, ds: Dataset) -> list[SourceRegion]:
        return [_source_region(r) for r in rule_regions(ds, self.rules)]


def _source_region(region: RuleRegion) -> SourceRegion:
    kind, _, file_name = region.source.partition(":")
    engine = OCRENGINE_CTP_RULE if kind == "ctp" else OCRENGINE_DEID_RULE
    return SourceRegion(region.box, region.frame, region.overlay, engine, f"{file_name}:{region.label}")


class UltrasoundSource:
    """The image area outside every clinical region of SequenceOfUltrasoundRegions (ocrengine 4, every frame)."""

    name = "ultrasound-regions"

    def regions(self, ds: Dataset) -> list[SourceRegion]:
        rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
        areas = clinical_areas(ds, SEQUENCE)
        if rows <= 0 or columns <= 0 or not areas:
            return []
        outside = subtract_all(Box(0, 0, columns - 1, rows - 1), areas)
        return [SourceRegion(box, -1, -1, OCRENGINE_ULTRASOUND_REGIONS, ULTRASOUND_LABEL) for box in outside]


def build_sources(rule_paths: Iterable[str | Path] = (), default_rules: bool = True, ultrasound: bool = True,
                  learned: RegionSource | None = None, ultrasound_recipe: bool = False) -> list[RegionSource]:
    """The header-only region sources of one run; rule files are parsed here, once (RecipeError when malformed).

    ``default_rules``: deid's model-specific recipe; ``ultrasound_recipe``: deid's ultrasound recipe as rule regions;
    ``ultrasound``: the area outside SequenceOfUltrasoundRegions as ultrasound regions (ocrengine 4)."""
    paths = list(rule_paths)
    sources: list[RegionSource] = []
    if default_rules or ultrasound_recipe or paths:
        sources.append(RecipeSource(load_rules(paths, include_defaults=default_rules,
                                               include_ultrasound=ultrasound_recipe)))
    if ultrasound:
        sources.append(UltrasoundSource())
    if learned is not None:
        sources.append(learned)
    return sources
