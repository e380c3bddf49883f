"""A line continues in its own ink (detection/same_ink.py): glyphs of a line's flat grey beside it, over anatomy as
bright as that grey, join its box; noise, other lines, far fields and unflat ink do not."""
from __future__ import annotations

import cv2
import numpy as np

from dicom_ocr.detection.same_ink import continue_lines, continued
from dicom_ocr.engines.base import Word
from dicom_ocr.geometry import Box

GREY = 57


def plane_with_line(text: str = "Dr. Dubois", grey: int = GREY) -> tuple[np.ndarray, Box, Box]:
    """A 120 x 400 plane: noisy anatomy around the line's grey on the left (40-90), dark on the right (0-30), black
    below; ``text`` drawn in one flat grey across both. Returns the plane, the box of the part on the dark side (what
    the detector finds) and the box of the whole line's ink."""
    rng = np.random.default_rng(3)
    plane = np.zeros((120, 400), np.uint8)
    plane[:100, :150] = rng.integers(40, 91, (100, 150))
    plane[:100, 150:] = rng.integers(0, 31, (100, 250))
    cv2.putText(plane, text, (60, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.9, grey, 2, lineType=cv2.LINE_8)
    drawn = np.zeros_like(plane)
    cv2.putText(drawn, text, (60, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 255, 2, lineType=cv2.LINE_8)
    rows, columns = np.flatnonzero(drawn.any(axis=1)), np.flatnonzero(drawn.any(axis=0))
    whole = Box(int(columns[0]), int(rows[0]), int(columns[-1]), int(rows[-1]))
    found = Box(150, whole.top - 3, whole.right + 3, whole.bottom + 3)
    return plane, found, whole


def test_a_grey_line_cut_where_it_crosses_bright_anatomy_is_continued_over_its_own_ink():
    plane, found, whole = plane_with_line()
    box = continued(plane, found)
    assert box.left <= whole.left and box.right == found.right and box.top == found.top


def test_a_line_is_not_continued_into_another_line_read():
    plane, found, whole = plane_with_line()
    other = Box(whole.left, found.top, 140, found.bottom)
    assert continued(plane, found, [other]).left >= 141


def test_a_line_whose_ink_is_not_one_flat_grey_is_left_as_it_was():
    plane, found, _ = plane_with_line()
    rng = np.random.default_rng(4)
    ink = plane == GREY
    plane[ink] = rng.integers(50, 65, int(ink.sum()))                    # compressed text: no one exact grey
    assert continued(plane, found) == found


def test_ink_of_the_planes_brightest_grey_is_left_as_it_was():
    plane, found, _ = plane_with_line(grey=255)
    assert continued(plane, found) == found


def test_noise_of_the_lines_grey_beside_it_does_not_continue_it():
    plane, found, whole = plane_with_line(text="Dubois")
    plane[:100, :150] = np.random.default_rng(5).integers(40, 91, (100, 150))   # the left part anatomy only
    assert continued(plane, found) == found


def test_a_full_stop_links_the_words_of_a_line_across_a_wider_gap():
    """``Dr.`` found, ``Dubois`` beyond its full stop and a space (more than a field gap from the ``r``): joined."""
    plane, _, whole = plane_with_line(text="Dr. Dubois")
    ink = plane == GREY
    plane[:100, :150] = np.random.default_rng(6).integers(0, 31, (100, 150))   # all on a dark ground
    plane[ink] = GREY
    plane[105:, 300:] = 255                                                      # not the plane's brightest grey
    box = Box(whole.left - 3, whole.top - 3, whole.left + 27, whole.bottom + 3)   # the D and the r, not the stop
    grown = continued(plane, box)
    assert grown.right >= whole.right - 3 and (grown.left, grown.top, grown.bottom) == (box.left, box.top, box.bottom)


def test_only_lines_of_three_characters_and_more_are_continued():
    plane, found, _ = plane_with_line()
    words = continue_lines(plane, [Word(found, "Dubois", 0.99), Word(found, "Du", 0.99)])
    assert words[0].box.left < found.left and words[1].box == found
