"""Load rule files once and turn them into regions for one dataset.

The default is the model-specific recipe shipped in the installed ``deid`` package, ``deid.dicom`` (banners of named
scanner models). deid's ``deid.dicom.ultrasound`` recipe is a redaction policy rather than a text location (everything
outside SequenceOfUltrasoundRegions, the whole image when a file declares none), so it is used only when asked for, and
then for ultrasound only (Modality US), because it starts with ``coordinates all`` without criteria, which would
otherwise mark the whole image of every file. Files that have a ``%filter`` section are
deid recipes; other files (normally ``*.script``) are CTP pixel scripts.

Regions are built in rule order, like deid's mask: a clean region adds rectangles, a keep region cuts itself out of
every rectangle added before it by the same rule file (so ``coordinates all`` then ``keepcoordinates
from:SequenceOfUltrasoundRegions`` leaves everything outside the clinical area). Unlike deid's single mask, a keep
region never reopens what another file marked: the generic ultrasound recipe does not shrink a scanner-specific banner
of deid.dicom. Finally rectangles are clipped to Rows x Columns.
"""
from __future__ import annotations

import importlib.resources
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from pydicom.dataset import Dataset

from ..geometry import Box
from ..headers import modality_of
from .ctp_script import Script, parse_script
from .deid_recipe import Label, Recipe, RecipeError, parse_recipe
from .ultrasound import subtract

DEFAULT_RECIPES = (("deid.dicom", None),)
ULTRASOUND_RECIPE = ("deid.dicom.ultrasound", frozenset({"US"}))
_FILTER = re.compile(r"^\s*%filter\b", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class RuleRegion:
    """A rectangle (inclusive) that a rule marks as likely PHI, on every frame (-1) of the image (-1) unless set."""

    box: Box
    label: str
    source: str          # "deid:<file name>" or "ctp:<file name>"
    frame: int = -1
    overlay: int = -1


@dataclass(frozen=True)
class RuleFile:
    """One parsed rule file; ``modalities`` limits it to files of those modalities (None = all files)."""

    rules: Recipe | Script
    modalities: frozenset[str] | None = None

    def applies_to(self, ds: Dataset) -> bool:
        return self.modalities is None or modality_of(ds) in self.modalities


@dataclass(frozen=True)
class RuleSet:
    files: tuple[RuleFile, ...]


@dataclass(frozen=True)
class Fired:
    """A rule that matched a dataset (also rules without coordinates, which only flag)."""

    label: str
    source: str
    group: str = ""      # the deid %filter group (whitelist, graylist, blacklist); "" for CTP


def _deid_recipe_path(name: str) -> Path:
    return Path(str(importlib.resources.files("deid.data") / name))


def default_rule_paths() -> list[Path]:
    """The default recipes shipped with the installed deid package."""
    return [_deid_recipe_path(name) for name, _ in DEFAULT_RECIPES]


def ultrasound_recipe() -> RuleFile:
    """deid's ultrasound recipe (Modality US only): everything outside SequenceOfUltrasoundRegions."""
    name, modalities = ULTRASOUND_RECIPE
    return RuleFile(parse_recipe(_deid_recipe_path(name), strict=False), modalities)


def load_rules(paths: Iterable[str | Path] = (), include_defaults: bool = True,
               include_ultrasound: bool = False) -> RuleSet:
    """Parse the default deid recipes (unless told not to), deid's ultrasound recipe (if asked), then ``paths``."""
    files = []
    if include_defaults:
        for path, (_, modalities) in zip(default_rule_paths(), DEFAULT_RECIPES):
            files.append(RuleFile(parse_recipe(path, strict=False), modalities))
    if include_ultrasound:
        files.append(ultrasound_recipe())
    files.extend(RuleFile(load_rule_file(p)) for p in paths)
    return RuleSet(tuple(files))


def load_rule_file(path: str | Path) -> Recipe | Script:
    """A deid recipe when the file has a %filter section, else a CTP pixel script."""
    text = Path(path).read_text(encoding="utf-8")
    if _FILTER.search(text):
        return parse_recipe(path)
    if "{" in text:
        return parse_script(path)
    raise RecipeError(str(path), 1, "neither a deid recipe (%filter section) nor a CTP script ({ signature })")


def fired_rules(ds: Dataset, rules: RuleSet) -> list[Fired]:
    """Every deid LABEL that matches and the first matching CTP signature of each script, in rule order."""
    fired = []
    for rule_file in rules.files:
        if not rule_file.applies_to(ds):
            continue
        rf = rule_file.rules
        if isinstance(rf, Recipe):
            fired += [Fired(lab.name, rf.source, lab.group) for lab in rf.labels if lab.matches(ds)]
        elif (sig := rf.first_match(ds)) is not None:
            fired.append(Fired(sig.label, rf.source))
    return fired


def rule_regions(ds: Dataset, rules: RuleSet) -> list[RuleRegion]:
    """The regions the rules give for ``ds`` (read with or without pixels), clipped to Rows x Columns."""
    rows, columns = int(ds.get("Rows") or 0), int(ds.get("Columns") or 0)
    if rows <= 0 or columns <= 0:
        return []
    regions = [r for f in rules.files if f.applies_to(ds) for r in _file_regions(ds, f.rules, rows, columns)]
    clipped = [(r, r.box.clip(rows, columns)) for r in regions]
    return list(dict.fromkeys(replace(r, box=box) for r, box in clipped if box is not None))


def _file_regions(ds: Dataset, rf: Recipe | Script, rows: int, columns: int) -> list[RuleRegion]:
    if isinstance(rf, Script):
        sig = rf.first_match(ds)
        return [] if sig is None else [RuleRegion(b, sig.label, rf.source) for b in sig.boxes(rows, columns)]
    regions: list[RuleRegion] = []
    for label in rf.labels:
        if label.coordinates and label.matches(ds):
            regions = _apply_label(ds, label, rf.source, regions, rows, columns)
    return regions


def _apply_label(ds: Dataset, label: Label, source: str, regions: list[RuleRegion], rows: int,
                 columns: int) -> list[RuleRegion]:
    """Add the label's clean boxes to ``regions`` (this file's so far) and cut its keep boxes out of them."""
    for coords in label.coordinates:
        boxes = coords.boxes(ds, rows, columns)
        if not coords.keep:
            regions = regions + [RuleRegion(b, label.name, source) for b in boxes]
            continue
        for cut in boxes:
            regions = [replace(r, box=piece) for r in regions for piece in subtract(r.box, cut)]
    return regions
