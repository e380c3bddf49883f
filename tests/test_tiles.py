"""Detection of large images in strips (engines/tiles.py): no detector input above a strip's size, every line found
once, lines cut by a strip's edge joined, cuts through anatomy not taken for lines."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from dicom_ocr.engines import engine_status, get_engine, polygon_box
from dicom_ocr.engines.base import Detection
from dicom_ocr.engines.tiles import MAX_AREA, OVERLAP, cut_into_strips, detect_tiled, owned_rows
from dicom_ocr.geometry import Box


def quad(box: Box) -> np.ndarray:
    return np.array([[box.left, box.top], [box.right, box.top], [box.right, box.bottom], [box.left, box.bottom]],
                     np.float32)


@pytest.mark.parametrize("rows, columns", [(1984, 1984), (2000, 1564), (1196, 2000), (4000, 600), (1200, 2000)])
def test_strips_cover_the_image_overlap_and_stay_under_the_area(rows, columns):
    strips = cut_into_strips(rows, columns)
    assert len(strips) > 1
    assert strips[0].top == 0 and strips[-1].bottom == rows - 1
    assert all(s.left == 0 and s.right == columns - 1 and s.height == strips[0].height for s in strips)
    assert all(s.area <= MAX_AREA and s.height % 32 == 0 for s in strips)
    assert all(upper.bottom - lower.top + 1 >= OVERLAP for upper, lower in zip(strips, strips[1:]))
    owned = owned_rows(strips)
    assert all(a[1] == b[0] for a, b in zip(owned, owned[1:]))


def test_an_image_no_larger_than_a_strip_is_detected_whole():
    seen = []
    image = np.zeros((1056, 1056), np.uint8)
    assert cut_into_strips(*image.shape) == [Box(0, 0, 1055, 1055)]
    detect_tiled(lambda part: seen.append(part.shape) or [], image)
    assert seen == [(1056, 1056)]


def fake_detector(lines: list[Box]):
    """A detector that finds the part of each of ``lines`` inside the image it is given, as the strip shows it;
    and records the shapes it was given."""
    shapes = []

    def detect(part: np.ndarray) -> list[Detection]:
        shapes.append(part.shape)
        offset = int(part[0, 0])                      # each strip's first pixel holds the row it starts at
        found = []
        for line in lines:
            top, bottom = max(line.top, offset), min(line.bottom, offset + part.shape[0] - 1)
            if top <= bottom:
                found.append(Detection(quad(Box(line.left, top - offset, line.right, bottom - offset)), 0.9))
        return found
    return detect, shapes


def striped_image(rows: int, columns: int) -> np.ndarray:
    image = np.zeros((rows, columns), np.int32)
    image[:, 0] = np.arange(rows)
    return image


def test_each_line_is_found_once_and_a_line_taller_than_the_overlap_is_joined():
    rows, columns = 1984, 1984
    strips = cut_into_strips(rows, columns)
    cut = strips[1].top                                                  # where the second strip begins
    in_overlap = Box(100, cut + 20, 600, cut + 40)                      # a line seen whole by both strips
    across = Box(700, cut - 30, 900, strips[0].bottom + 30)              # taller than the overlap: cut by both
    elsewhere = Box(50, 200, 400, 230)
    detect, shapes = fake_detector([in_overlap, across, elsewhere])
    found = sorted(polygon_box(d.quad, rows, columns) for d in detect_tiled(detect, striped_image(rows, columns)))
    assert found == sorted([in_overlap, across, elsewhere])
    assert all(h * w <= MAX_AREA for h, w in shapes)


def test_a_piece_at_a_cut_with_nothing_beyond_it_is_the_cut_not_a_line():
    rows, columns = 1984, 1984
    strips = cut_into_strips(rows, columns)
    cut_only = Box(900, strips[0].bottom - 300, 1600, strips[0].bottom)   # what the first strip sees at its cut

    def detect(part: np.ndarray) -> list[Detection]:
        if int(part[0, 0]) == 0:
            return [Detection(quad(cut_only), 0.8)]
        return []
    assert detect_tiled(detect, striped_image(rows, columns)) == []


def detector_inputs(monkeypatch, engine) -> list[tuple[int, int]]:
    """The (rows, columns) of each input ``engine``'s detector is given from now on, in order."""
    shapes = []
    whole = type(engine)._detect

    def spy(self, part):
        shapes.append(part.shape[:2])
        return whole(self, part)
    monkeypatch.setattr(type(engine), "_detect", spy)
    return shapes


def test_rapidocr_with_max_detect_pixels_finds_the_lines_of_a_large_image_no_input_above_it(monkeypatch):
    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    engine = get_engine("rapidocr", threads=1, max_detect_pixels=MAX_AREA)
    rows, columns = 1900, 1500
    image = np.random.default_rng(3).normal(40, 8, (rows, columns)).clip(0, 255).astype(np.uint8)
    middle = rows // 2
    drawn = []
    for top, text in [(40, "ALPHA 2024"), (middle - 12, "SEAM LINE 12345 ACROSS THE CUT"), (rows - 80, "OMEGA 77")]:
        cv2.putText(image, text, (60, top + 30), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 230, 2, cv2.LINE_AA)
        drawn.append(Box(60, top, 60 + 24 * len(text), top + 34))
    shapes = detector_inputs(monkeypatch, engine)
    found = [polygon_box(d.quad, rows, columns) for d in engine.detect(image)]
    assert len(shapes) > 1 and all(h * w <= MAX_AREA for h, w in shapes)
    for box in drawn:
        assert sum(1 for f in found if f is not None and f.intersection(box) is not None) == 1, box


def test_rapidocr_detects_a_large_image_whole_by_default(monkeypatch):
    if engine_status()["rapidocr"] is not None:
        pytest.skip(engine_status()["rapidocr"])
    engine = get_engine("rapidocr", threads=1)
    shapes = detector_inputs(monkeypatch, engine)
    engine.detect(np.zeros((1900, 1500), np.uint8))
    assert shapes == [(1900, 1500)]
