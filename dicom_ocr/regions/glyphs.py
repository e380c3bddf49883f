"""Glyphs or graphics: whether the ink under a short read has the thin strokes of lettering.

A recogniser reads something into nearly any mark: a bone edge as ``Y``, a colour-Doppler blob as ``1``, a biopsy
marker's bar as ``1``, chest texture as ``2``. Lettering, at any size, is drawn in strokes a fraction of the glyph's
height wide; those marks are blobs and edges nearly as thick as the box. Measured on the short unsure reads (two
characters at most, confidence under 0.9) of the synthetic set and the corpus's text-free files (``stroke_ratio``,
BENCHMARKS.md): reads of real text 0.17-0.25; reads of graphics in boxes of 8 px or more 0.41-0.65, but for a thin
cross marker read as ``X`` (0.28), which this test cannot tell from lettering. Grainy texture (speckle, MR noise)
thresholds into thin specks too, but into hundreds of them: a short read of real text has its ink in at most 10
pieces (synthetic set), a read of noise or of a fill's edge on noise in 13 to 18,000.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..geometry import Box
from .region import characters

THIN_STROKES = 0.3   # stroke width / box's shorter side, at most, for the ink to be lettering
TWO_TONE = 0.76      # share of the grey variance the ink/ground split explains, at least, for lettering: real glyphs
                     # of the devset 0.77-0.99, real anatomy of text-free slices and XA noise 0.55-0.76


def grey(image: np.ndarray) -> np.ndarray:
    """One 8-bit channel: the channel maximum of a colour image, which keeps coloured text bright."""
    if image.ndim == 2:
        return image
    channels = cv2.split(image)
    return cv2.max(cv2.max(channels[0], channels[1]), channels[2])


def grey_under(image: np.ndarray, box: Box) -> np.ndarray:
    """The grey (:func:`grey`) of the pixels under ``box`` only: the whole plane's channel maximum is not needed."""
    return grey(image[box.top:box.bottom + 1, box.left:box.right + 1])


def ink(image: np.ndarray, box: Box) -> np.ndarray | None:
    """The ink under ``box`` (True pixels): the side of an Otsu threshold of the box's pixels that its border,
    mostly background, is not on; None when the box is flat."""
    crop = grey_under(image, box)
    if crop.size == 0 or int(crop.max()) == int(crop.min()):
        return None
    _, mask = cv2.threshold(np.ascontiguousarray(crop), 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([mask[0], mask[-1], mask[:, 0], mask[:, -1]])
    return mask == 0 if border.mean() > 0.5 else mask == 1


def without_rules(mask: np.ndarray, rule: int) -> np.ndarray:
    """``mask`` (marks, any type) as 0/1 without its straight runs of ``rule`` px across or down (rules: an axis, a
    ruler's line, a bracket)."""
    marks = mask.astype(np.uint8)
    rules = cv2.bitwise_or(cv2.morphologyEx(marks, cv2.MORPH_OPEN, np.ones((1, rule), np.uint8)),
                           cv2.morphologyEx(marks, cv2.MORPH_OPEN, np.ones((rule, 1), np.uint8)))
    return cv2.bitwise_and(marks, 1 - rules)


def stroke_ratio(mask: np.ndarray | None, box: Box) -> float:
    """The widest stroke of ``mask``, the ink under ``box`` (:func:`ink`), as twice its largest distance to the
    background, over the box's shorter side; 1.0 when there is no ink to measure."""
    if mask is None or not mask.any():
        return 1.0
    distance = cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 3)
    return float(2 * distance.max() / max(1, min(box.height, box.width)))


PIECES_PER_CHARACTER = 4   # separate blobs of ink a character may be drawn in, at most (i, j, %, 量), with
PIECES_SLACK = 4           # this many more (a speck of noise or a neighbour's edge)


def ink_pieces(mask: np.ndarray | None) -> int:
    """How many separate (8-connected) blobs ``mask``, the ink under a box (:func:`ink`), is made of; 0 when there is
    none."""
    if mask is None:
        return 0
    count, _ = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    return count - 1


