"""Which files a report shows: a random sample stratified by triage class and scanner signature, or the first files
in triage order.

A sample splits N over the triage classes in proportion to their size (exact, from the audit DB), with at least
one file of every class present and at least a tenth of N for each class where a miss would be released unseen
("no text", "technical only"). Within a class, the files are shuffled with the seed and the headers of a pool of
them (a few times the class's share, so a million-file archive costs a few hundred header reads) give the scanner
signatures; the class's share is split over the signatures found in the pool the same way (every signature one file
first, the most common first when there are more signatures than files). Signature sizes are estimates from the pool.
"""
from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from ..store import FileFacts
from .classes import TRIAGE_ORDER, UNSEEN_RISK, triage
from .signatures import Signature

POOL_FACTOR = 5          # headers read per file to draw, within a class ...
MIN_POOL = 100           # ... but at least this many (or the whole class)
K = TypeVar("K", bound=Hashable)

UNSEEN_RISK_SHARE = 0.1  # each class in UNSEEN_RISK gets at least this share of the sample


@dataclass(frozen=True)
class Stratum:
    """A triage class (``signature`` None) or one signature within it: files in the scan and files drawn.

    For a signature, ``population`` is estimated from the ``pool`` files whose header was read in its class."""

    triage: str
    signature: Signature | None
    population: int
    sampled: int
    pool: int
    class_size: int

    @property
    def estimated(self) -> bool:
        """Whether ``population`` is an estimate (a signature within a class larger than its pool)."""
        return self.signature is not None and self.pool < self.class_size

    @property
    def rate(self) -> float:
        return self.sampled / self.population if self.population else 0.0


@dataclass
class Selection:
    """The files a report shows, in display order, and how they were chosen."""

    records: list[FileFacts]
    candidates: int                      # files of the chosen classes in the scan
    sample_size: int | None = None       # N of --sample; None when the first files in triage order were taken
    seed: int | None = None
    strata: list[Stratum] = field(default_factory=list)

    @property
    def left_out(self) -> int:
        return self.candidates - len(self.records)


def allocate(sizes: Mapping[K, int], n: int, minimum: Mapping[K, int] | None = None) -> dict[K, int]:
    """Split ``n`` over strata of ``sizes`` (in their order of priority): each non-empty stratum one first, while ``n``
    lasts, and at least ``minimum`` where given; the rest in proportion to what each has left (largest remainders)."""
    alloc = {key: 0 for key in sizes}
    left = min(n, sum(sizes.values()))
    for key, size in sizes.items():
        want = min(size, max(1, (minimum or {}).get(key, 1))) if size else 0
        give = min(want, left)
        alloc[key], left = give, left - give
    while left > 0:
        room = {key: sizes[key] - alloc[key] for key in sizes if sizes[key] > alloc[key]}
        total = sum(room.values())
        shares = {key: left * r / total for key, r in room.items()}
        for key, share in shares.items():
            alloc[key] += math.floor(share)
        left -= sum(math.floor(s) for s in shares.values())
        for key in sorted(shares, key=lambda k: shares[k] - math.floor(shares[k]), reverse=True)[:left]:
            if alloc[key] < sizes[key]:
                alloc[key] += 1
                left -= 1
    return alloc


def stratified_sample(records: Sequence[FileFacts], n: int, seed: int,
                      signature_of: Callable[[str], Signature]) -> Selection:
    """Draw ``n`` of ``records`` at random (reproducibly with ``seed``), stratified as the module says."""
    rng = random.Random(seed)
    by_class: dict[str, list[FileFacts]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.filename):
        by_class[triage(record)].append(record)
    sizes = {c: len(by_class[c]) for c in TRIAGE_ORDER}
    minimum = {c: math.ceil(n * UNSEEN_RISK_SHARE) for c in UNSEEN_RISK}
    shares = allocate({c: sizes[c] for c in (*UNSEEN_RISK, *(c for c in TRIAGE_ORDER if c not in UNSEEN_RISK))},
                      n, minimum)
    chosen: list[tuple[FileFacts, Signature]] = []
    strata: list[Stratum] = []
    for cls in TRIAGE_ORDER:
        members = by_class[cls]
        if not members:
            continue
        rng.shuffle(members)
        pool = members[:max(POOL_FACTOR * shares[cls], MIN_POOL)]
        by_signature: dict[Signature, list[FileFacts]] = defaultdict(list)
        for record in pool:
            by_signature[signature_of(record.filename)].append(record)
        # most common first; ties in the shuffled order they came in, so the seed decides
        common_first = dict(sorted(((s, len(f)) for s, f in by_signature.items()), key=lambda kv: -kv[1]))
        per_signature = allocate(common_first, shares[cls])
        strata.append(Stratum(cls, None, len(members), shares[cls], len(pool), len(members)))
        for signature, in_pool in common_first.items():
            strata.append(Stratum(cls, signature, round(len(members) * in_pool / len(pool)),
                                  per_signature[signature], in_pool, len(members)))
            chosen.extend((record, signature) for record in by_signature[signature][:per_signature[signature]])
    chosen.sort(key=lambda rs: (TRIAGE_ORDER.index(triage(rs[0])), rs[1], rs[0].filename))
    return Selection([record for record, _ in chosen], len(records), n, seed, strata)


def first_in_triage_order(records: Sequence[FileFacts], phi_rows: Mapping[str, int], limit: int) -> Selection:
    """The first ``limit`` records in triage order, most PHI rows first within a class, then by filename."""
    ordered = sorted(records, key=lambda r: (TRIAGE_ORDER.index(triage(r)), -phi_rows.get(r.filename, 0), r.filename))
    return Selection(ordered[:limit], len(records))
