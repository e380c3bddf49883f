"""Lead markers on radiographs: found by shape at every turn and mirrored, with the initials beside them (cut by the
edge too); discs, crosses, plates, wires and letters read as text are not markers."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import dicom_ocr
from dicom_ocr.geometry import Box
from dicom_ocr.markers import find_markers
from dicom_ocr.planes import Plane, PlaneKind
from dicom_ocr.results import RegionKind

from dicomfactory import base_dataset, save, with_pixels

LEAD = 245


def radiograph(rows: int = 800, columns: int = 800, seed: int = 5) -> np.ndarray:
    """A graded body with noise, darker air at the edges, nothing flat."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:columns]
    body = 40 + 150 * np.exp(-(((yy - rows / 2) / (rows / 2.5)) ** 2 + ((xx - columns / 2) / (columns / 3)) ** 2))
    return np.clip(body + rng.normal(0, 6, (rows, columns)), 0, 215).astype(np.uint8)


def lettering(text: str, turns: int = 0, mirrored: bool = False, scale: float = 1.6, thickness: int = 7) -> np.ndarray:
    """Bold letters as a lead marker shows them: a 0/1 mask, turned ``turns`` quarter turns and maybe mirrored."""
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    mask = np.zeros((h + base + 8, w + 8), np.uint8)
    cv2.putText(mask, text, (4, h + 4), cv2.FONT_HERSHEY_SIMPLEX, scale, 1, thickness)
    mask = np.rot90(mask, turns)
    return np.fliplr(mask) if mirrored else mask


def laid(image: np.ndarray, mask: np.ndarray, top: int, left: int, value: int = LEAD) -> Box:
    """Lay ``mask`` on ``image`` at (top, left), cut by the image's edges; the ink's box on the image."""
    rows, columns = image.shape
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + mask.shape[0], rows), min(left + mask.shape[1], columns)
    part = mask[y0 - top:y1 - top, x0 - left:x1 - left]
    image[y0:y1, x0:x1][part > 0] = value
    ys, xs = np.nonzero(part)
    return Box(x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()), y0 + int(ys.max()))


def plane_of(image: np.ndarray) -> Plane:
    return Plane("x.dcm", 0, -1, PlaneKind.IMAGE, image)


def covers(outer: Box, inner: Box) -> bool:
    return outer.left <= inner.left and outer.top <= inner.top and outer.right >= inner.right and \
        outer.bottom >= inner.bottom


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
@pytest.mark.parametrize("mirrored", [False, True])
def test_a_side_marker_with_initials_is_found_at_every_turn_and_mirrored(turns, mirrored):
    image = radiograph()
    marker = laid(image, lettering("L", turns, mirrored), 40, 690)
    letters = lettering("JK", turns, mirrored, scale=1.0, thickness=5)      # beside the marker, along its line
    top, left = (40, 690 - letters.shape[1] - 4) if turns % 2 else (marker.bottom + 6, 690)
    initials = laid(image, letters, top, left)
    found = find_markers(plane_of(image))
    assert len(found) == 1, found
    assert covers(found[0].box, marker) and covers(found[0].box, initials)
    assert found[0].pieces >= 2


def test_a_lone_side_marker_is_one_piece():
    image = radiograph()
    marker = laid(image, lettering("R", 1), 700, 60)
    found = find_markers(plane_of(image))
    assert [covers(m.box, marker) for m in found] == [True]
    assert found[0].pieces == 1


def test_dark_letters_on_a_light_plate_are_found_too():
    image = radiograph()
    image[20:200, 20:130] = 235                                  # the plate
    marker = laid(image, lettering("L", 2, True), 40, 40, value=25)
    found = find_markers(plane_of(image))
    assert len(found) == 1 and covers(found[0].box, marker)


def test_initials_cut_by_the_edge_join_the_marker_beside_them():
    image = radiograph()
    cut = laid(image, lettering("ABC", 2, scale=1.0, thickness=5), -14, 600)    # their lower halves show
    marker = laid(image, lettering("L", 2, True), 28, 620)
    found = find_markers(plane_of(image))
    assert len(found) == 1 and covers(found[0].box, marker) and covers(found[0].box, cut)
    assert found[0].pieces >= 2 and found[0].box.top == 0


@pytest.mark.parametrize("shape", ["disc", "cross", "plate", "wire", "centre"])
def test_graphics_and_lettering_far_from_the_edges_are_no_markers(shape):
    image = radiograph()
    if shape == "disc":
        cv2.circle(image, (720, 80), 22, LEAD, -1)
    elif shape == "cross":
        cv2.line(image, (700, 80), (750, 80), LEAD, 9)
        cv2.line(image, (725, 55), (725, 105), LEAD, 9)
    elif shape == "plate":
        cv2.rectangle(image, (700, 40), (740, 100), LEAD, -1)
    elif shape == "wire":
        cv2.polylines(image, [np.array([[690, 40], [720, 70], [700, 110]], np.int32)], False, LEAD, 2)
    else:
        laid(image, lettering("L"), 380, 380)                   # a letter over the middle of the body
    assert find_markers(plane_of(image)) == []


def test_letters_ocr_read_as_a_line_are_no_marker():
    image = radiograph()
    marker = laid(image, lettering("L"), 40, 690)
    assert find_markers(plane_of(image), [marker.expand(2, 2)]) == []


def test_a_scan_of_a_radiograph_gives_its_marker_a_region_and_a_ct_slice_none(tmp_path):
    image = radiograph(512, 512)
    marker = laid(image, lettering("L", 2, True), 30, 440)
    laid(image, lettering("MW", 2, True, scale=1.0, thickness=5), marker.bottom + 6, 430)
    regions = {}
    for modality in ("DX", "CT"):
        path = save(with_pixels(base_dataset(Modality=modality), image), tmp_path / f"{modality}.dcm")
        result = dicom_ocr.scan_file(str(path))
        regions[modality] = [region for plane in result.planes for region in plane.regions
                             if region.kind is RegionKind.MARKER]
    assert [region.phi for region in regions["DX"]] == [True]
    assert regions["DX"][0].source == "marker" and regions["DX"][0].ocrengine == 54
    assert regions["CT"] == []


def test_devset_markers_and_the_cut_off_initials_are_covered(shared):
    gt = json.loads((shared / "devset" / "gt.json").read_text())
    entry = next(f for f in gt["files"] if f["path"].startswith("golang-samples/"))
    plane = next(iter(dicom_ocr.open_dicom(str(shared / "devset" / "files" / entry["path"])).planes()))
    found = find_markers(plane)
    for box in entry["boxes"]:
        assert any(covers(m.box, Box(box["left"], box["top"], box["right"], box["bottom"])) for m in found), box
    assert all(m.pieces >= 2 for m in found)
