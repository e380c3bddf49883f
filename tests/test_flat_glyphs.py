"""Glyphs alone on a flat ground (detection/flat_glyphs.py): a depth scale's digits are proposed and read; bars,
blocks, colour blobs, anything on the plane's edge or on a textured ground are not proposed."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from dicom_ocr.detection.flat_glyphs import proposals, read_flat_glyphs
from dicom_ocr.engines import engine_status, get_engine
from dicom_ocr.engines.base import Word
from dicom_ocr.geometry import Box

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset" / "files"


def depth_scale() -> tuple[np.ndarray, dict[str, Box]]:
    """A black 300 x 200 colour plane with a dotted ruler and white digits 0, 5 and 15 beside it (9 px high)."""
    image = np.zeros((300, 200, 3), np.uint8)
    for row in range(20, 290, 12):
        image[row:row + 3, 120:123] = 255
    digits = {}
    for text, row in (("0", 30), ("5", 140), ("15", 260)):
        (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        cv2.putText(image, text, (110 - width, row), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
        digits[text] = Box(110 - width, row - height, 109, row)
    return image, digits


def devset_words(name: str) -> list[Word]:
    """The words ``read_once_per_line`` reads on frame 0 of the devset's file ``name`` (skipped without RapidOCR)."""
    from dicom_ocr.detection.lines import read_once_per_line
    from dicom_ocr.planes import iter_planes

    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    plane = next(iter(iter_planes(DEVSET / name, frames=[0])))
    return read_once_per_line(get_engine("rapidocr", threads=1), plane)


def test_the_digits_of_a_depth_scale_are_proposed_not_the_ruler_dots():
    image, digits = depth_scale()
    found = proposals(image, image.max(axis=2), [])
    assert len(found) == len(digits)
    assert all(any(box.intersection(digit) for box in found) for digit in digits.values())


def test_a_glyph_touched_by_a_line_found_is_not_proposed_again():
    image, digits = depth_scale()
    found = proposals(image, image.max(axis=2), [digits["5"]])
    assert len(found) == 2 and not any(box.intersection(digits["5"]) for box in found)


def test_bars_blocks_colour_blobs_edges_and_texture_are_not_proposed():
    image = np.zeros((200, 200, 3), np.uint8)
    image[50:62, 0:4] = 255                                     # a bar on the plane's edge
    image[100:110, 50:58] = 255                                 # a solid block
    cv2.ellipse(image, (150, 60), (4, 6), 0, 0, 360, (255, 40, 0), -1)      # a colour-flow blob
    assert proposals(image, image.max(axis=2), []) == []
    noisy = np.random.default_rng(2).normal(60, 20, (200, 200)).clip(0, 255).astype(np.uint8)
    cv2.putText(noisy, "5", (100, 100), cv2.FONT_HERSHEY_PLAIN, 0.8, 255, 1)  # a glyph on textured ground
    assert proposals(noisy, noisy, []) == []


def test_rapidocr_reads_the_proposed_digits():
    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    image, digits = depth_scale()
    words = read_flat_glyphs(get_engine("rapidocr", threads=1), image, image.max(axis=2), [])
    assert sorted(word.text for word in words) == sorted(digits)


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared is not here")
def test_a_real_depth_scale_digit_the_detector_misses_is_read():
    """The devset's Toshiba cine (I_000036), frame 0: the depth scale's 5 (6 x 10 px at 112,198) is proposed by no detection."""
    words = devset_words("go-dicom/I_000036.dcm")
    assert any(word.text == "5" and word.box.intersection(Box(112, 198, 117, 207)) for word in words)


def test_a_plane_of_more_blobs_than_a_scale_has_is_not_searched(monkeypatch):
    """A screen or speckle field of thousands of glyph-sized blobs: joining them into tokens would take seconds."""
    from dicom_ocr.detection import flat_glyphs

    def joined(glyphs):
        raise AssertionError(f"{len(glyphs)} blobs joined into tokens")
    monkeypatch.setattr(flat_glyphs, "_tokens", joined)
    image = np.zeros((700, 700), np.uint8)
    for row in range(10, 690, 20):
        for column in range(10, 690, 12):
            image[row:row + 8, column:column + 3] = 255
    assert proposals(image, image, []) == []


