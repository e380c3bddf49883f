"""Parse and evaluate RSNA CTP ``DicomPixelAnonymizer.script`` files.

As CTP reads them: every ``{ ... }`` is a signature, and every ``(x,y,w,h)`` between it and the next signature is one
of its regions; other text is commentary (we keep the last comment line before a signature as its label). Only the
**first** signature that matches a file gives regions (CTP's PixelScript.getRegionsFor).

Signature expressions: ``Field.method("text")`` where Field is a keyword or ``[gggg,eeee]``; ``*`` is and, ``+`` is or,
``!`` is not, parentheses group; precedence ``!`` > ``*`` > ``+``. Methods: equals, equalsIgnoreCase, contains,
containsIgnoreCase, startsWith, startsWithIgnoreCase, endsWith, endsWithIgnoreCase, matches (Java regex, whole value),
isLessThan, isGreaterThan (numbers). A missing element has the value "" (as in CTP); multiple values are joined by
backslash. Regions: negative x or y count from the right or bottom edge (see :func:`deid_recipe.ctp_box`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from pydicom.dataset import Dataset

from ..geometry import Box
from .deid_recipe import RecipeError, ctp_box, element_texts, parse_field

_TOKEN = re.compile(r'\s*(?:(?P<op>[*+!()])|(?P<field>\[[0-9a-fA-F]{4},[0-9a-fA-F]{4}\]|[A-Za-z][A-Za-z0-9]*)'
                    r'\s*\.\s*(?P<method>[A-Za-z]+)\s*\(\s*"(?P<arg>(?:[^"\\]|\\.)*)"\s*\))')
_SIGNATURE = re.compile(r"\{([^}]*)\}")
_REGION = re.compile(r"\(([^)]*)\)")
_INT = re.compile(r"^\s*-?\d+\s*$")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _less(value: str, arg: str) -> bool:
    a, b = _number(value), _number(arg)
    return a is not None and b is not None and a < b


def _greater(value: str, arg: str) -> bool:
    a, b = _number(value), _number(arg)
    return a is not None and b is not None and a > b


METHODS: dict[str, Callable[[str, str], bool]] = {
    "equals": lambda v, a: v == a,
    "equalsIgnoreCase": lambda v, a: v.lower() == a.lower(),
    "contains": lambda v, a: a in v,
    "containsIgnoreCase": lambda v, a: a.lower() in v.lower(),
    "startsWith": lambda v, a: v.startswith(a),
    "startsWithIgnoreCase": lambda v, a: v.lower().startswith(a.lower()),
    "endsWith": lambda v, a: v.endswith(a),
    "endsWithIgnoreCase": lambda v, a: v.lower().endswith(a.lower()),
    "matches": lambda v, a: re.fullmatch(a, v, re.DOTALL) is not None,
    "isLessThan": _less,
    "isGreaterThan": _greater,
}


@dataclass(frozen=True)
class Call:
    """``Field.method("arg")``."""

    tags: tuple[int, ...]
    method: str
    arg: str

    def test(self, ds: Dataset) -> bool:
        texts = element_texts(ds, self.tags)
        value = texts[-1] if texts else ""
        return METHODS[self.method](value, self.arg)


@dataclass(frozen=True)
class Expr:
    """``op`` is "and", "or" or "not" over ``args`` (Calls or Exprs)."""

    op: str
    args: tuple[Call | Expr, ...]

    def test(self, ds: Dataset) -> bool:
        if self.op == "not":
            return not self.args[0].test(ds)
        results = (a.test(ds) for a in self.args)
        return all(results) if self.op == "and" else any(results)


@dataclass(frozen=True)
class Signature:
    label: str
    line: int
    condition: Call | Expr
    regions: tuple[tuple[int, int, int, int], ...]

    def boxes(self, rows: int, columns: int) -> list[Box]:
        return [ctp_box(*r, rows=rows, columns=columns) for r in self.regions]


@dataclass
class Script:
    path: str
    signatures: list[Signature]

    @property
    def source(self) -> str:
        return f"ctp:{Path(self.path).name}"

    def first_match(self, ds: Dataset) -> Signature | None:
        """The first signature whose condition holds (CTP uses that one only)."""
        return next((s for s in self.signatures if s.condition.test(ds)), None)


def parse_script(path: str | Path) -> Script:
    """Read a CTP pixel script; raise RecipeError (file, line, reason) on a malformed signature or region."""
    return parse_script_text(Path(path).read_text(encoding="utf-8"), str(path))


def parse_script_text(text: str, path: str = "<script>") -> Script:
    matches = list(_SIGNATURE.finditer(text))
    signatures = []
    heading = ""
    for i, match in enumerate(matches):
        before = text[matches[i - 1].end() if i else 0:match.start()]
        heading = _heading(_REGION.sub("", before)) or heading
        line = text.count("\n", 0, match.start()) + 1
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        condition = _Parser(match.group(1), path, line).parse()
        regions = _regions(text, match.end(), end, path)
        label = f"{heading} (line {line})" if heading else f"line {line}"
        signatures.append(Signature(label, line, condition, regions))
    return Script(path, signatures)


def _heading(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not set(ln.strip()) <= set("*")]
    return lines[-1] if lines else ""


def _regions(text: str, start: int, end: int, path: str) -> tuple[tuple[int, int, int, int], ...]:
    regions = []
    for match in _REGION.finditer(text, start, end):
        line = text.count("\n", 0, match.start()) + 1
        parts = match.group(1).split(",")
        if len(parts) != 4 or not all(_INT.match(p) for p in parts):
            raise RecipeError(path, line, f"a region is (x,y,w,h) with 4 integers, got ({match.group(1)})")
        x, y, w, h = (int(p) for p in parts)
        if w <= 0 or h <= 0:
            raise RecipeError(path, line, f"region ({match.group(1)}) needs a positive width and height")
        regions.append((x, y, w, h))
    return tuple(regions)


class _Parser:
    """Recursive descent over the tokens of one signature."""

    def __init__(self, text: str, path: str, line: int):
        self.path, self.line = path, line
        self.tokens: list[tuple[str, object]] = []
        pos = 0
        while pos < len(text):
            if not text[pos:].strip():
                break
            match = _TOKEN.match(text, pos)
            if match is None:
                self._fail(f"cannot read {text[pos:].strip()[:40]!r}")
            self.tokens.append(("op", match.group("op")) if match.group("op") else ("call", self._call(match)))
            pos = match.end()
        self.pos = 0

    def _fail(self, reason: str) -> NoReturn:
        raise RecipeError(self.path, self.line, f"signature: {reason}")

    def _call(self, match: re.Match[str]) -> Call:
        name, method = match.group("field"), match.group("method")
        tags = parse_field("0x" + name[1:5] + name[6:10] if name.startswith("[") else name)
        if tags is None:
            self._fail(f"unknown field {name!r}")
        if method not in METHODS:
            self._fail(f"unknown method {method!r}")
        arg = re.sub(r"\\(.)", r"\1", match.group("arg"))
        if method == "matches":
            try:
                re.compile(arg)
            except re.error as err:
                self._fail(f"bad regular expression {arg!r}: {err}")
        return Call(tags, method, arg)

    def parse(self) -> Call | Expr:
        if not self.tokens:
            self._fail("empty signature")
        expr = self._or()
        if self.pos != len(self.tokens):
            self._fail(f"unexpected {self.tokens[self.pos][1]!r}")
        return expr

    def _peek(self, op: str) -> bool:
        return self.pos < len(self.tokens) and self.tokens[self.pos] == ("op", op)

    def _or(self) -> Call | Expr:
        args = [self._and()]
        while self._peek("+"):
            self.pos += 1
            args.append(self._and())
        return args[0] if len(args) == 1 else Expr("or", tuple(args))

    def _and(self) -> Call | Expr:
        args = [self._not()]
        while self._peek("*"):
            self.pos += 1
            args.append(self._not())
        return args[0] if len(args) == 1 else Expr("and", tuple(args))

    def _not(self) -> Call | Expr:
        if self.pos >= len(self.tokens):
            self._fail("expression ends too early")
        kind, value = self.tokens[self.pos]
        self.pos += 1
        if kind == "call":
            return value  # type: ignore[return-value]
        if value == "!":
            return Expr("not", (self._not(),))
        if value == "(":
            expr = self._or()
            if not self._peek(")"):
                self._fail("missing )")
            self.pos += 1
            return expr
        self._fail(f"unexpected {value!r}")
