"""Preprocessing variants: what each makes visible, and that boxes map back to plane pixels exactly."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from dicom_ocr.detection.variants import PAD, Variant, dark_parts, dark_strokes, grey, make_variants
from dicom_ocr.geometry import Box
from dicom_ocr.planes import Plane, PlaneKind


def plane_of(image: np.ndarray) -> Plane:
    return Plane("x.dcm", 0, -1, PlaneKind.IMAGE, image)


def test_channel_maximum_keeps_green_text_on_grey_bright():
    image = np.full((40, 100, 3), 110, np.uint8)
    image[10:20, 10:60] = (0, 200, 0)
    luminance = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    assert abs(int(luminance[15, 20]) - 110) < 10           # grey conversion: green text almost vanishes
    assert int(grey(plane_of(image))[15, 20]) - 110 > 80     # channel maximum: it stands out


def test_variants_skip_what_adds_nothing():
    grey_plane = plane_of(np.zeros((50, 50), np.uint8))
    assert [v.name for v in make_variants(grey_plane, ("plain", "chanmax"))] == ["plain"]
    with pytest.raises(ValueError, match="unknown preprocessing variant"):
        list(make_variants(grey_plane, ("sharpen",)))


def test_top_variant_is_dark_text_on_white_only_when_sparse():
    image = np.full((100, 100), 40, np.uint8)
    image[5:12, 5:60] = 255
    top = next(make_variants(plane_of(image), ("top",)))
    assert top.image[PAD + 8, PAD + 20] == 0 and top.image[PAD + 50, PAD + 50] == 255
    flooded = np.full((100, 100), 255, np.uint8)
    flooded[:10] = 0
    assert list(make_variants(plane_of(flooded), ("top",))) == []


@pytest.mark.parametrize("side, factor", [(256, 4.0), (512, 2.0), (1000, 2.0)])
def test_upscale_factor_depends_on_plane_size(side, factor):
    variant = next(make_variants(plane_of(np.zeros((side, side), np.uint8)), ("x2",)))
    assert variant.scale == factor and variant.image.shape[0] == side * factor + 2 * PAD


def test_large_planes_are_not_upscaled():
    assert list(make_variants(plane_of(np.zeros((1500, 1500), np.uint8)), ("x2",))) == []


def test_boxes_map_back_to_plane_pixels():
    variant = Variant("x2", np.zeros((1, 1)), scale=2.0)
    assert variant.to_plane(Box(PAD + 20, PAD + 40, PAD + 59, PAD + 79), 100, 100) == Box(10, 20, 29, 39)
    assert variant.to_plane(Box(0, 0, PAD - 1, PAD - 1), 100, 100) is None        # all in the border
    assert variant.to_plane(Box(0, 0, PAD + 9, PAD + 9), 100, 100) == Box(0, 0, 4, 4)  # clipped at the edge


def test_padding_uses_the_background_so_edge_text_is_whole():
    image = np.full((30, 80), 20, np.uint8)
    image[0:8, 0:40] = 250                                   # text touching the top-left corner
    plain = next(make_variants(plane_of(image), ("plain",)))
    assert plain.image[0, 0] == 20 and plain.image[PAD, PAD] == 250


def test_rotated_variant_maps_boxes_back_to_the_plane():
    image = np.zeros((100, 200), np.uint8)
    image[10:20, 150:190] = 255                       # a mark near the top right
    (variant,) = make_variants(plane_of(image), ("rot90",))
    ys, xs = np.nonzero(variant.image[PAD:-PAD, PAD:-PAD])
    found = Box(int(xs.min()) + PAD, int(ys.min()) + PAD, int(xs.max()) + PAD, int(ys.max()) + PAD)
    assert variant.image.shape == (200 + 2 * PAD, 100 + 2 * PAD)
    assert variant.to_plane(found, 100, 200) == Box(150, 10, 189, 19)


def test_dark_strokes_show_dark_text_on_bright_texture_and_hide_the_texture():
    rng = np.random.default_rng(0)
    image = cv2.GaussianBlur(rng.normal(180, 40, (60, 200)).clip(0, 255).astype(np.uint8), (0, 0), 1.5)
    cv2.putText(image, "DOB 1924", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 0, 1)
    ink = np.zeros_like(image)
    cv2.putText(ink, "DOB 1924", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1)
    strokes = dark_strokes(image)
    assert strokes[ink == 255].mean() < 60                   # the text: black
    assert np.median(strokes[ink == 0]) > 200                # the texture around it: near white
    assert (dark_strokes(np.full((20, 20), 200, np.uint8)) == 255).all()   # flat ground: nothing


def test_dark_parts_map_boxes_back_through_their_offset():
    image = np.full((100, 200), 200, np.uint8)
    image[60:62, 120:160] = 0                                # a thin dark stroke inside the part below
    (part,) = dark_parts(plane_of(image), [Box(100, 50, 199, 99)])
    assert part.scale == 4.0 and part.offset == (100, 50)    # enlarged as x2 enlarges a 200-px plane
    ys, xs = np.nonzero(part.image[PAD:-PAD, PAD:-PAD] < 128)
    found = Box(int(xs.min()) + PAD, int(ys.min()) + PAD, int(xs.max()) + PAD, int(ys.max()) + PAD)
    assert part.to_plane(found, 100, 200) == Box(120, 60, 159, 61)