def two_tone(image: np.ndarray, box: Box, mask: np.ndarray | None) -> float:
    """How much of the grey variance under ``box`` the split into ``mask`` (its ink, :func:`ink`) and ground explains
    (Otsu's effectiveness, 0..1): near 1 for glyphs drawn in one flat ink on a flat ground with sharp edges, lower for
    anatomy, whose shading and noise lie on both sides of any threshold."""
    if mask is None or mask.all() or not mask.any():
        return 0.0
    crop = grey_under(image, box).astype(np.float64)
    variance = float(crop.var())
    if variance == 0:
        return 0.0
    share = float(mask.mean())
    return share * (1 - share) * (float(crop[mask].mean()) - float(crop[~mask].mean())) ** 2 / variance


FLAT_INK = 0.3       # share of the ink at its extreme tone, at least, for rendered glyphs: real and synthetic text read
                     # with little confidence 0.32-1.0, reads of anatomy and XA noise 0.05-0.21 (BENCHMARKS.md)


def _ink_over_ground(crop: np.ndarray, mask: np.ndarray) -> float:
    """The median grey level of the ink (``mask``) of ``crop`` less that of its ground: above 0 for bright ink."""
    return float(np.median(crop[mask])) - float(np.median(crop[~mask]))


def flat_ink(image: np.ndarray, box: Box, mask: np.ndarray | None) -> float:
    """The share of the ink under ``box`` (``mask``, :func:`ink`) within a tenth of its contrast of the ink's extreme
    tone (its 90th percentile when brighter than the ground, 10th when darker): rendered glyphs are filled with one
    tone, even when drawn over shaded anatomy (which lowers :func:`two_tone`); anatomy read as text is shaded
    throughout. 0.0 when there is no ink."""
    if mask is None or mask.all() or not mask.any():
        return 0.0
    crop = grey_under(image, box).astype(np.float32)
    ink_tones, difference = crop[mask], _ink_over_ground(crop, mask)
    extreme = float(np.percentile(ink_tones, 90 if difference > 0 else 10))
    contrast = abs(difference)
    return float(np.mean(np.abs(ink_tones - extreme) <= 0.1 * contrast)) if contrast else 0.0


def drawn_in_flat_ink(image: np.ndarray, box: Box, mask: np.ndarray | None = None) -> bool:
    """Whether the ink under ``box`` (``mask``, :func:`ink` when not given) is rendered lettering by its tones:
    two-tone (:func:`two_tone`) or filled with one flat tone (:func:`flat_ink`). The test for longer unsure reads,
    whose strokes and pieces vary too much to count."""
    mask = ink(image, box) if mask is None else mask
    return two_tone(image, box, mask) >= TWO_TONE or flat_ink(image, box, mask) >= FLAT_INK


GLYPH_CONTRAST = 16  # grey levels between a short read's ink and its ground, at least, for a glyph drawn to be seen:
#                      reads of noise on air and MR grain 5-14, the faintest real or synthetic short read 26


def ink_contrast(image: np.ndarray, box: Box, mask: np.ndarray | None) -> float:
    """How far the ink under ``box`` (``mask``, :func:`ink`) stands from its ground: the difference of their median
    grey levels; 0 when there is no ink or no ground."""
    if mask is None or mask.all() or not mask.any():
        return 0.0
    return abs(_ink_over_ground(grey_under(image, box), mask))


GLYPH_SPAN = 4       # px: the least extent of the ink of a legible glyph (real reads 5 px and more in every set)


def is_dot(mask: np.ndarray | None) -> bool:
    """Whether ``mask``, the ink under a box (:func:`ink`), spans fewer than ``GLYPH_SPAN`` pixels both ways: a scale
    or caliper dot, read as ``99`` or ``G9`` in a box five times its size, not a glyph."""
    if mask is None or not mask.any():
        return False
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[-1] - rows[0] + 1 < GLYPH_SPAN and columns[-1] - columns[0] + 1 < GLYPH_SPAN


def speckled(image: np.ndarray, box: Box, mask: np.ndarray | None, characters: int = 1) -> bool:
    """Whether ``mask``, the ink under ``box`` (:func:`ink`), is speckle rather than ``characters`` rendered glyphs:
    in more pieces than they are drawn in (``PIECES_PER_CHARACTER`` each, plus ``PIECES_SLACK``) and without the
    tones of lettering (:func:`drawn_in_flat_ink`). Sure reads of real text, of the synthetic set and of the devset,
    are never both; sure reads of CT and MR grain (``2``, ``:`` and ``三`` in 12-18 pieces) are."""
    return ink_pieces(mask) > PIECES_PER_CHARACTER * characters + PIECES_SLACK \
        and not drawn_in_flat_ink(image, box, mask)


