"""The enlarged copy is detected where a plane may hold small text, and skipped (with a note) where it shows none."""
from __future__ import annotations

import numpy as np
import pytest

from dicom_ocr.detection import Detector, parse_passes
from dicom_ocr.detection.small_text import SKIPPED, may_hold_small_text
from dicom_ocr.engines import engine_status
from dicom_ocr.geometry import Box
from dicom_ocr.planes import Plane, PlaneKind

from textimages import draw_lines


def plane_of(image: np.ndarray) -> Plane:
    return Plane("x.dcm", 0, -1, PlaneKind.IMAGE, image)


def anatomy(rows: int = 256, columns: int = 256, seed: int = 3) -> np.ndarray:
    """A smooth round body with noise, no pixel at the top of the range."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:columns]
    body = 150 * np.exp(-(((yy - rows / 2) / (rows / 3)) ** 2 + ((xx - columns / 2) / (columns / 3)) ** 2))
    return np.clip(body + rng.normal(0, 8, (rows, columns)), 0, 230).astype(np.uint8)


def test_small_glyphs_at_the_top_of_the_range_or_a_low_line_are_signs_of_small_text():
    image = anatomy()
    assert not may_hold_small_text(image, [])
    assert not may_hold_small_text(image, [Box(10, 10, 200, 40)])       # a tall line: large text
    assert may_hold_small_text(image, [Box(10, 10, 60, 18)])            # a line 9 px high
    small = image.copy()
    small[draw_lines(image.shape, [("ID 12345", (20, 240))], scale=0.3, thickness=1) > 0] = 255   # as scanners draw
    assert may_hold_small_text(small, [])                               # 6-px glyphs at the top
    big = image.copy()
    big[draw_lines(image.shape, [("ID", (20, 200))], scale=3.0, thickness=6) > 0] = 255
    assert not may_hold_small_text(big, [])                            # 60-px glyphs: the plane shows them


@pytest.fixture(scope="module")
def detector() -> Detector:
    if engine_status()["rapidocr"]:
        pytest.skip(engine_status()["rapidocr"])
    return Detector(parse_passes("rapidocr:lines"), {"rapidocr": {"threads": 1}})


def test_an_empty_slice_skips_the_enlarged_copy_and_says_so(detector):
    notes: dict[tuple[int, int], list[str]] = {}
    before = detector.calls.copy()
    results = list(detector.detect_planes([plane_of(anatomy())], notes=notes))
    assert results[0][1] == [] and notes == {(0, -1): [SKIPPED]}
    assert detector.calls["rapidocr:lines"] == before["rapidocr:lines"] + 1


def test_a_plane_with_5px_text_gets_the_enlarged_copy_and_its_text_is_read(detector):
    image = np.maximum(anatomy(seed=4), draw_lines((256, 256), [("SMITH 1234", (20, 240))], scale=0.25,
                                                   thickness=1))
    notes: dict[tuple[int, int], list[str]] = {}
    (_, regions), = detector.detect_planes([plane_of(image)], notes=notes)
    assert notes == {}
    assert any(region.box.bottom >= 230 and region.box.left <= 30 for region in regions), regions
