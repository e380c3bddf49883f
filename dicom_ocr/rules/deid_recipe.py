"""Parse and evaluate the ``%filter`` sections of pydicom/deid recipe files.

A ``LABEL`` block holds criteria lines and coordinate lines. What we implement (deid's documentation, not deid 0.4.13's
evaluator, which ANDs every line of a LABEL and ignores a leading ``+``/``||``):

* A criteria line is ``action field [value]`` with action ``contains``, ``notcontains``, ``equals``, ``notequals``,
  ``present``, ``missing`` or ``empty``; field is a DICOM keyword, a repeating-group keyword (OverlayDescription: the
  first 60xx group that has it) or a tag ``0xGGGGEEEE`` (private tags too). Several criteria on one line are joined
  by `` + `` (and) or `` || `` (or).
* A line that starts with ``+`` or ``||`` joins the line before it with that operator; a line without a leading
  operator starts a new *check*. A LABEL fires when any of its checks is true.
* Precedence: each line is one parenthesised group. Inside a line, and between the lines of a check, operators are
  applied strictly left to right (``A + B || C`` = ``(A and B) or C``), as deid does inside a line. So
  ``A`` / ``+ B || C`` means ``A and (B or C)``; ``A`` / ``+ B`` / ``|| C`` means ``(A and B) or C``; and
  ``A`` / ``B`` means ``A or B`` (two checks).
* A LABEL without criteria but with coordinates always fires (as in deid).
* Text after `` #`` is a comment. Matching is case-insensitive on stripped values. ``contains`` is a regex search
  (or a plain substring); ``equals`` is a regex full match (or plain equality), so ``equals Modality CT|MR`` works as
  deid's documentation says. Multi-valued elements are tested per value and backslash-joined; bytes are read as latin-1.
  ``missing`` = element absent, ``present`` = element there, ``empty`` = element there with an empty value.

Coordinates: ``coordinates xmin,ymin,xmax,ymax`` (deid native, max exclusive), ``ctpcoordinates x,y,w,h`` (negative
x or y count from the right or bottom as in CTP), their ``keep`` forms, ``all`` (the whole plane) and
``from:Keyword`` (the RegionLocation of each item of an ultrasound-region sequence).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydicom.datadict import RepeatersDictionary, tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence

from ..errors import DicomOcrError
from ..geometry import Box
from .ultrasound import clinical_areas

ACTIONS = ("contains", "notcontains", "equals", "notequals", "present", "missing", "empty")
VALUE_ACTIONS = ("contains", "notcontains", "equals", "notequals")
COORDINATE_WORDS = ("coordinates", "keepcoordinates", "ctpcoordinates", "ctpkeepcoordinates")
SECTIONS = ("header", "labels", "filter", "values", "fields")
_INNER_SPLIT = re.compile(r"\s+(\+|\|\|)\s+(?=(?:%s)\s)" % "|".join(ACTIONS), re.IGNORECASE)
_LEADING_OP = re.compile(r"^(\+|\|\|)\s*")
_COMMENT = re.compile(r"(^|\s)#.*$")
_TAG = re.compile(r"^0x[0-9a-fA-F]{8}$")
log = logging.getLogger(__name__)


class RecipeError(DicomOcrError):
    """A rule file that cannot be read: names the file, the line and the reason."""

    cause = "bad-recipe"

    def __init__(self, path: str, line: int, reason: str):
        super().__init__(path, f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def parse_field(name: str) -> tuple[int, ...] | None:
    """The tags a field names: ``0xGGGGEEEE``, a keyword, or a repeating-group keyword such as OverlayDescription
    (every group 6000-601E); None when it is none of these."""
    if _TAG.match(name):
        return (int(name, 16),)
    tag = tag_for_keyword(name)
    if tag is not None:
        return (tag,)
    masks = [mask for mask, entry in RepeatersDictionary.items() if entry[4] == name and mask[2:4] == "xx"]
    if not masks:
        return None
    mask = masks[0]
    return tuple(int(f"{mask[:2]}{g:02X}{mask[4:]}", 16) for g in range(0, 0x20, 2))


def element_texts(ds: Dataset, tags: tuple[int, ...]) -> list[str] | None:
    """The values of the first of ``tags`` present, as stripped strings (each value, then all joined by backslash);
    None when none is present."""
    tag = next((t for t in tags if t in ds), None)
    if tag is None:
        return None
    value = ds[tag].value
    if isinstance(value, Sequence):
        return []
    if value is None:
        return [""]
    values = list(value) if isinstance(value, (MultiValue, list, tuple)) else [value]
    texts = [_text(v) for v in values]
    return texts + ["\\".join(texts)] if len(texts) > 1 else texts or [""]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1").strip("\x00 ")
    return str(value).strip()


@dataclass(frozen=True)
class Criterion:
    """One ``action field [value]`` test."""

    action: str
    tags: tuple[int, ...]
    value: str = ""
    pattern: re.Pattern[str] | None = None

    def test(self, ds: Dataset) -> bool:
        texts = element_texts(ds, self.tags)
        if self.action == "present":
            return texts is not None
        if self.action == "missing":
            return texts is None
        if self.action == "empty":
            return texts is not None and all(t == "" for t in texts)
        if self.action in ("contains", "notcontains"):
            hit = any(self._contains(t) for t in texts or [])
            return hit if self.action == "contains" else not hit
        hit = any(self._equals(t) for t in texts or [])
        return hit if self.action == "equals" else not hit

    def _contains(self, text: str) -> bool:
        return (self.pattern is not None and self.pattern.search(text) is not None) or \
            self.value.lower() in text.lower()

    def _equals(self, text: str) -> bool:
        return (self.pattern is not None and self.pattern.fullmatch(text) is not None) or \
            self.value.lower() == text.lower()


@dataclass(frozen=True)
class Line:
    """One criteria line: ``op`` joins it to the previous line (None starts a new check); ``ops`` join its criteria."""

    op: str | None
    criteria: tuple[Criterion, ...]
    ops: tuple[str, ...]

    def test(self, ds: Dataset) -> bool:
        return _fold([c.test(ds) for c in self.criteria], self.ops)


def _fold(values: list[bool], ops: Iterable[str]) -> bool:
    """Apply ``and``/``or`` strictly left to right."""
    result = values[0]
    for op, value in zip(ops, values[1:]):
        result = (result and value) if op == "+" else (result or value)
    return result


@dataclass(frozen=True)
class Coordinates:
    """One coordinates line. ``kind`` is "box", "all" or "from"; ``values`` are as written in the file."""

    keep: bool
    kind: str
    ctp: bool = False
    values: tuple[int, int, int, int] = (0, 0, 0, 0)
    source: str = ""

    def boxes(self, ds: Dataset, rows: int, columns: int) -> list[Box]:
        """Inclusive boxes on a rows x columns plane (not yet clipped)."""
        if self.kind == "all":
            return [Box(0, 0, columns - 1, rows - 1)]
        if self.kind == "from":
            return clinical_areas(ds, self.source)
        if self.ctp:
            return [ctp_box(*self.values, rows=rows, columns=columns)]
        xmin, ymin, xmax, ymax = self.values
        return [Box(xmin, ymin, xmax - 1, ymax - 1)]


def ctp_box(x: int, y: int, w: int, h: int, rows: int, columns: int) -> Box:
    """CTP's ``x,y,w,h``: a negative x (y) counts from the right (bottom) edge, then is clamped at 0 (as CTP does).

    The box covers exactly ``w`` x ``h`` pixels (CTP itself blanks one more column and row).
    """
    if x < 0:
        x = max(0, x + columns)
    if y < 0:
        y = max(0, y + rows)
    return Box(x, y, x + w - 1, y + h - 1)


@dataclass
class Label:
    """A ``LABEL`` block of a ``%filter`` section."""

    name: str
    group: str
    line: int
    lines: list[Line] = field(default_factory=list)
    coordinates: list[Coordinates] = field(default_factory=list)

    def matches(self, ds: Dataset) -> bool:
        if not self.lines:
            return bool(self.coordinates)
        checks: list[list[Line]] = []
        for line in self.lines:
            if line.op is None or not checks:
                checks.append([line])
            else:
                checks[-1].append(line)
        return any(_fold([ln.test(ds) for ln in check], [ln.op or "+" for ln in check[1:]]) for check in checks)


@dataclass
class Recipe:
    """The ``%filter`` labels of one deid recipe file, in file order."""

    path: str
    labels: list[Label]

    @property
    def source(self) -> str:
        return f"deid:{Path(self.path).name}"


def parse_recipe(path: str | Path, strict: bool = True) -> Recipe:
    """Read a deid recipe file; raise RecipeError (file, line, reason) on the first malformed line.

    ``strict=False`` only relaxes unknown field names: they are logged and treated as absent (deid's behaviour),
    which the shipped deid.dicom needs (it misspells Manufacturer three times).
    """
    return parse_recipe_text(Path(path).read_text(encoding="utf-8"), str(path), strict)


def parse_recipe_text(text: str, path: str = "<recipe>", strict: bool = True) -> Recipe:
    """Parse recipe text; ``path`` is only used to name the file in errors and in region sources."""
    labels: list[Label] = []
    section: str | None = None
    group = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        if line.startswith("%"):
            section, group = _section(line, path, number)
        elif line.upper().startswith("FORMAT"):
            if line.split(None, 1)[-1].strip().lower() != "dicom":
                raise RecipeError(path, number, f"unsupported format {line!r}")
        elif section is None:
            raise RecipeError(path, number, "text before the first %section")
        elif section != "filter":
            continue
        elif line.upper().startswith("LABEL"):
            name = line[5:].strip()
            if not name:
                raise RecipeError(path, number, "LABEL without a name")
            labels.append(Label(name, group, number))
        elif not labels:
            raise RecipeError(path, number, "criteria or coordinates before any LABEL")
        elif line.split()[0].lower() in COORDINATE_WORDS:
            labels[-1].coordinates.append(_coordinates(line, path, number))
        else:
            labels[-1].lines.append(_criteria_line(line, path, number, strict))
    return Recipe(path, labels)


def _section(line: str, path: str, number: int) -> tuple[str, str]:
    parts = line[1:].split(None, 1)
    name = parts[0].lower() if parts else ""
    if name not in SECTIONS:
        raise RecipeError(path, number, f"unknown section %{name}")
    if name == "filter" and len(parts) < 2:
        raise RecipeError(path, number, "%filter needs a group name")
    return name, parts[1].strip() if len(parts) > 1 else ""


def _criteria_line(line: str, path: str, number: int, strict: bool) -> Line:
    match = _LEADING_OP.match(line)
    op = match.group(1) if match else None
    body = line[match.end():] if match else line
    parts = _INNER_SPLIT.split(body)
    criteria = tuple(_criterion(p, path, number, strict) for p in parts[::2])
    return Line(op, criteria, tuple(parts[1::2]))


def _criterion(text: str, path: str, number: int, strict: bool) -> Criterion:
    words = text.split(None, 2)
    action = words[0].lower() if words else ""
    if action not in ACTIONS:
        raise RecipeError(path, number, f"unknown filter action {words[0] if words else text!r}")
    if len(words) < 2:
        raise RecipeError(path, number, f"{action} needs a field")
    tags = parse_field(words[1])
    if tags is None:
        reason = f"unknown field {words[1]!r} (a DICOM keyword or 0xGGGGEEEE)"
        if strict:
            raise RecipeError(path, number, reason)
        log.info("%s: line %d: %s; treated as absent", path, number, reason)
        tags = ()
    if action not in VALUE_ACTIONS:
        if len(words) > 2:
            raise RecipeError(path, number, f"{action} takes a field only, got {words[2]!r}")
        return Criterion(action, tags)
    if len(words) < 3:
        raise RecipeError(path, number, f"{action} needs a field and a value")
    value = words[2].strip()
    try:
        pattern = re.compile(value, re.IGNORECASE)
    except re.error:
        pattern = None      # not a regex: compared as plain text
    return Criterion(action, tags, value, pattern)


def _coordinates(line: str, path: str, number: int) -> Coordinates:
    word, _, spec = line.partition(" ")
    word, spec = word.lower(), re.sub(r"\s+", "", spec)
    keep, ctp = "keep" in word, word.startswith("ctp")
    if spec.lower() == "all":
        return Coordinates(keep, "all", ctp)
    if spec.startswith("from:"):
        source = spec[5:]
        if tag_for_keyword(source) is None:
            raise RecipeError(path, number, f"unknown field {source!r} after from:")
        return Coordinates(keep, "from", ctp, source=source)
    try:
        values = tuple(int(v) for v in spec.split(","))
    except ValueError:
        raise RecipeError(path, number, f"coordinates must be 4 integers, 'all' or 'from:Field', got {spec!r}")
    if len(values) != 4:
        raise RecipeError(path, number, f"coordinates need 4 integers, got {len(values)}")
    _check_values(values, ctp, path, number)
    return Coordinates(keep, "box", ctp, values)  # type: ignore[arg-type]


def _check_values(values: tuple[int, ...], ctp: bool, path: str, number: int) -> None:
    a, b, c, d = values
    if ctp and (c <= 0 or d <= 0):
        raise RecipeError(path, number, "ctp width and height must be positive")
    if not ctp and (min(values) < 0 or c <= a or d <= b):
        raise RecipeError(path, number, "need 0 <= xmin < xmax and 0 <= ymin < ymax (negative values are CTP only)")