def looks_like_lettering(image: np.ndarray, box: Box, characters: int = 1, mask: np.ndarray | None = None) -> bool:
    """Whether the ink under ``box`` is drawn in one flat tone on a flat ground (:func:`two_tone`), in thin strokes,
    as lettering is (see the module docstring), and in few enough blobs for ``characters`` characters: the ink of a
    read of grainy texture or of a fill's edge on noise (an ``一`` over a black box in speckle, hundreds of specks)
    is not. ``mask``: the ink under ``box`` when already thresholded (:func:`ink`)."""
    mask = ink(image, box) if mask is None else mask       # thresholded once for all three tests
    return two_tone(image, box, mask) >= TWO_TONE and stroke_ratio(mask, box) <= THIN_STROKES \
        and ink_pieces(mask) <= PIECES_PER_CHARACTER * characters + PIECES_SLACK


STRAY_INK = 0.05     # share of a box's ink allowed outside its band of ink rows for the box to be tightened to it
BAND_SLACK = 0.25    # a tightened box keeps this share of its ink band's height above and below it (faint glyph edges)


def ink_rows(image: np.ndarray, box: Box) -> tuple[int, int] | None:
    """The first and last rows (plane coordinates) of the ink under ``box``, when its ink lies in one band of
    rows with at most ``STRAY_INK`` of it elsewhere; None when the ink is not that clear (texture, a lump of
    lines)."""
    mask = ink(image, box)
    if mask is None:
        return None
    counts = mask.sum(axis=1)
    total = int(counts.sum())
    if total == 0:
        return None
    inked = np.flatnonzero(counts >= max(1, 0.02 * box.width))
    if len(inked) == 0:
        return None
    first, last = int(inked[0]), int(inked[-1])
    if total - int(counts[first:last + 1].sum()) > STRAY_INK * total or last - first + 1 < 3:
        return None
    return box.top + first, box.top + last


MARKED = 0.25       # share of the ink's contrast with its ground from which a pixel is a mark (a faint glyph, an edge)
END_SLACK = 0.25     # a box trimmed to its marks keeps this share of the marks' shorter extent on each side


def marked(image: np.ndarray, box: Box) -> np.ndarray | None:
    """The pixels under ``box`` that stand out from its ground (the median of its border) by at least ``MARKED`` of
    the contrast of its ink (:func:`ink`): the glyphs with their faint edges and any fainter glyph beside them; None
    when the box has no ink."""
    mask = ink(image, box)
    if mask is None or not mask.any() or mask.all():
        return None
    crop = grey_under(image, box).astype(np.float32)
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    ground = float(np.median(border))
    contrast = abs(float(crop[mask].mean()) - ground)
    return np.abs(crop - ground) >= max(1.0, MARKED * contrast)


