"""Engine options as the commands take them: ``--engine-option NAME.KEY=VALUE``, for any registered engine."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .registry import check_options, engine_class, option_names

EngineOptions = Mapping[str, Mapping[str, Any]]
"""Options by engine name, as each engine's constructor takes them: ``{"rapidocr": {"backend": "onnxruntime"}}``."""

FrozenEngineOptions = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
"""The same, hashable (settings are keys of per-worker caches)."""

_WORDS = {"true": True, "false": False, "none": None}


def parse_engine_options(items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``NAME.KEY=VALUE`` items as options by engine; VALUE is a number, true/false, none or else text. ValueError
    naming the item for an unknown engine or option, or a malformed item."""
    options: dict[str, dict[str, Any]] = {}
    for item in items:
        target, equals, text = item.partition("=")
        name, dot, key = target.strip().partition(".")
        if not (equals and dot and name and key.strip()):
            raise ValueError(f"engine option {item!r} is not NAME.KEY=VALUE (e.g. rapidocr.backend=onnxruntime)")
        engine_class(name)
        options.setdefault(name, {})[key.strip()] = _value(text.strip())
        check_options(name, options[name])
    return options


def _value(text: str) -> Any:
    if text.lower() in _WORDS:
        return _WORDS[text.lower()]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def one_thread_each(options: EngineOptions, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``options`` with ``threads=1`` for each engine of ``names`` that takes a thread count and was not given one:
    for worker processes sharing the cores, where one thread each is fastest."""
    result = {name: dict(values) for name, values in options.items()}
    for name in names:
        if "threads" in option_names(name):
            result.setdefault(name, {}).setdefault("threads", 1)
    return result


def frozen(options: EngineOptions) -> FrozenEngineOptions:
    """``options`` as sorted tuples."""
    return tuple(sorted((name, tuple(sorted(values.items()))) for name, values in options.items()))


def thawed(options: FrozenEngineOptions) -> dict[str, dict[str, Any]]:
    """:func:`frozen` options as dictionaries again."""
    return {name: dict(values) for name, values in options}