def chart_axis() -> tuple[np.ndarray, dict[str, Box]]:
    """A white 300 x 200 colour plane with a chart's vertical axis (a line, a tick at each digit) and black digits
    3, 2, 1 and 0 left of it (9 px high), as a report draws a T-score axis."""
    image = np.full((300, 200, 3), 255, np.uint8)
    image[10:290, 120] = 0
    digits = {}
    for text, row in (("3", 40), ("2", 80), ("1", 120), ("0", 160)):
        (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        cv2.putText(image, text, (112 - width, row), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1)
        image[row - height // 2, 113:120] = 0                       # the tick, touching the axis
        digits[text] = Box(112 - width, row - height, 111, row)
    return image, digits


def test_a_scale_digit_beside_marks_and_rules_is_proposed_only_with_text_in_its_column():
    image, digits = depth_scale()
    for text, digit in digits.items():                             # a dot marker beside each digit, touching none
        image[digit.top + 3:digit.bottom - 2, digit.right + 3:digit.right + 6] = 255
    image[digits["5"].bottom + 1:digits["5"].bottom + 40, digits["5"].left + 2] = 255    # a line from the 5 down
    ground = image.max(axis=2)
    assert proposals(image, ground, []) == []                       # the dots spoil the ground: nothing alone
    found = proposals(image, ground, [digits["0"]])
    assert any(box.intersection(digits["5"]) for box in found)     # in the column of the 0 found, 11 heights below
    assert not any(box.intersection(digits["15"]) for box in found)     # 12 heights below the 5: too far


def test_dark_axis_digits_on_white_are_read_in_the_column_of_a_digit_found():
    """The axis's line and ticks touch the digits; read alone nothing is proposed, beside a 3 found the rest are."""
    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    image, digits = chart_axis()
    engine = get_engine("rapidocr", threads=1)
    assert read_flat_glyphs(engine, image, image.min(axis=2), []) == []
    words = read_flat_glyphs(engine, image, image.min(axis=2), [digits["3"]])
    assert sorted(word.text for word in words) == ["0", "1", "2"]
    assert all(any(word.box.intersection(digits[t]) for word in words if word.text == t) for t in "012")


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared is not here")
def test_real_axis_digits_of_a_report_the_detector_misses_are_read():
    """The devset's DXA report: the right chart's axis digit 1 (3 x 8 px at 556,287, anti-aliased grey on white, an
    axis tick touching it) is found by no detection; the 2 and 0 above and below it are."""
    words = devset_words("go-dicom-codec/sample-04.dcm")
    assert any(word.text == "1" and word.box.intersection(Box(556, 287, 558, 294)) for word in words)


def test_a_digit_inside_a_line_read_as_nothing_is_proposed_only_in_a_scale():
    """The detector takes a digit and the marker beside it for one line and reads it as nothing: the digit is
    proposed when it is in a scale (the 0 above it found), not alone."""
    image, digits = depth_scale()
    line = digits["5"].expand(4, 3).union(Box(digits["5"].right + 2, digits["5"].top, digits["5"].right + 12,
                                              digits["5"].bottom))
    ground = image.max(axis=2)
    assert not any(box.intersection(digits["5"]) for box in proposals(image, ground, [], unread=[line]))
    found = proposals(image, ground, [digits["0"]], unread=[line])
    assert any(box.intersection(digits["5"]) for box in found)


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared is not here")
def test_a_real_depth_digit_inside_a_line_read_as_nothing_is_read():
    """The devset's Toshiba cine, frame 0: the depth scale's 5 (at 328,88), a dot beside it and a focus mark below,
    is detected with them as one line that reads as nothing."""
    words = devset_words("go-dicom/I_000038.dcm")
    assert any(word.text == "5" and word.box.intersection(Box(328, 88, 333, 97)) for word in words)


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared is not here")
def test_a_real_depth_digit_beside_a_dot_is_read_surely_at_twice_its_size():
    """The devset's Toshiba cine, frame 0: the depth scale's 0 (6 x 10 px at 112,71, a dot beside it) reads 0.86 on a
    canvas at its own size, under ``MIN_CONFIDENCE``; enlarged twice, as small lines are read, 0.98."""
    words = devset_words("go-dicom/I_000035.dcm")
    assert any(word.text == "0" and word.box.intersection(Box(112, 71, 117, 80)) for word in words)


def test_glyphs_read_here_make_the_scale_of_a_digit_inside_a_line_read_as_nothing():
    """A depth scale no line was found on: the 0, beside its marker, lies inside a line read as nothing, so it is
    proposed only in a scale; the 5 and 15 below it, alone on black, are read first and make that scale."""
    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    image, digits = depth_scale()
    zero = digits["0"]
    line = zero.expand(3, 3).union(Box(zero.right + 2, zero.top, zero.right + 12, zero.bottom))
    ground = image.max(axis=2)
    assert not any(box.intersection(zero) for box in proposals(image, ground, [], unread=[line]))
    words = read_flat_glyphs(get_engine("rapidocr", threads=1), image, ground, [], unread=[line])
    assert any(word.text == "0" and word.box.intersection(zero) for word in words)


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared is not here")
def test_a_real_depth_digit_beside_its_marker_is_read_in_the_scale_of_digits_read_here():
    """The devset's other Toshiba cine (I_000037), frame 0: the depth scale's 0 (at 112,71) and the triangle marker
    beside it are detected as one line that reads as nothing; no line is found in its column, but the scale's 5
    below it is read as a glyph on a flat ground."""
    words = devset_words("go-dicom/I_000037.dcm")
    assert any(word.text == "0" and word.box.intersection(Box(112, 71, 117, 80)) for word in words)
