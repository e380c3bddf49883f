"""One recognition per line: detect text lines at two scales, unite their boxes, recognise each distinct line once.

Recognition is most of what OCR costs when whole variants of a plane are read, since every variant recognises the same
lines again. Here, for an engine whose stages run apart (:class:`~dicom_ocr.engines.base.LineEngine`):

1. lines are detected on the plane as rendered and on an enlarged copy (x2-x4, planes up to 1400 px: where 5-9 px
   text is found, :mod:`.variants`, ``scripts/scales.py`` at 37bcfc8);
2. the boxes of both scales are united: lines of both scales covering the same text form a group; the enlarged
   copy's lines are recognised, each grown over the plane's boxes of the same line (detectors clip line ends
   differently at each scale; a plane's box lumping several lines is left out of that); a line only the plane shows
   is recognised from the plane;
3. where some line was found, the areas near the lines found are searched once more on a dark-strokes copy
   (:func:`~.variants.dark_strokes`: dark text drawn over bright anatomy, which the detector misses on the plane),
   skipping areas on a dark ground and areas with no strong dark strokes outside the lines found; a line found there
   is recognised (with the first batch) when it shows text those lines miss; where faint text was read that the region
   filters keep (a line whose ink stands less than ``FAINT`` grey levels above or below its ground; faint reads of
   anatomy, which the filters drop, do not count), the whole plane is searched once more on a contrast-equalised
   copy (:func:`~.variants.equalised`), enlarged, and what it shows that the lines found miss is recognised in a
   third batch;
4. a line whose ink leaves a gap wider than a line height holds two fields (``fields.py``): it is cut there;
5. all chosen crops are recognised in one batch; where one of a group's lines is read as nothing, the group's lines
   of the other scale are recognised too (a second, small batch);
6. a tall line (vertical text) is recognised upright and turned both ways, and so is, in a second small batch, a
   squat line read as nothing (a lead marker turned a quarter); a turned reading is kept only when it is confident
   and longer than one character, as single marks read sideways are mostly texture. A tall line read as one
   character at most every way may hold letters stacked one above the other (``CS``, ``CM/S`` beside a colour bar):
   its glyphs are laid side by side and read as one line (:mod:`.stacked`);
7. a line read in one flat grey grows over the glyphs of that grey beside it, which anatomy as bright as the ink hid
   from the detector (:mod:`.same_ink`);
8. glyphs alone on a flat dark ground that no line found touches (a depth scale's digits), which the detector
   misses, are recognised one token each, and so are glyphs of a scale or an axis beside marks and rules, or dark on
   a light ground, or inside a line read as nothing (:mod:`.flat_glyphs`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..engines import polygon_box, quad_size
from ..engines.base import Detection, LineEngine, Word
from ..geometry import Box
from ..planes import Plane
from ..regions import components, drop_graphics, filter_words, is_multiline_lump
from ..regions.glyphs import ink
from .fields import split_all
from .flat_glyphs import read_flat_glyphs
from .same_ink import continue_lines
from .small_text import SKIPPED, may_hold_small_text
from .stacked import read_as_stacked, stacked_glyphs
from .stages import recognised, stage
from .variants import Variant, dark_parts, dark_strokes, enlarged_parts, equalised, grey, make_variants

COARSER = 2.0                 # the plane's box of a line may be up to this much thicker than the enlarged copy's
SAME_LINE = 0.5               # a box covered this much by a box of the other scale is the same line
TALL = 1.5                    # height / width from which a line may be vertical text
TURNED_MIN_CONFIDENCE = 0.7   # texture read sideways scores about 0.5; real vertical labels 0.9 and more
NEAR_ROWS = 2                 # the dark-strokes copy is searched this many line heights above and below found lines
NEAR_COLUMNS = 6              # and this many line heights before and after them
WHOLE_PLANE = 0.5             # where those areas cover more of the plane than this, the whole copy is searched
CONTAINED = 0.8               # a dark-strokes line this much inside a line found before adds nothing
DARK_MIN_CHARACTERS = 2       # single marks read on the dark-strokes or equalised copy of texture are mostly texture
                              # (not those of a column of glyphs, ``_in_column``)
STROKE_CONTRAST = 0.6         # a pixel this much darker than its surround is a stroke (texture rarely is)
STROKES_PER_HEIGHT = 4        # an area holding fewer stroke pixels outside the lines found than this many times
                              # their height holds no text they miss: not searched
DARK_SURROUND = 48            # areas where three quarters of the pixels are darker than this are text on a dark
                              # ground (its dark strokes are the gaps of bright text): not searched
FAINT = 64                    # grey levels between a line's ink and its ground under which its text is faint (text
                              # drawn to stand out: 80 and more; the synthetic set's low-contrast text: 22-57)


@dataclass(frozen=True, eq=False)
class Line:
    """A detected line: the scale it was found at, its quadrilateral there, and its box in the plane."""

    variant: Variant
    detection: Detection
    box: Box

    @property
    def tall(self) -> bool:
        width, height = quad_size(self.detection.quad)
        return width > 0 and height / width >= TALL


def detect_lines(engine: LineEngine, variant: Variant, plane: Plane) -> list[Line]:
    """The lines ``engine`` detects on ``variant``, with their boxes mapped to the plane."""
    rows, columns = variant.image.shape[:2]
    lines = []
    with stage(f"detect:{variant.name}", rows * columns):
        detections = engine.detect(variant.image)
    for detection in detections:
        box = polygon_box(detection.quad, rows, columns)
        box = variant.to_plane(box, plane.rows, plane.columns) if box is not None else None
        if box is not None:
            lines.append(Line(variant, detection, box))
    return lines


def _covered(box: Box, by: Box) -> float:
    overlap = box.intersection(by)
    return overlap.area / box.area if overlap is not None and box.area else 0.0


@dataclass(frozen=True)
class Choice:
    """The lines of both scales that cover the same text: those to recognise, and those to recognise only when one
    of them is read as nothing."""

    preferred: tuple[Line, ...]
    fallback: tuple[Line, ...]


def _same(a: Line, b: Line) -> bool:
    return _covered(a.box, b.box) >= SAME_LINE or _covered(b.box, a.box) >= SAME_LINE


def _on_one_line(a: Box, b: Box) -> bool:
    """Whether two overlapping boxes hold the same line: they overlap across it by half the thinner one, and neither
    is more than ``COARSER`` times as thick (a box over a graphic or a block of lines is not the line's extent)."""
    thinner, thicker = sorted((a.height, b.height))
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
    return overlap >= 0.5 * thinner and thicker <= COARSER * thinner


def _widened(line: Line, others: Sequence[Line], siblings: Sequence[Line]) -> Line:
    """``line`` with its box grown over the boxes other reads gave the same line (detectors clip line ends
    differently at each scale; the text is recognised from ``line``'s own crop), but not into its ``siblings``
    (the enlarged copy's other lines): a plane's box spanning two fields on one baseline grows neither over the
    other."""
    box = line.box
    for other in others:
        if other.box.intersection(line.box) is not None and _on_one_line(line.box, other.box):
            box = box.union(other.box)
    for sibling in siblings:
        if sibling is line or not _on_one_line(line.box, sibling.box):
            continue
        if sibling.box.left > line.box.right:
            box = Box(box.left, box.top, min(box.right, sibling.box.left - 1), box.bottom)
        elif sibling.box.right < line.box.left:
            box = Box(max(box.left, sibling.box.right + 1), box.top, box.right, box.bottom)
    return line if box == line.box else Line(line.variant, line.detection, box)


def _choose(plain: Sequence[Line], enlarged: Sequence[Line]) -> Choice:
    """Which lines of a group to recognise: the enlarged copy's, grown over the plane's boxes of the same line (a
    plane's box lumping several lines is left out of that), with the plane's as fallback; the plane's where the
    enlarged copy found nothing there."""
    if not enlarged:
        return Choice(tuple(plain), ())
    boxes = [e.box for e in enlarged]
    single = [p for p in plain if not is_multiline_lump(p.box, boxes, min_cover=0.0)]
    return Choice(tuple(_widened(e, single, enlarged) for e in enlarged), tuple(plain))


def unite(plain: Sequence[Line], enlarged: Sequence[Line]) -> list[Choice]:
    """The lines of both scales in groups covering the same text (linked by overlaps of ``SAME_LINE``), each with
    the scale to recognise it from."""
    lines = list(plain) + list(enlarged)
    pairs = [(i, j) for i in range(len(plain)) for j in range(len(plain), len(lines)) if _same(lines[i], lines[j])]
    choices = []
    for group in components(len(lines), pairs):
        choices.append(_choose([lines[i] for i in group if i < len(plain)],
                               [lines[i] for i in group if i >= len(plain)]))
    return choices


def _turned(crop: np.ndarray) -> list[np.ndarray]:
    """``crop`` turned a quarter anticlockwise and a quarter clockwise."""
    return [np.ascontiguousarray(np.rot90(crop, 1)), np.ascontiguousarray(np.rot90(crop, -1))]


def _best(upright: tuple[str, float], turned: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """The reading to keep: the upright one unless a turned one is better and sure (two characters at least)."""
    text, score = max(turned, key=lambda r: r[1], default=("", 0.0))
    if score >= TURNED_MIN_CONFIDENCE and len(text) >= 2 and score > upright[1]:
        return text, score
    return upright


def _may_be_turned(line: Line, reading: tuple[str, float]) -> bool:
    """Whether a line not clearly horizontal, read as nothing, may hold text turned a quarter (a lead marker)."""
    return not reading[0] and 2 * line.box.height >= line.box.width


def recognise_lines(engine: LineEngine, lines: Sequence[Line]) -> list[Word | None]:
    """Each line's text (None where it was read as nothing), all crops recognised in one batch.

    A tall line is read upright and turned both ways at once; a squat line read as nothing is read turned in a
    second, small batch; a tall line read as one character at most every way is read as letters stacked one above
    the other, its glyphs laid side by side, in a third (:mod:`.stacked`); read so, its box is theirs.
    """
    uprights = [engine.crop(line.variant.image, line.detection.quad) for line in lines]
    tall = [i for i, line in enumerate(lines) if line.tall]
    first = recognised(engine, uprights + [c for i in tall for c in _turned(uprights[i])])
    readings = first[:len(lines)]
    turned = {i: first[len(lines) + 2 * k:len(lines) + 2 * k + 2] for k, i in enumerate(tall)}
    retry = [i for i, line in enumerate(lines) if i not in turned and _may_be_turned(line, readings[i])]
    second = recognised(engine, [c for i in retry for c in _turned(uprights[i])])
    turned.update({i: second[2 * k:2 * k + 2] for k, i in enumerate(retry)})
    best = [_best(readings[i], turned.get(i, ())) for i in range(len(lines))]
    stacked = {i: glyphs for i, line in enumerate(lines) if line.tall and _one_glyph_at_most(best[i])
               for glyphs in [stacked_glyphs(uprights[i], line.variant.scale)] if glyphs is not None}
    boxes = [line.box for line in lines]
    for (i, glyphs), reading in zip(stacked.items(), recognised(engine, [g.image for g in stacked.values()])):
        if read_as_stacked(reading, glyphs):
            best[i], boxes[i] = reading, _part(lines[i].box, glyphs.extent)
    return [Word(box, text, score) if text else None for box, (text, score) in zip(boxes, best)]


def _part(box: Box, extent: tuple[float, float, float, float]) -> Box:
    """The part of ``box`` spanning the fractions ``extent`` (left, top, right, bottom) of its width and height."""
    left, top, right, bottom = extent
    return Box(box.left + int(left * box.width), box.top + int(top * box.height),
               box.left + min(box.width - 1, math.ceil(right * box.width)),
               box.top + min(box.height - 1, math.ceil(bottom * box.height)))


def _one_glyph_at_most(reading: tuple[str, float]) -> bool:
    """Whether a tall line's best reading is nothing or one character (how a stacked label read whole reads)."""
    return len(reading[0].strip()) <= 1


def areas_near(lines: Sequence[Line], rows: int, columns: int) -> list[Box]:
    """Where text the detector missed may lie beside the text lines it found (boxes at least twice as wide as high):
    each line's box grown ``NEAR_ROWS`` line heights up and down and ``NEAR_COLUMNS`` sideways, overlapping areas
    joined; the whole plane when they would cover more than ``WHOLE_PLANE`` of it."""
    areas = [area for line in lines if line.box.width >= 2 * line.box.height
             if (area := line.box.expand(NEAR_COLUMNS * line.box.height,
                                         NEAR_ROWS * line.box.height).clip(rows, columns)) is not None]
    merged = True
    while merged:
        merged = False
        for i, j in ((i, j) for i in range(len(areas)) for j in range(i + 1, len(areas))):
            if areas[i].intersection(areas[j]) is not None:
                areas[i] = areas[i].union(areas.pop(j))
                merged = True
                break
    if sum(area.area for area in areas) > WHOLE_PLANE * rows * columns:
        return [Box(0, 0, columns - 1, rows - 1)]
    return areas


def _in_column(line: Line, found: Sequence[Line]) -> bool:
    """Whether a line that is not tall lies inside a tall line ``found`` (a column of axis digits, ticks between them,
    that the detector took for one vertical line: read whole, it reads as nothing or as a jumble)."""
    return not line.tall and any(other.tall and _covered(line.box, other.box) >= CONTAINED for other in found)


def _adds_to(line: Line, found: Sequence[Line]) -> bool:
    """Whether a dark-strokes line shows text the lines ``found`` miss: it lumps none of them together, and lies on
    none of them or reaches a line height beyond those it lies on (a line clipped where it crosses bright anatomy);
    lying inside tall lines only, it is one glyph group of a column (:func:`_in_column`)."""
    if is_multiline_lump(line.box, [other.box for other in found], min_cover=0.0):
        return False
    same = [other.box for other in found
            if other.box.intersection(line.box) is not None and _on_one_line(line.box, other.box)]
    if not same:
        holders = [other for other in found if _covered(line.box, other.box) >= CONTAINED]
        return all(other.tall and not line.tall for other in holders)
    reach = line.box.height
    return (line.box.left <= min(b.left for b in same) - reach or line.box.right >= max(b.right for b in same) + reach)


def _height(lines: Sequence[Line]) -> int:
    """The median height of the text lines among ``lines``, in plane pixels."""
    heights = sorted(line.box.height for line in lines if line.box.width >= 2 * line.box.height)
    return heights[len(heights) // 2] if heights else 0


def _strokes_outside(strokes: np.ndarray, area: Box, found: Sequence[Line]) -> int:
    """How many pixels of ``area`` are dark strokes (:func:`~.variants.dark_strokes`, ``STROKE_CONTRAST``) outside
    the boxes of the lines ``found``."""
    mask = strokes[area.top:area.bottom + 1, area.left:area.right + 1] <= 255 * (1 - STROKE_CONTRAST)
    for line in found:
        inside = line.box.intersection(area)
        if inside is not None:
            mask[inside.top - area.top:inside.bottom - area.top + 1,
                 inside.left - area.left:inside.right - area.left + 1] = False
    return int(mask.sum())


def dark_choices(engine: LineEngine, plane: Plane, ground: np.ndarray, picture: Variant,
                 found: Sequence[Line]) -> list[Choice]:
    """The lines the detector finds on the dark-strokes copy of the areas near the lines ``found`` (but not on a dark
    ground, ``DARK_SURROUND``; ``ground`` is the plane's one channel) that the lines found do not already hold (dark
    text over bright anatomy hides from the detector, whole or in part), each recognised from that copy, or from
    ``picture`` (the plane at the same scale) where the copy's line is read as nothing."""
    choices = []
    strokes = dark_strokes(ground)
    areas = [area for area in areas_near(found, plane.rows, plane.columns)
             if np.percentile(ground[area.top:area.bottom + 1, area.left:area.right + 1], 75) >= DARK_SURROUND
             and _strokes_outside(strokes, area, found) >= STROKES_PER_HEIGHT * _height(found)]
    for variant in dark_parts(plane, areas, strokes):
        for line in detect_lines(engine, variant, plane):
            if _adds_to(line, found):
                shift = np.array(variant.offset, np.float32) * picture.scale   # both copies are at one scale
                same = Line(picture, Detection(line.detection.quad + shift, line.detection.score), line.box)
                choices.append(Choice((line,), (same,)))
    return choices


def contrast(ground: np.ndarray, box: Box) -> float:
    """How far the ink of the text in ``box`` stands from its ground on ``ground`` (one channel): the difference of
    the means of the two sides of the Otsu threshold that :func:`~dicom_ocr.regions.glyphs.ink` splits the box into
    (0 where the box is flat)."""
    crop = ground[box.top:box.bottom + 1, box.left:box.right + 1]
    if crop.size < 4:
        return 255.0
    mask = ink(ground, box)
    return abs(float(crop[mask].mean()) - float(crop[~mask].mean())) if mask is not None else 0.0


def holds_faint_text(plane: Plane, ground: np.ndarray, words: Sequence[Word]) -> bool:
    """Whether some word read (the recogniser's score is above its threshold) that the region filters keep
    (:func:`~dicom_ocr.regions.filter_words`, :func:`~dicom_ocr.regions.drop_graphics`) is faint (``FAINT``). On
    real text-free slices nearly every faint read is anatomy the filters drop: counting those searched 170 of 560
    archive slices for nothing (BENCHMARKS.md)."""
    faint = [w for w in words if contrast(ground, w.box) < FAINT]
    return bool(faint) and bool(drop_graphics(filter_words(faint, plane.rows, plane.columns), plane.image))


def faint_choices(engine: LineEngine, plane: Plane, ground: np.ndarray, picture: Variant,
                  found: Sequence[Line]) -> list[Choice]:
    """The lines the detector finds on the contrast-equalised copy of the whole plane (its one channel ``ground``,
    enlarged as ``picture``, the plane at that scale, is) that the lines ``found`` do not already hold, each recognised
    from that copy, or from ``picture`` where the copy's line is read as nothing."""
    whole = Box(0, 0, plane.columns - 1, plane.rows - 1)
    variant = next(enlarged_parts("clahe", equalised(ground), plane, [whole]))
    return [Choice((line,), (Line(picture, line.detection, line.box),))
            for line in detect_lines(engine, variant, plane) if _adds_to(line, found)]


def _read(engine: LineEngine, choices: Sequence[Choice], plane: Plane) -> list[tuple[Line, list[Word | None]]]:
    """Each line recognised with its words: the choices' preferred lines, then the fallback lines of the choices
    where a preferred line was read as nothing."""
    preferred = [line for choice in choices for line in choice.preferred]
    words = recognise_fields(engine, preferred, plane)
    read = {id(line) for line, word in zip(preferred, words) if any(w is not None for w in word)}
    fallback = [line for choice in choices if not all(id(line) in read for line in choice.preferred)
                for line in choice.fallback]
    return list(zip(preferred + fallback, words + recognise_fields(engine, fallback, plane)))


def read_once_per_line(engine: LineEngine, plane: Plane, notes: list[str] | None = None) -> list[Word]:
    """The words of ``plane``, boxes in plane pixels: each group of lines recognised from its preferred scale, and
    from the other one too where a preferred line was read as nothing. The enlarged copy is detected where the plane
    may hold small text (:mod:`.small_text`; else ``notes`` gets why not). A plane where some text was found is
    searched again for dark text on its dark-strokes copy (dark text over bright anatomy hides from the detector),
    and one where faint text was read, on its contrast-equalised copy; a line read in one flat grey is continued
    over its own ink (:mod:`.same_ink`); glyphs alone on a flat ground that no line found touches (or only lines read
    as nothing, in a scale) are read last (:mod:`.flat_glyphs`)."""
    scales = {v.name: v for v in make_variants(plane, ("plain", "x2"))}
    picture = scales.get("x2", scales["plain"])
    plain = detect_lines(engine, scales["plain"], plane)
    ground = grey(plane)
    enlarged = []
    if "x2" in scales:
        if may_hold_small_text(ground, [line.box for line in plain]):
            enlarged = detect_lines(engine, scales["x2"], plane)
        elif notes is not None:
            notes.append(SKIPPED)
    choices = unite(plain, enlarged)
    searched = dark_choices(engine, plane, ground, picture, plain + enlarged) if choices else []
    lines = _read(engine, choices + searched, plane)
    if holds_faint_text(plane, ground, [w for _, words in lines for w in words if w is not None]):
        found = plain + enlarged + [line for choice in searched for line in choice.preferred]
        faint = faint_choices(engine, plane, ground, picture, found)
        lines += _read(engine, faint, plane)
        searched += faint
    from_search = {id(line) for choice in searched for line in choice.preferred + choice.fallback}
    words = [w for line, line_words in lines for w in line_words if w is not None
             and (id(line) not in from_search or len(w.text.replace(" ", "")) >= DARK_MIN_CHARACTERS
                  or _in_column(line, plain + enlarged))]
    words = continue_lines(ground, words)
    read_as_nothing = {id(line) for line, line_words in lines if all(w is None for w in line_words)}
    covered = [line.box for line in plain + enlarged if id(line) not in read_as_nothing] + [w.box for w in words]
    unread = [line.box for line in plain + enlarged if id(line) in read_as_nothing]
    return words + read_flat_glyphs(engine, plane.image, ground, covered, unread)


def recognise_fields(engine: LineEngine, lines: Sequence[Line], plane: Plane) -> list[list[Word | None]]:
    """The words of each line: of each of its fields (``fields.py``), or of the whole line where one of its fields
    reads as nothing."""
    fields = split_all(engine, lines, plane.rows, plane.columns)
    words = recognise_lines(engine, [field for pieces in fields for field in pieces])
    per_line, position = [], 0
    for pieces in fields:
        per_line.append(words[position:position + len(pieces)])
        position += len(pieces)
    whole = [i for i, line_words in enumerate(per_line) if len(line_words) > 1 and None in line_words]
    for i, word in zip(whole, recognise_lines(engine, [lines[i] for i in whole])):
        per_line[i] = [word]
    return per_line