def runs_of(profile: np.ndarray) -> list[tuple[int, int]]:
    """The first and last index of each run of True in ``profile``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], profile.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


CUT_PIECES = 2       # blobs of marks, at most, in a run the box cuts for it to be a graphic (a border, a bar), not glyphs


def without_cut_marks(mask: np.ndarray, across_rows: bool = True) -> np.ndarray:
    """``mask`` (the marks under a box) without the graphics the box cuts across its line: the runs of marked rows (of
    columns when ``across_rows`` is False: a vertical line) that touch the box's edge, apart from the run at the box's
    centre, and are drawn in at most ``CUT_PIECES`` blobs. A detector frames its text in the middle of its box, with
    room above and below; one or two blobs at the edge beyond an empty row are a soft key's border, a colour bar or an
    edge the box reached into. A run in more pieces may be the glyphs of a line above or below, and stays covered.
    Unchanged when the centre run itself touches an edge (no room to tell)."""
    across = mask if across_rows else mask.T
    runs = runs_of(np.asarray(across.any(axis=1)))
    if not runs:
        return mask
    centre = (across.shape[0] - 1) / 2
    middle = min(runs, key=lambda run: max(run[0] - centre, centre - run[1], 0))   # the run at, or nearest, the centre
    last = across.shape[0] - 1
    if middle[0] == 0 or middle[1] == last:
        return mask
    kept = across.copy()
    for first, final in runs:
        if (first == 0 or final == last) and ink_pieces(across[first:final + 1]) <= CUT_PIECES:
            kept[first:final + 1] = False
    return kept if across_rows else kept.T


def _marked_columns(image: np.ndarray, box: Box) -> tuple[np.ndarray, list[tuple[int, int]]] | None:
    """The marks under ``box`` (:func:`marked`) and their runs of marked columns, when there are two runs at least
    (something apart from something else); None otherwise."""
    mask = marked(image, box)
    if mask is None:
        return None
    runs = runs_of(np.asarray(mask.any(axis=0)))
    return (mask, runs) if len(runs) >= 2 else None


def _rows_of(mask: np.ndarray, columns: tuple[int, int]) -> np.ndarray:
    """The rows of ``mask`` marked within the run of ``columns`` (first, last)."""
    return np.flatnonzero(mask[:, columns[0]:columns[1] + 1].any(axis=1))


CORNER_SLIVER = 3     # px: a graphic cut by a box's corner shows as this many columns at most; no wider than the
                      # margin every region gets (regions.margins), so that what is cut off stays covered


def clear_of_corner_marks(image: np.ndarray, box: Box) -> Box:
    """``box`` of a read of one or two glyphs without a graphic cutting across its corner: a sliver of marked
    columns (:func:`marked`; ``CORNER_SLIVER``) at its left or right end, apart from the glyphs, that reaches the
    box's side edge and its top or bottom edge while the glyphs reach neither (the edge of a colour bar beside a
    scale digit, which keeps the box from being tightened to the digit). Whatever is cut off is no wider than the
    region's margin: it stays covered. Unchanged otherwise."""
    marks = _marked_columns(image, box)
    if marks is None:
        return box
    mask, runs = marks
    last_row, last_column = mask.shape[0] - 1, mask.shape[1] - 1

    def cuts_corner(run: tuple[int, int], rest: tuple[int, int]) -> bool:
        own, glyphs = _rows_of(mask, run), _rows_of(mask, rest)
        return (run[0] == 0 or run[1] == last_column) and glyphs[0] > 0 and glyphs[-1] < last_row \
            and (own[0] == 0 or own[-1] == last_row) and ink_pieces(mask[:, run[0]:run[1] + 1]) <= CUT_PIECES \
            and run[1] - run[0] + 1 <= CORNER_SLIVER

    left, right = box.left, box.right
    if cuts_corner(runs[-1], (runs[0][0], runs[-2][1])):
        right = box.left + runs[-2][1] + 1
    if cuts_corner(runs[0], (runs[1][0], runs[-1][1])):
        left = box.left + runs[1][0] - 1
    return Box(left, box.top, right, box.bottom)


FRAME_SIDE = 0.9     # share of a side of the marks' extent that must be marked for that side to be a frame's line


def within_frame(mask: np.ndarray) -> np.ndarray:
    """``mask`` without the frame its marks are drawn in (an icon's or a soft key's border around its letter): while
    the outermost rows and columns of the marks are lines along ``FRAME_SIDE`` of their extent and the rows just
    inside them are not (an outline, not a filled block), that rim is peeled off. Unchanged when nothing would be
    left inside."""
    peeled = mask.copy()
    while True:
        rows, columns = np.flatnonzero(peeled.any(axis=1)), np.flatnonzero(peeled.any(axis=0))
        if len(rows) == 0:
            return mask
        if len(rows) < 5 or len(columns) < 5:           # too small to be drawn in a frame
            return peeled
        top, bottom, left, right = rows[0], rows[-1], columns[0], columns[-1]
        lines = (peeled[top, left:right + 1], peeled[bottom, left:right + 1], peeled[top:bottom + 1, left],
                 peeled[top:bottom + 1, right])
        inside = (peeled[top + 1, left:right + 1], peeled[bottom - 1, left:right + 1])
        if min(line.mean() for line in lines) < FRAME_SIDE or max(row.mean() for row in inside) >= FRAME_SIDE:
            return peeled
        peeled[[top, bottom], :] = False
        peeled[:, [left, right]] = False


def trimmed(image: np.ndarray, box: Box) -> Box:
    """``box`` without the rows and columns at its ends that hold no mark (:func:`marked`) or only marks the box cuts
    (:func:`without_cut_marks`), plus ``END_SLACK`` of the marks' shorter extent on each side. Between its first and
    last glyph mark a box is kept whole: a box over texture or a line of glyphs. Detector boxes of short text on
    small planes are 2-4 times the size of their glyphs (their unclip ratio at the enlarged scale), so that rects
    would cover anatomy around a lone letter."""
    mask = marked(image, box)
    if mask is None:
        return box
    mask = within_frame(without_cut_marks(mask, across_rows=box.width >= box.height))
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1
    slack = max(1, round(END_SLACK * min(height, width)))
    return Box(max(box.left, box.left + int(columns[0]) - slack), max(box.top, box.top + int(rows[0]) - slack),
               min(box.right, box.left + int(columns[-1]) + slack), min(box.bottom, box.top + int(rows[-1]) + slack))


