"""Plane groups: the frames of a cine or a multi-frame overlay folded into groups with the same regions, so a report
shows one plane per distinct set of regions (the first frame of its first run) with the frame ranges it stands for.

Two frames have the same regions when each region of one has a partner on the other named by the same engine or
rule with the same verdict and overlapping it by at least half (intersection over union): a clock whose digits change
every frame stays one group, its texts listed with the region; a region that appears, goes or changes verdict starts
a new group.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..geometry import Box
from ..store import RectRow

SAME_REGION_IOU = 0.5


@dataclass
class GroupRegion:
    """A region of a group, as on its first frame, with every text it showed in the group's frames, in order."""

    rect: RectRow
    texts: list[str] = field(default_factory=list)


@dataclass
class PlaneGroup:
    """Frames of one overlay (-1: image pixels) with the same regions; ``frame`` is the first of the first run."""

    overlay: int
    frame: int
    runs: list[list[int]]                  # inclusive [first, last] frame ranges
    regions: list[GroupRegion]

    @property
    def rects(self) -> list[RectRow]:
        return [region.rect for region in self.regions]

    @property
    def n_frames(self) -> int:
        return sum(last - first + 1 for first, last in self.runs)

    @property
    def frames_label(self) -> str:
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in self.runs)

    @property
    def plane_label(self) -> str:
        return "image" if self.overlay < 0 else f"overlay {self.overlay} (group {0x6000 + 2 * self.overlay:04X})"


def iou(a: Box, b: Box) -> float:
    overlap = a.intersection(b)
    if overlap is None:
        return 0.0
    return overlap.area / (a.area + b.area - overlap.area)


def _partner(rect: RectRow, candidates: Sequence[RectRow], taken: set[int]) -> int | None:
    for i, other in enumerate(candidates):
        if (i not in taken and (other.ocrengine, other.nerpii, other.source) == (rect.ocrengine, rect.nerpii, rect.source)
                and rect.box is not None and other.box is not None and iou(rect.box, other.box) >= SAME_REGION_IOU):
            return i
    return None


def _match(group: PlaneGroup, rows: Sequence[RectRow]) -> list[int] | None:
    """For each of ``rows``, the index of its partner among the group's regions; None when they are not the same."""
    if len(rows) != len(group.regions):
        return None
    taken: set[int] = set()
    partners = []
    for rect in rows:
        i = _partner(rect, group.rects, taken)
        if i is None:
            return None
        taken.add(i)
        partners.append(i)
    return partners


def group_planes(rects: Sequence[RectRow], frame_counts: Mapping[int, int]) -> list[PlaneGroup]:
    """The plane groups of a file with ``frame_counts`` frames per overlay (-1 for the image), from its box rows
    (summary rows left out; a row for frame -1 counts on every frame). Image groups first, then overlays."""
    boxes = [rect for rect in rects if rect.box is not None]
    counts = dict(frame_counts)
    for rect in boxes:   # rows beyond the header's frame count still show
        counts[rect.overlay] = max(counts.get(rect.overlay, 1), rect.frame + 1)
    per_frame: dict[tuple[int, int], list[RectRow]] = defaultdict(list)
    for rect in boxes:
        for frame in (range(counts[rect.overlay]) if rect.frame < 0 else [rect.frame]):
            per_frame[(rect.overlay, frame)].append(rect)
    groups = []
    for overlay in sorted(counts):
        groups.extend(_overlay_groups(overlay, counts[overlay], per_frame))
    return groups


def _overlay_groups(overlay: int, n_frames: int, per_frame: Mapping[tuple[int, int], list[RectRow]]) -> list[PlaneGroup]:
    groups: list[PlaneGroup] = []
    previous: PlaneGroup | None = None
    for frame in range(max(1, n_frames)):
        rows = per_frame.get((overlay, frame), [])
        group, partners = previous, _match(previous, rows) if previous is not None else None
        if partners is None:   # not the same as the frame before: a group seen earlier, or a new one
            group, partners = next(((g, p) for g in groups if (p := _match(g, rows)) is not None), (None, None))
        if group is None or partners is None:
            group = PlaneGroup(overlay, frame, [[frame, frame]], [GroupRegion(r, [r.ocrtext]) for r in rows])
            groups.append(group)
        else:
            if group.runs[-1][1] == frame - 1:
                group.runs[-1][1] = frame
            else:
                group.runs.append([frame, frame])
            for rect, i in zip(rows, partners):
                if rect.ocrtext not in group.regions[i].texts:
                    group.regions[i].texts.append(rect.ocrtext)
        previous = group
    return groups
