"""Letters written one above the other (detection/stacked.py): a tall strip's glyphs are found without the bracket or
bar beside them, laid side by side and read as one line."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from dicom_ocr.detection.stacked import StackedGlyphs, read_as_stacked, stacked_glyphs
from dicom_ocr.engines import engine_status, get_engine

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devset" / "files"


def stacked_strip(text: str, bracket: bool) -> np.ndarray:
    """A black strip at twice a plane's size holding ``text`` one letter per row (glyphs ~18 px high), with a
    bracket touching its letters on the left and a bar's edge on the right when ``bracket``."""
    rows = 26 * len(text) + 12
    strip = np.zeros((rows, 50, 3), np.uint8)
    for i, letter in enumerate(text):
        (width, _), _ = cv2.getTextSize(letter, cv2.FONT_HERSHEY_SIMPLEX, 0.7, 2)
        cv2.putText(strip, letter, (30 - width // 2, 26 * i + 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (230, 230, 230), 2)
    if bracket:
        cv2.rectangle(strip, (6, 8), (22, rows - 40), (230, 230, 230), 3)   # its right side touches the letters
        strip[:, 46:] = (40, 40, 200)
    return strip


def ink_columns(image: np.ndarray) -> np.ndarray:
    return np.flatnonzero((image.max(axis=2) > 128).any(axis=0))


def test_the_glyphs_of_a_strip_are_laid_side_by_side_without_the_bracket_beside_them():
    glyphs = stacked_glyphs(stacked_strip("CMS", bracket=True), 2.0)
    assert glyphs is not None and glyphs.count == 3
    assert glyphs.image.shape[1] > glyphs.image.shape[0]                # one row of glyphs, not a column
    plain = stacked_glyphs(stacked_strip("CMS", bracket=False), 2.0)
    assert plain is not None and abs(len(ink_columns(glyphs.image)) - len(ink_columns(plain.image))) <= 4


def test_a_strip_of_one_glyph_or_of_no_ink_is_not_stacked_text():
    assert stacked_glyphs(stacked_strip("M", bracket=False), 2.0) is None
    assert stacked_glyphs(np.zeros((80, 30, 3), np.uint8), 2.0) is None


def test_a_reading_is_kept_only_sure_and_one_character_per_glyph():
    glyphs = StackedGlyphs(np.zeros((10, 40, 3), np.uint8), 4, (0.0, 0.0, 1.0, 1.0))
    assert read_as_stacked(("CM/S", 0.92), glyphs)
    assert read_as_stacked(("CM/ S", 0.92), glyphs)
    assert not read_as_stacked(("CM/S", 0.7), glyphs)
    assert not read_as_stacked(("7CM/S", 0.92), glyphs)


def test_rapidocr_reads_stacked_units_beside_a_bracket():
    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    glyphs = stacked_glyphs(stacked_strip("CM/S", bracket=True), 2.0)
    assert glyphs is not None and glyphs.count == 4
    reading = get_engine("rapidocr", threads=1).recognise([glyphs.image])[0]
    assert read_as_stacked(reading, glyphs) and reading[0].replace(" ", "") == "CM/S"


@pytest.mark.skipif(not DEVSET.is_dir(), reason="../shared is not here")
def test_real_stacked_units_beside_a_bracket_and_a_colour_bar_are_read():
    """``CM/S`` down the colour bar of the devset's HP colour-flow cine (I_000005), a bracket touching its C and M:
    the tall line holding them reads ``1`` upright; laid side by side its glyphs read ``CM/S``."""
    from dicom_ocr.detection import Detector, parse_passes
    from dicom_ocr.geometry import Box
    from dicom_ocr.planes import iter_planes

    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    plane = next(iter(iter_planes(DEVSET / "go-dicom" / "I_000005.dcm", frames=[0])))
    regions = Detector(parse_passes("rapidocr:lines"), {"rapidocr": {"threads": 1}}).detect(plane)
    label = Box(433, 71, 438, 123)                            # the devset's box of the stacked CM/S
    assert any(r.box.intersection(label) == label and r.text.replace(" ", "").upper() == "CM/S" for r in regions)


def test_the_glyphs_extent_leaves_out_the_bracket_beside_them():
    strip = stacked_strip("CMS", bracket=True)
    glyphs = stacked_glyphs(strip, 2.0)
    assert glyphs is not None
    left, top, right, bottom = glyphs.extent
    letters = 24 + np.flatnonzero((strip[:, 24:46].max(axis=2) > 128).any(axis=0))   # the bracket ends at 23
    assert 23 <= left * strip.shape[1] <= letters[0]                          # a pixel of margin at most
    assert right * strip.shape[1] > letters[-1] and top < 0.2 and bottom > 0.8


def test_shaded_blobs_one_above_the_other_are_not_stacked_text():
    """Anatomy cut into blobs by empty rows (a real angiography slice's vessel edge read ``111`` 0.93 so): filled,
    not drawn in strokes."""
    strip = np.zeros((120, 40, 3), np.uint8)
    for centre in (20, 60, 100):
        cv2.ellipse(strip, (20, centre), (8, 14), 0, 0, 360, (170, 170, 170), -1)
        cv2.ellipse(strip, (18, centre - 3), (4, 8), 0, 0, 360, (220, 220, 220), -1)
    assert stacked_glyphs(strip, 2.0) is None


def test_glyphs_taller_than_annotation_lettering_are_not_stacked_text():
    big = cv2.resize(stacked_strip("CMS", bracket=False), None, fx=6, fy=6, interpolation=cv2.INTER_CUBIC)  # ~100 px
    assert stacked_glyphs(big, 2.0) is None and stacked_glyphs(big, 12.0) is not None
