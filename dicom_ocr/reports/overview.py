"""The overview at the top of a report: counts per triage class, modality, scanner model, failure cause, planes and
time per file, as bar charts whose bars link to the files of the report they count."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..store import FileFacts
from .classes import TRIAGE_LABELS, TRIAGE_ORDER, triage
from .signatures import Signature

TOP_BARS = 10      # more modalities or scanners than this: the rest in one "others" bar
OTHERS = "others"
PLANE_BINS = ((1, 1, "1 plane"), (2, 10, "2–10"), (11, 100, "11–100"), (101, None, "over 100"))
SECOND_BINS = ((0, 1, "under 1 s"), (1, 5, "1–5 s"), (5, 30, "5–30 s"), (30, 120, "30–120 s"), (120, None, "over 2 min"))


@dataclass
class Bar:
    """One bar: ``count`` files of the scan (or of those whose signature is known), ``shown`` the anchors and
    filenames of those the report shows."""

    label: str
    count: int
    anchor: str
    shown: list[tuple[str, str]] = field(default_factory=list)
    css: str = ""


@dataclass
class Chart:
    title: str
    note: str
    bars: list[Bar]

    @property
    def largest(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _chart(key: str, title: str, note: str, counts: Mapping[str, int], members: Mapping[str, list[tuple[str, str]]],
           css: Callable[[str], str] = lambda _: "") -> Chart:
    bars = [Bar(label, n, f"bar-{key}-{slug(label)}", members.get(label, []), css(label)) for label, n in counts.items()]
    return Chart(title, note, bars)


def _top(counts: Counter) -> dict[str, int]:
    """The TOP_BARS largest counts, the rest summed as OTHERS."""
    top = dict(counts.most_common(TOP_BARS))
    rest = sum(counts.values()) - sum(top.values())
    return top | ({OTHERS: rest} if rest else {})


def _plane_bin(n: int) -> str:
    return next(label for low, high, label in PLANE_BINS if n >= low and (high is None or n <= high)) if n > 0 \
        else "no plane read"


def _second_bin(seconds: float) -> str:
    return next(label for low, high, label in SECOND_BINS if seconds >= low and (high is None or seconds < high))


def build_overview(records: Sequence[FileFacts], shown: Sequence[tuple[FileFacts, str]],
                   signatures: Mapping[str, Signature]) -> list[Chart]:
    """Charts of all ``records`` (the scan), linking to ``shown`` (record, anchor); modality and model charts count
    the files whose signature is known in ``signatures``."""
    def members(label_of: Callable[[FileFacts], str | None]) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for record, anchor in shown:
            label = label_of(record)
            if label is not None:
                out[label].append((anchor, record.filename))
        return out

    def sig_label(part: Callable[[Signature], str], shown_labels: Mapping[str, int]) -> Callable[[FileFacts], str | None]:
        def label(record: FileFacts) -> str | None:
            if record.filename not in signatures:
                return None
            value = part(signatures[record.filename])
            return value if value in shown_labels else OTHERS
        return label

    classes = Counter(triage(r) for r in records)
    class_counts = {TRIAGE_LABELS[c]: classes[c] for c in TRIAGE_ORDER if classes[c]}
    css = {TRIAGE_LABELS[c]: c for c in TRIAGE_ORDER}
    modalities = _top(Counter(s.modality for s in signatures.values()))
    models = _top(Counter(s.label for s in signatures.values()))
    failures = Counter(r.error_cause or "error" for r in records if r.state == "error")
    planes = Counter(_plane_bin(r.n_planes) for r in records)
    seconds = Counter(_second_bin(r.seconds_total) for r in records)
    known = f"of {len(signatures)} files with a known signature"
    charts = [
        _chart("class", "Files per triage class", f"all {len(records)} files", class_counts,
               members(lambda r: TRIAGE_LABELS[triage(r)]), css.__getitem__),
        _chart("modality", "Files per modality", known, modalities, members(sig_label(lambda s: s.modality, modalities))),
        _chart("model", "Files per scanner", known, models, members(sig_label(lambda s: s.label, models))),
        _chart("planes", "Planes per file", f"{sum(r.n_planes for r in records)} planes read in all",
               {label: planes[label] for *_, label in PLANE_BINS if planes[label]}
               | ({"no plane read": planes["no plane read"]} if planes["no plane read"] else {}),
               members(lambda r: _plane_bin(r.n_planes))),
        _chart("seconds", "Time per file (one worker)", _throughput(records),
               {label: seconds[label] for *_, label in SECOND_BINS if seconds[label]},
               members(lambda r: _second_bin(r.seconds_total))),
    ]
    if failures:
        failed = sum(failures.values())
        charts.insert(1, _chart("failure", "Failures by cause", f"{failed} file{'s' if failed != 1 else ''} failed",
                                dict(failures.most_common()),
                                members(lambda r: (r.error_cause or "error") if r.state != "done" else None),
                                lambda _: "error"))
    return charts


def _throughput(records: Sequence[FileFacts]) -> str:
    seconds = sum(r.seconds_total for r in records)
    planes = sum(r.n_planes for r in records)
    if seconds <= 0:
        return "no timings recorded"
    return (f"{3600 * len(records) / seconds:.0f} files/hour and {planes / seconds:.1f} planes/s per worker "
            f"({seconds:.0f} s of work in all)")