DOTS = "•●·∙◦"       # what OCR reads a scale dot beside a glyph as (``0 •``, ``10●`` on a depth scale)


DOT_FILL = 0.55      # a dot fills this share of its box at least (Toshiba's 6 px scale dots: 0.67; thin-stroked digits
                     # 0.3-0.45)
DOT_HEIGHT = 0.75    # and is at most this share of the height of the glyph beside it


def _is_dot_beside(mask: np.ndarray, run: tuple[int, int], glyph: tuple[int, int]) -> bool:
    """Whether the marks in columns ``run`` of ``mask`` are a filled dot, lower than those of the glyph in
    columns ``glyph``."""
    dot_rows, glyph_rows = _rows_of(mask, run), _rows_of(mask, glyph)
    dot_height, glyph_height = dot_rows[-1] - dot_rows[0] + 1, glyph_rows[-1] - glyph_rows[0] + 1
    fill = mask[dot_rows[0]:dot_rows[-1] + 1, run[0]:run[1] + 1].mean()
    return bool(fill >= DOT_FILL and dot_height <= DOT_HEIGHT * glyph_height)


def without_end_dot(image: np.ndarray, box: Box, text: str) -> Box:
    """``box`` of a horizontal read that ends (or starts) with a dot character, without the dot's own run of marked
    columns when that is a dot (:func:`_is_dot_beside`) apart from the glyphs: a depth scale's tick dot beside its
    digit is no text, and the read's box would otherwise be twice as wide as the digit. Unchanged otherwise."""
    stripped = text.strip()
    if box.width < box.height or not stripped or not (stripped[-1] in DOTS or stripped[0] in DOTS):
        return box
    marks = _marked_columns(image, box)
    if marks is None:
        return box
    mask, runs = marks
    if stripped[-1] in DOTS and _is_dot_beside(mask, runs[-1], runs[-2]):
        slack = max(1, round(END_SLACK * (runs[-2][1] - runs[-2][0] + 1)))
        box = Box(box.left, box.top, min(box.right, box.left + runs[-2][1] + slack), box.bottom)
    if stripped[0] in DOTS and _is_dot_beside(mask, runs[0], runs[1]):
        slack = max(1, round(END_SLACK * (runs[1][1] - runs[1][0] + 1)))
        box = Box(max(box.left, box.left + runs[1][0] - slack), box.top, box.right, box.bottom)
    return box


GLYPH_WIDTH = 0.35   # the narrowest a character of a read is, in glyph heights (digits and capitals: 0.5-0.7)


def room_for(box: Box, trimmed_box: Box, text: str) -> Box:
    """``trimmed_box`` (a horizontal read's box trimmed to its marks), given back its untrimmed ends when it has too
    little room for ``text``: fewer than ``GLYPH_WIDTH`` glyph heights per letter or digit. Low-contrast text on a
    gradient marks only where it stands out most, and the trim would cut its other glyphs off."""
    if box.width < box.height:
        return trimmed_box
    if trimmed_box.width >= GLYPH_WIDTH * characters(text) * trimmed_box.height:
        return trimmed_box
    return Box(box.left, trimmed_box.top, box.right, trimmed_box.bottom)


def tightened(image: np.ndarray, box: Box) -> Box:
    """``box`` of a horizontal line with its top and bottom moved in to the rows its glyphs' ink spans (see
    ``ink_rows``), plus ``BAND_SLACK``, then any box without its empty ends (:func:`trimmed`); unchanged where that is
    not clear. A detector's line box is up to three times as tall as the glyphs of small text (its boxes are grown by
    an unclip ratio), so that its rect would cover the lines above and below."""
    rows = ink_rows(image, box) if box.width >= box.height else None
    if rows is not None:
        slack = max(1, round(BAND_SLACK * (rows[1] - rows[0] + 1)))
        box = Box(box.left, max(box.top, rows[0] - slack), box.right, min(box.bottom, rows[1] + slack))
    return trimmed(image, box)
