"""Expand the PATH arguments users give into the files to process, lazily (archives hold millions of files)."""
from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

CSV_COLUMNS = ("DicomFilePath", "filename")


class InputError(ValueError):
    """A PATH argument that cannot be used: one line saying why."""


def iter_input_files(arguments: Iterable[str], stdin: TextIO | None = None) -> Iterator[str]:
    """Yield file paths from files, directories (recursively, sorted), CSV lists and ``-`` (one path a line on stdin)."""
    for argument in arguments:
        if argument == "-":
            yield from _lines(stdin or sys.stdin)
        elif os.path.isdir(argument):
            yield from _walk(argument)
        elif argument.lower().endswith(".csv") and os.path.isfile(argument):
            yield from _csv_paths(argument)
        else:
            yield argument


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        line = line.strip()
        if line:
            yield line


def _walk(directory: str) -> Iterator[str]:
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            yield os.path.join(root, name)


def _csv_paths(path: str) -> Iterator[str]:
    """The paths in a CSV list's ``DicomFilePath`` or ``filename`` column, relative ones taken from the CSV's folder."""
    base = Path(path).parent
    column = _csv_column(path)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            value = (row.get(column) or "").strip()
            if value:
                yield value if os.path.isabs(value) else str(base / value)


def check_input_arguments(arguments: Iterable[str]) -> None:
    """Raise InputError for an argument that names nothing, or a CSV list without a path column, before any work."""
    for argument in arguments:
        if argument == "-":
            continue
        if not os.path.exists(argument):
            raise InputError(f"{argument}: not found")
        if argument.lower().endswith(".csv") and os.path.isfile(argument):
            _csv_column(argument)


def _csv_column(path: str) -> str:
    """The path column of a CSV list, or InputError."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        fields = csv.DictReader(handle).fieldnames or []
    column = next((name for name in CSV_COLUMNS if name in fields), None)
    if column is None:
        raise InputError(f"{path}: CSV list needs a column named {' or '.join(CSV_COLUMNS)}")
    return column


def count_input_files(arguments: Iterable[str]) -> int | None:
    """How many paths :func:`iter_input_files` will yield, or None when stdin is among the inputs (read only once)."""
    arguments = list(arguments)
    if "-" in arguments:
        return None
    return sum(1 for _ in iter_input_files(arguments))
