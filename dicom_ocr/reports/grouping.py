"""Plane groups: the frames of a cine or a multi-frame overlay folded into runs of identical results, so a report
shows one plane per distinct set of regions (the first frame of each run) with the frame ranges it stands for."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydicom.dataset import Dataset

from ..auditdb import RectRow
from ..planes import number_of_frames, overlay_specs

RectKey = tuple


@dataclass(frozen=True)
class PlaneGroup:
    """Frames of one overlay (-1: image pixels) whose region rows are the same; ``rects`` are those of ``frame``,
    the first of the first run. A group may hold several runs when the same results come back later in the file."""

    overlay: int
    frame: int
    runs: tuple[tuple[int, int], ...]    # inclusive (first, last) frame ranges
    rects: tuple[RectRow, ...]

    @property
    def n_frames(self) -> int:
        return sum(last - first + 1 for first, last in self.runs)

    @property
    def frames_label(self) -> str:
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in self.runs)

    @property
    def plane_label(self) -> str:
        return "image" if self.overlay < 0 else f"overlay {self.overlay} (group {0x6000 + 2 * self.overlay:04X})"


def _key(rect: RectRow) -> RectKey:
    return (rect.coords, rect.ocrengine, rect.ocrtext, rect.nerpii, rect.source, rect.reason)


def group_planes(rects: Sequence[RectRow], frame_counts: Mapping[int, int]) -> list[PlaneGroup]:
    """The plane groups of a file with ``frame_counts`` frames per overlay (-1 for the image), from its box rows
    (summary rows left out; a row for frame -1 counts on every frame). Each run of consecutive frames with the same
    rows makes a run; runs with the same rows make one group. Image groups first, then overlays, by first frame."""
    boxes = [rect for rect in rects if rect.box is not None]
    counts = dict(frame_counts)
    for rect in boxes:   # rows beyond the header's frame count still show
        counts[rect.overlay] = max(counts.get(rect.overlay, 1), rect.frame + 1)
    per_frame: dict[tuple[int, int], list[RectRow]] = defaultdict(list)
    for rect in boxes:
        frames = range(counts[rect.overlay]) if rect.frame < 0 else [rect.frame]
        for frame in frames:
            per_frame[(rect.overlay, frame)].append(rect)
    groups = []
    for overlay in sorted(counts):
        groups.extend(_overlay_groups(overlay, counts[overlay], per_frame))
    return groups


def _overlay_groups(overlay: int, n_frames: int, per_frame: Mapping[tuple[int, int], list[RectRow]]) -> list[PlaneGroup]:
    runs: dict[frozenset, list[list[int]]] = {}
    first_rects: dict[frozenset, list[RectRow]] = {}
    previous = None
    for frame in range(max(1, n_frames)):
        rows = per_frame.get((overlay, frame), [])
        key = frozenset(_key(r) for r in rows)
        if key == previous:
            runs[key][-1][1] = frame
        else:
            runs.setdefault(key, []).append([frame, frame])
            first_rects.setdefault(key, rows)
        previous = key
    return [PlaneGroup(overlay, spans[0][0], tuple((a, b) for a, b in spans), tuple(first_rects[key]))
            for key, spans in runs.items()]


def frame_counts(header: Dataset) -> dict[int, int]:
    """Frames of the image (-1) and of each overlay, from a file's header."""
    counts = {-1: number_of_frames(header)}
    counts.update({spec.index: spec.frames for spec in overlay_specs(header)})
    return counts
