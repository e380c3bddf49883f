"""Rectangles in plane pixel coordinates, inclusive on all four sides (as the audit DB stores them)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Box:
    """An axis-aligned rectangle; ``right`` and ``bottom`` are the last pixel inside it."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        return Box(min(self.left, other.left), min(self.top, other.top),
                   max(self.right, other.right), max(self.bottom, other.bottom))

    def intersection(self, other: Box) -> Box | None:
        """The overlap of both boxes, or None when they do not overlap."""
        box = Box(max(self.left, other.left), max(self.top, other.top),
                  min(self.right, other.right), min(self.bottom, other.bottom))
        return box if box.width > 0 and box.height > 0 else None

    def expand(self, dx: int, dy: int) -> Box:
        """Grow by ``dx`` pixels left and right and ``dy`` pixels above and below."""
        return Box(self.left - dx, self.top - dy, self.right + dx, self.bottom + dy)

    def clip(self, rows: int, columns: int) -> Box | None:
        """The part inside a plane of ``rows`` x ``columns``, or None when outside it."""
        return self.intersection(Box(0, 0, columns - 1, rows - 1))

    def scale(self, factor: float) -> Box:
        """Map a box found on an image resized by ``factor`` back to the original, rounding outwards."""
        return Box(int(self.left // factor), int(self.top // factor),
                   int(-(-(self.right + 1) // factor)) - 1, int(-(-(self.bottom + 1) // factor)) - 1)

    def shift(self, dx: int, dy: int) -> Box:
        return Box(self.left + dx, self.top + dy, self.right + dx, self.bottom + dy)
