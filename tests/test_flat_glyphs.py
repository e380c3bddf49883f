"""Glyphs alone on a flat ground (detection/flat_glyphs.py): a depth scale's digits are proposed and read; bars,
blocks, colour blobs, anything on the plane's edge or on a textured ground are not proposed."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from dicom_ocr.detection.flat_glyphs import proposals, read_flat_glyphs
from dicom_ocr.engines import engine_status, get_engine
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
    """The devset's Philips cine, frame 0: the depth scale's 5 (6 x 10 px at 112,198) is proposed by no detection."""
    from dicom_ocr.detection.lines import read_once_per_line
    from dicom_ocr.planes import iter_planes

    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    plane = next(iter(iter_planes(DEVSET / "go-dicom" / "I_000036.dcm", frames=[0])))
    words = read_once_per_line(get_engine("rapidocr", threads=1), plane)
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
