"""Tests for dicom_ocr.regions: word boxes of several engines -> one region per text line."""
from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from dicom_ocr.engines.base import Word
from dicom_ocr.geometry import Box
from dicom_ocr.regions import Region, add_margin, build_regions, filter_words, merge_lines, merge_overlapping, stop_short_of

TESSERACT, RAPIDOCR = 1, 6
ROWS, COLUMNS = 512, 512


def word(left: int, top: int, right: int, bottom: int, text: str, confidence: float = 0.9) -> Word:
    return Word(Box(left, top, right, bottom), text, confidence)


def tagged(engine: int, *words: Word) -> list[tuple[int, Word]]:
    return [(engine, w) for w in words]


def covered(inner: Box, outer: Box) -> bool:
    return outer.left <= inner.left and outer.top <= inner.top and outer.right >= inner.right and \
        outer.bottom >= inner.bottom


# A header line as Tesseract splits it (tight boxes, 12 px high, word gaps of ~7 px).
HEADER = [word(10, 10, 45, 21, "ZZZ"), word(52, 10, 90, 21, "TEST"), word(97, 10, 160, 21, "PATIENT"),
          word(167, 11, 230, 22, "12345678")]
SECOND = [word(10, 30, 40, 41, "DOB"), word(47, 30, 140, 41, "1970-01-01")]


# ---------------------------------------------------------------- filter_words

def test_filter_drops_giant_body_outline_but_keeps_text():
    giant = word(100, 60, 400, 460, "ADOOOO", 0.6)  # 400 px high on a 512 plane: an outline read as text
    kept = filter_words([giant, *HEADER], ROWS, COLUMNS)
    assert kept == HEADER


def test_filter_keeps_confident_short_tokens():
    tokens = [word(480, 250, 490, 262, "M", 0.93), word(20, 250, 30, 262, "L", 0.8), word(300, 480, 307, 491, "5", 0.7),
              word(200, 480, 228, 491, "45Y", 0.85), word(100, 480, 120, 491, "PA", 0.9)]
    assert filter_words(tokens, ROWS, COLUMNS) == tokens


def test_filter_drops_speckle_and_low_confidence_noise():
    noise = [word(200, 200, 202, 202, "i", 0.9),        # a 3x3 dot
             word(210, 300, 224, 312, "~", 0.4),        # lone symbol, unsure
             word(250, 300, 290, 312, "lll", 0.5),      # one repeated stroke, unsure
             word(300, 300, 320, 312, "x", 0.3),        # single letter, unsure
             word(330, 300, 380, 312, "ABC", 0.1),      # very low confidence
             word(10, 400, 500, 402, "ABCDEFG", 0.9),   # a 3 px high rule: absurd aspect
             word(10, 300, 40, 312, "   ", 0.9),       # empty
             word(200, 330, 240, 350, "_", 0.91),       # a stroke of texture
             word(250, 330, 290, 370, "\u4e00", 0.82),   # a CJK "one" read on a horizontal edge
             word(100, 100, 180, 240, "fort", 0.4)]     # big (27% of the plane) and unsure: texture
    assert filter_words(noise, ROWS, COLUMNS) == []


def test_filter_keeps_confident_symbols_and_numbers():
    keep = [word(10, 10, 30, 21, "11", 0.6), word(10, 60, 50, 71, "ZZZ", 0.7), word(40, 10, 50, 21, "/", 0.96),
            word(100, 100, 300, 160, "Uncompressed", 0.9), word(10, 40, 60, 51, "\u5927\u962a", 0.8)]
    assert filter_words(keep, ROWS, COLUMNS) == keep


def test_filter_clips_boxes_to_the_plane():
    kept = filter_words([word(-4, 500, 30, 515, "AB"), word(600, 10, 640, 20, "OUT")], ROWS, COLUMNS)
    assert [w.box for w in kept] == [Box(0, 500, 30, 511)]


def test_filter_thresholds_are_parameters():
    w = word(10, 10, 20, 21, "M", 0.4)
    assert filter_words([w], ROWS, COLUMNS) == []
    assert filter_words([w], ROWS, COLUMNS, single_min_confidence=0.3) == [w]


# ---------------------------------------------------------------- merge_lines

def test_line_of_four_words_is_one_region():
    regions = merge_lines(tagged(TESSERACT, *reversed(HEADER)))
    assert len(regions) == 1
    region = regions[0]
    assert region.text == "ZZZ TEST PATIENT 12345678"
    assert region.box == Box(10, 10, 230, 22)
    assert region.ocrengine == TESSERACT
    assert [w.text for w in region.words] == ["ZZZ", "TEST", "PATIENT", "12345678"]
    assert 0.89 < region.confidence < 0.91


def test_two_lines_are_two_regions_in_reading_order():
    regions = merge_lines(tagged(TESSERACT, *SECOND, *HEADER))
    assert [r.text for r in regions] == ["ZZZ TEST PATIENT 12345678", "DOB 1970-01-01"]
    assert regions[1].box == Box(10, 30, 140, 41)


def test_far_apart_words_on_one_row_stay_apart():
    left, right = word(10, 10, 60, 21, "NAME"), word(400, 10, 460, 21, "12:30")
    assert [r.text for r in merge_lines(tagged(TESSERACT, left, right))] == ["NAME", "12:30"]


def test_two_engines_at_the_same_spot_do_not_duplicate_text():
    rapid_line = word(9, 9, 231, 23, "ZZZ TEST PATIENT 12345678", 0.97)
    rapid_top_variant = word(10, 9, 232, 22, "ZZZ TEST PATIENT 1234S678", 0.8)
    regions = merge_lines(tagged(TESSERACT, *HEADER) + tagged(RAPIDOCR, rapid_line, rapid_top_variant))
    assert len(regions) == 1
    assert regions[0].text == "ZZZ TEST PATIENT 12345678"
    assert regions[0].box == Box(9, 9, 232, 23)
    assert regions[0].ocrengine == RAPIDOCR


def test_similar_boxes_keep_the_more_confident_text():
    regions = merge_lines(tagged(TESSERACT, word(10, 10, 60, 21, "SM1TH", 0.6))
                          + tagged(RAPIDOCR, word(11, 10, 61, 22, "SMITH", 0.95)))
    assert [(r.text, r.box, r.ocrengine) for r in regions] == [("SMITH", Box(10, 10, 61, 22), RAPIDOCR)]


def test_a_box_lumping_two_lines_gives_way_to_the_lines_other_reads_found():
    """A native-size read boxing a label line and the value line under it as one, while the enlarged read found each."""
    lump = word(45, 197, 110, 215, "Study D atc: 1857 ap", 0.75)
    label = word(46, 193, 77, 202, "Institution", 0.66)
    value = word(46, 202, 121, 211, "Study Date: 1997 Apr 16", 0.84)
    regions = merge_lines(tagged(RAPIDOCR, lump, label, value))
    assert [r.text for r in regions] == ["Institution", "Study Date: 1997 Apr 16"]


def test_a_box_holding_one_line_read_twice_is_not_a_lump():
    loose, tight = word(133, 219, 210, 232, "Study Date", 0.89), word(134, 221, 208, 230, "Study Date", 0.91)
    prefix = word(134, 221, 160, 230, "Study", 0.9)
    regions = merge_lines(tagged(RAPIDOCR, loose, tight, prefix))
    assert len(regions) == 1 and regions[0].box == Box(133, 219, 210, 232)


def test_vertical_text_is_not_merged_with_horizontal_neighbours():
    vertical = word(100, 40, 113, 169, "ZZZ TEST", 0.9)   # text rotated 90 degrees, 14 px wide
    beside = [word(120, 100, 160, 113, "LEFT", 0.9), word(60, 150, 95, 163, "AP", 0.9)]
    regions = merge_lines(tagged(RAPIDOCR, vertical, *beside))
    assert sorted(r.text for r in regions) == ["AP", "LEFT", "ZZZ TEST"]
    built = build_regions([(RAPIDOCR, [vertical, *beside])], ROWS, COLUMNS)  # margins make them touch
    assert sorted(r.text for r in built) == ["AP", "LEFT", "ZZZ TEST"]


def test_different_heights_on_one_row_stay_apart():
    big, small = word(10, 10, 120, 49, "BIG", 0.9), word(125, 30, 160, 41, "tiny", 0.9)
    assert len(merge_lines(tagged(TESSERACT, big, small))) == 2


def test_merge_lines_of_nothing_is_empty():
    assert merge_lines([]) == []


# ---------------------------------------------------------------- add_margin and merge_overlapping

def test_margin_is_pixels_plus_share_of_height():
    region = Region(Box(100, 100, 199, 119), "TEXT", 0.9, TESSERACT)
    (grown,) = add_margin([region], ROWS, COLUMNS)
    assert grown.box == Box(89, 94, 210, 125)  # across: 3 + ceil(0.15 * 20) = 6; along: 3 + ceil(0.4 * 20) = 11
    (wider,) = add_margin([region], ROWS, COLUMNS, pixels=5, fraction=0.5, along=0.4)
    assert wider.box == Box(87, 85, 212, 134)  # across: 5 + 10 = 15; along: 5 + 8 = 13
    assert (grown.text, grown.confidence, grown.ocrengine) == ("TEXT", 0.9, TESSERACT)


def test_one_or_two_glyphs_get_the_margin_along_them_that_they_get_across():
    digits = Region(Box(100, 100, 119, 109), "15", 0.9, TESSERACT)
    line = Region(Box(100, 200, 119, 209), "15 cm", 0.9, TESSERACT)
    grown_digits, grown_line = add_margin([digits, line], ROWS, COLUMNS)
    assert grown_digits.box == Box(95, 95, 124, 114)   # height 10: 3 + ceil(0.15 * 10) = 5 along and across
    assert grown_line.box == Box(93, 195, 126, 214)    # a line: 3 + ceil(0.4 * 10) = 7 along


def test_margin_is_clipped_at_the_plane_border():
    corner = Region(Box(0, 2, 40, 13), "ABC", 0.9, TESSERACT)
    edge = Region(Box(470, 500, 511, 511), "CDE", 0.9, TESSERACT)
    assert [r.box for r in add_margin([corner, edge], ROWS, COLUMNS)] == [Box(0, 0, 48, 18), Box(462, 495, 511, 511)]


def _line(box: Box, text: str) -> Region:
    return Region(box, text, 0.9, TESSERACT, (Word(box, text, 0.9),))


def test_margins_reach_into_neighbouring_lines_unless_kept_short():
    upper, lower = _line(Box(100, 100, 199, 119), "NAME"), _line(Box(120, 126, 180, 145), "MI 0.6")
    elsewhere = _line(Box(400, 121, 450, 140), "RAO")
    grown_upper, grown_lower, grown_elsewhere = add_margin([upper, lower, elsewhere], ROWS, COLUMNS)
    assert grown_upper.box.bottom == 125 and grown_lower.box.top == 120   # full margins overlap the gap rows 120-125
    (kept_upper,) = stop_short_of([grown_upper], [grown_lower, grown_elsewhere])
    assert kept_upper.box.bottom == 122 and kept_upper.box.top == 94      # split at the gap's middle; free side kept
    assert stop_short_of([grown_elsewhere], [grown_upper, grown_lower])[0].box == Box(389, 115, 461, 146)


def test_margin_of_vertical_text_follows_its_width():
    (grown,) = add_margin([Region(Box(100, 40, 113, 200), "VERT", 0.9, RAPIDOCR)], ROWS, COLUMNS)
    assert grown.box == Box(94, 31, 119, 209)  # across: 3 + ceil(0.15 * 14) = 6; along: 3 + ceil(0.4 * 14) = 9


def test_touching_regions_on_one_line_merge():
    a = Region(Box(10, 10, 60, 25), "ZZZ", 0.9, TESSERACT)
    b = Region(Box(61, 11, 120, 25), "TEST", 0.7, RAPIDOCR)
    (merged,) = merge_overlapping([b, a])
    assert (merged.box, merged.text) == (Box(10, 10, 120, 25), "ZZZ TEST")
    assert merged.ocrengine == RAPIDOCR  # the larger region


def test_region_inside_another_is_absorbed_without_repeating_text():
    outer = Region(Box(10, 10, 200, 40), "ZZZ TEST PATIENT", 0.9, RAPIDOCR)
    inner = Region(Box(50, 15, 90, 35), "TEST", 0.6, TESSERACT)
    other = Region(Box(120, 20, 180, 30), "NOISE", 0.6, TESSERACT)
    (merged,) = merge_overlapping([inner, outer, other])
    assert merged.box == outer.box
    assert merged.text == "ZZZ TEST PATIENT NOISE"
    assert merged.ocrengine == RAPIDOCR


def test_a_line_seen_twice_keeps_its_longer_text_once():
    wide = Region(Box(10, 10, 200, 40), "S", 0.9, RAPIDOCR)            # a wide margin around a short read
    tight = Region(Box(12, 12, 190, 38), "S LD", 0.9, RAPIDOCR)
    assert merge_overlapping([wide, tight])[0].text == "S LD"


def test_overlapping_margins_of_adjacent_lines_stay_apart():
    # RapidOCR boxes (21 px high, 20 px line pitch) of a wrapped JSL value, after a 5 px + 20% margin: 54% overlap
    lines = [Region(Box(462, 617, 780, 657), "Institution Name: Mccoy Medical", 0.9, RAPIDOCR),
             Region(Box(621, 636, 697, 677), "Clinic", 0.9, RAPIDOCR)]
    assert merge_overlapping(lines) == lines


# ---------------------------------------------------------------- build_regions

def test_build_regions_from_two_engines_and_noise():
    rapid = [word(9, 9, 231, 23, "ZZZ TEST PATIENT 12345678", 0.97), word(8, 29, 141, 42, "DOB 1970-01-01", 0.95),
             word(100, 80, 420, 400, "OCOoO", 0.7)]
    tess = [*HEADER, *SECOND, word(300, 300, 302, 302, ".", 0.3), word(500, 250, 510, 262, "R", 0.92)]
    regions = build_regions([(TESSERACT, tess), (RAPIDOCR, rapid)], ROWS, COLUMNS)
    assert [r.text for r in regions] == ["ZZZ TEST PATIENT 12345678", "DOB 1970-01-01", "R"]
    assert [r.ocrengine for r in regions] == [RAPIDOCR, RAPIDOCR, TESSERACT]
    # around Box(9, 9, 231, 23): 6 px above and below (into the gap to the next line, rows 24-28), 3 + ceil(0.4 * 15)
    # = 9 along
    assert regions[0].box == Box(0, 3, 240, 29)
    assert regions[2].box.right == COLUMNS - 1


# ---------------------------------------------------------------- end to end with Tesseract

def tesseract_words(image: np.ndarray) -> list[Word]:
    """Minimal word extraction: the image is inverted to dark text on light, boxes made inclusive."""
    tesserocr = pytest.importorskip("tesserocr")
    from PIL import Image

    words = []
    with tesserocr.PyTessBaseAPI(path="/usr/share/tesseract-ocr/5/tessdata/") as api:
        api.SetImage(Image.fromarray(255 - image))
        api.Recognize()
        for item in tesserocr.iterate_level(api.GetIterator(), tesserocr.RIL.WORD):
            left, top, right, bottom = item.BoundingBox(tesserocr.RIL.WORD)
            words.append(Word(Box(left, top, right - 1, bottom - 1), item.GetUTF8Text(tesserocr.RIL.WORD),
                              item.Confidence(tesserocr.RIL.WORD) / 100))
    return words


def test_end_to_end_two_drawn_lines_become_two_regions(monkeypatch):
    cv2 = pytest.importorskip("cv2")
    monkeypatch.setitem(os.environ, "OMP_THREAD_LIMIT", "1")
    rng = np.random.default_rng(7)
    image = rng.integers(10, 50, (200, 440)).astype(np.uint8)
    lines = {"ZZZ TEST PATIENT": (12, 40), "ID 12345 2026-11-22": (30, 100)}
    truth = []
    for text, origin in lines.items():
        mask = np.zeros_like(image)
        cv2.putText(mask, text, origin, cv2.FONT_HERSHEY_SIMPLEX, 0.8, 255, 2)
        ys, xs = np.nonzero(mask)
        truth.append(Box(int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())))
        image[mask > 0] = 255

    regions = build_regions([(TESSERACT, tesseract_words(image))], *image.shape)

    assert len(regions) == 2
    for region, line, token in zip(regions, truth, ["PATIENT", "12345"]):
        assert covered(line, region.box)
        pad = 3 + round(0.25 * line.height)  # the scorer's precision window: at least half of the region inside it
        inside = region.box.intersection(line.expand(pad, pad))
        assert inside is not None and inside.area >= 0.5 * region.box.area
        assert token in region.text.split()
        assert region.ocrengine == TESSERACT


def test_tall_detector_boxes_of_adjacent_lines_are_split_between_their_centres():
    upper = _line(Box(100, 95, 199, 124), "NAME")     # both 30 px tall around 14 px glyphs
    lower = _line(Box(100, 118, 199, 147), "kVp 120")
    grown_upper, grown_lower = add_margin([upper, lower], ROWS, COLUMNS)
    assert stop_short_of([grown_upper], [grown_lower])[0].box.bottom == 121   # centres 109.5 and 132.5
    assert stop_short_of([grown_lower], [grown_upper])[0].box.top == 121


# ---------------------------------------------------------------- one region per field

def test_fields_side_by_side_on_one_baseline_stay_apart():
    """A header row: name, probe and MI on one baseline, over a line height apart; words a space apart join."""
    row = [word(10, 10, 60, 21, "SMITH"), word(67, 10, 110, 21, "JOHN"), word(124, 10, 159, 21, "C5-1"),
           word(180, 10, 220, 21, "MI 0.9")]
    regions = build_regions([(RAPIDOCR, row)], ROWS, COLUMNS)
    assert [r.text for r in regions] == ["SMITH JOHN", "C5-1", "MI 0.9"]
    assert regions[0].box.intersection(regions[1].box) is not None     # their margins overlap, yet they stay apart


def test_a_phi_margin_is_kept_off_the_field_beside_it():
    name = Region(Box(0, 5, 134, 26), "SMITH JOHN", 0.9, RAPIDOCR, (word(10, 10, 110, 21, "SMITH JOHN"),))
    probe = Region(Box(128, 5, 190, 26), "C5-1", 0.9, RAPIDOCR, (word(140, 10, 175, 21, "C5-1"),))
    (cut,) = stop_short_of([name], [probe])
    assert cut.box.right == (110 + 140) // 2 and cut.box.left == 0


def test_a_field_read_again_on_a_cine_keeps_its_new_text_once():
    from dicom_ocr.regions import supersede
    earlier = [Region(Box(10, 10, 80, 25), "Fr 0", 0.9, RAPIDOCR), Region(Box(10, 40, 80, 55), "AP", 0.9, RAPIDOCR)]
    current = [Region(Box(11, 10, 82, 25), "Fr 1", 0.9, RAPIDOCR)]
    assert [(r.text, r.box) for r in supersede(current, earlier)] == [("Fr 1", Box(10, 10, 82, 25)),
                                                                       ("AP", Box(10, 40, 80, 55))]


# ---------------------------------------------------------------- glyphs and graphics

def drawn(text: str, shape=(120, 160), origin=(40, 80), scale=1.5, thickness=2) -> np.ndarray:
    import cv2
    image = np.full(shape, 40, np.uint8)
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 230, thickness, cv2.LINE_AA)
    return image


def test_an_unsure_letter_drawn_in_strokes_is_kept_and_a_blob_read_as_one_is_dropped():
    import cv2

    from dicom_ocr.regions import drop_graphics
    letter = drawn("R")
    blob = np.full((120, 160), 40, np.uint8)
    cv2.ellipse(blob, (80, 60), (9, 25), 0, 0, 360, 230, -1)    # a Doppler blob or bone edge, read as "1"
    read_letter = word(36, 45, 72, 82, "R", 0.7)
    read_blob = word(68, 32, 92, 88, "1", 0.7)
    assert drop_graphics([read_letter], letter) == [read_letter]
    assert drop_graphics([read_blob], blob) == []
    assert drop_graphics([word(68, 32, 92, 88, "1", 0.95)], blob) != []             # sure reads are kept
    cv2.putText(blob, "cm", (102, 75), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 230, 2, cv2.LINE_AA)
    beside = [read_blob, word(100, 40, 150, 80, "cm", 0.95)]                       # a digit of a measurement line
    assert drop_graphics(beside, blob) == beside


def test_line_boxes_are_tightened_to_their_glyphs():
    from dicom_ocr.regions.glyphs import tightened
    image = drawn("DOB 1970", shape=(100, 300), origin=(20, 60), scale=0.6, thickness=1)
    ys = np.nonzero((image > 100).any(axis=1))[0]
    loose = Box(15, int(ys[0]) - 12, 150, int(ys[-1]) + 12)                         # a detector's box of small text
    tight = tightened(image, loose)
    assert tight.top <= ys[0] and tight.bottom >= ys[-1]                           # every glyph row is kept
    assert tight.height <= (ys[-1] - ys[0] + 1) * 1.6 < loose.height
    textured = np.random.default_rng(0).integers(0, 255, (100, 300)).astype(np.uint8)
    assert tightened(textured, loose) == loose                                     # no clear ink: left alone


def test_a_lone_cjk_stroke_on_an_edge_is_dropped_even_when_sure():
    from dicom_ocr.regions import drop_graphics
    edge = np.full((120, 160), 200, np.uint8)
    edge[60:, :] = 0                                          # the top edge of a black fill, read as "一"
    assert drop_graphics([word(20, 40, 140, 100, "\u4e00", 0.97)], edge) == []
    left = drawn("L", thickness=2)                           # a Latin letter that sure stays whatever its ink
    assert drop_graphics([word(36, 45, 72, 82, "L", 0.97)], left) != []


def test_a_lone_cross_mark_is_dropped_however_sure_and_kept_beside_text():
    import cv2

    from dicom_ocr.regions import drop_graphics
    mark = np.random.default_rng(5).normal(110, 12, (120, 200)).clip(0, 255).astype(np.uint8)
    cv2.line(mark, (40, 60), (80, 60), 255, 6)                # a flat white crosshair on a mammogram
    cv2.line(mark, (60, 40), (60, 80), 255, 6)
    for text in ("\u5341", "+"):                              # read as 十 (ten) or as a plus sign
        assert drop_graphics([word(36, 36, 84, 84, text, 0.99)], mark) == []
    sum_line = [word(36, 36, 84, 84, "+", 0.99), word(90, 40, 150, 80, "5dB", 0.95)]   # a gain of "+5dB"
    assert drop_graphics(sum_line, mark) == sum_line


def test_an_unsure_line_read_on_shaded_anatomy_is_dropped_and_one_drawn_over_it_is_kept():
    import cv2

    from dicom_ocr.regions import drop_graphics
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:120, :240]
    anatomy = np.clip(90 + 50 * np.sin(xx / 9.0) * np.exp(-((yy - 60) ** 2) / 400) + rng.normal(0, 14, (120, 240)),
                      0, 255).astype(np.uint8)                      # ridged tissue in speckle, read as "2008"
    junk = word(40, 45, 200, 75, "2008", 0.76)
    assert drop_graphics([junk], anatomy) == []
    assert drop_graphics([word(40, 45, 200, 75, "2008", 0.9)], anatomy) != []        # a confident read stays
    drawn_over = anatomy.copy()
    cv2.putText(drawn_over, "Fr 6", (50, 72), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2, cv2.LINE_AA)
    label = word(40, 45, 200, 75, "Fr 6", 0.73)    # flat white ink over the same tissue: not two-tone, but flat
    assert drop_graphics([label], drawn_over) == [label]
    unit = anatomy.copy()
    cv2.putText(unit, "cm", (207, 70), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 2, cv2.LINE_AA)
    beside = [junk, word(205, 45, 238, 75, "cm", 0.95)]
    assert drop_graphics(beside, unit) == beside                       # part of a line of text: kept


def test_a_sure_digit_read_on_ct_grain_is_dropped_and_a_sure_letter_over_anatomy_is_kept():
    import cv2

    from dicom_ocr.regions import drop_graphics
    grain = np.random.default_rng(11).normal(110, 30, (120, 160)).clip(0, 255).astype(np.uint8)
    grain = cv2.GaussianBlur(grain, (3, 3), 0)                # CT grain: a read "2" in a dozen pieces of ink
    assert drop_graphics([word(60, 40, 100, 80, "2", 0.98)], grain) == []
    marker = grain.copy()
    cv2.putText(marker, "R", (64, 76), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3, cv2.LINE_AA)
    assert drop_graphics([word(60, 40, 100, 80, "R", 0.98)], marker) != []      # flat white lettering over it


def test_a_sure_read_in_a_box_under_six_px_is_kept_only_beside_text():
    from dicom_ocr.regions import drop_graphics
    grain = np.random.default_rng(3).normal(110, 30, (120, 200)).clip(0, 255).astype(np.uint8)
    thin = word(60, 40, 75, 44, "CRN", 0.93)                            # MR grain read in a 5 px box
    assert drop_graphics([thin], grain) == []
    assert drop_graphics([word(60, 40, 75, 45, "CRN", 0.93)], grain) != []          # 6 px: measured as before
    upright = word(60, 40, 64, 80, "CRN", 0.93)                         # a vertical line is as thin as it is wide
    assert drop_graphics([upright], grain) == []
    twins = [word(60, 40, 66, 44, "2", 0.97), word(67, 40, 73, 44, "2", 0.97)]
    assert drop_graphics(twins, grain) == []                            # two thin reads are no line of text
    line = [thin, word(80, 38, 140, 47, "Name:", 0.95)]
    assert drop_graphics(line, grain) == line                           # a piece of a line of text stays


def test_a_sure_digit_read_on_xa_noise_is_dropped_and_a_faint_one_drawn_there_is_kept(shared):
    """The devset's text-free XA cine, frame 55: noise read as ``2`` at 0.91, its ink 5 grey levels off its ground;
    a ``2`` drawn 30 levels above that ground (the faintest synthetic short reads stand 26 apart) stays."""
    from dicom_ocr.planes import iter_planes
    from dicom_ocr.regions import drop_graphics
    from dicom_ocr.regions.glyphs import GLYPH_CONTRAST, ink, ink_contrast
    plane = next(iter(iter_planes(shared / "devset" / "files" / "go-dicom" / "I_000000.dcm", frames=[55])))
    noise = word(291, 321, 301, 334, "2", 0.91)
    assert ink_contrast(plane.image, noise.box, ink(plane.image, noise.box)) < GLYPH_CONTRAST
    assert drop_graphics([noise], plane.image) == []
    image = plane.image.copy()
    ground = int(np.median(image[noise.box.top:noise.box.bottom + 1, noise.box.left:noise.box.right + 1]))
    cv2.putText(image, "2", (292, 333), cv2.FONT_HERSHEY_SIMPLEX, 0.45, ground + 30, 1, cv2.LINE_AA)
    assert drop_graphics([noise], image) == [noise]


def test_a_scale_dot_read_as_digits_is_dropped_and_a_tiny_letter_is_kept():
    import cv2

    from dicom_ocr.regions import drop_graphics
    dots = np.zeros((60, 120), np.uint8)
    for x in (10, 40, 70, 100):
        dots[30:32, x:x + 2] = 255                             # a depth scale's dots, 2 x 2 px
    for confidence in (0.55, 0.95):
        assert drop_graphics([word(64, 25, 83, 36, "99", confidence)], dots) == []
    letter = np.zeros((60, 120), np.uint8)
    cv2.putText(letter, "R", (66, 35), cv2.FONT_HERSHEY_PLAIN, 0.5, 255, 1)   # 5 px tall
    assert drop_graphics([word(62, 25, 80, 38, "R", 0.95)], letter) != []


def test_a_glyph_read_on_grain_is_dropped_and_letters_on_grain_are_kept():
    import cv2

    from dicom_ocr.regions import drop_graphics
    grain = np.random.default_rng(3).normal(120, 20, (240, 320)).clip(0, 255).astype(np.uint8)
    filled = grain.copy()
    filled[150:200, 20:220] = 0                              # a redacted copy: a black fill on MR noise
    edge_read = word(100, 60, 300, 230, "\u4e00", 0.99)      # the detector's box over the fill's edge, read as 一
    assert drop_graphics([edge_read], filled) == []
    lettered = grain.copy()
    cv2.putText(lettered, "Dr", (40, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 3, cv2.LINE_AA)
    letters = word(30, 80, 120, 135, "Dr", 0.8)              # a short unsure read of real letters on the same grain
    assert drop_graphics([letters], lettered) == [letters]


# ---------------------------------------------------------------- glyph boxes and the two-tone test

def _letter_on_flat_ground() -> np.ndarray:
    image = np.full((60, 80), 20, np.uint8)
    cv2.putText(image, "T", (30, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 230, 2)
    return image


def test_a_detector_box_far_larger_than_its_glyph_is_trimmed_to_it():
    from dicom_ocr.regions.glyphs import trimmed
    image = _letter_on_flat_ground()
    box = trimmed(image, Box(5, 5, 75, 55))
    assert box.width <= 20 and box.height <= 22          # the letter is about 12 x 14 px
    assert box.left <= 31 and box.right >= 41 and box.top <= 27 and box.bottom >= 40


def test_a_soft_key_border_or_colour_bar_the_box_cuts_is_trimmed_off_and_a_second_line_is_not():
    from dicom_ocr.regions.glyphs import trimmed
    key = _letter_on_flat_ground()
    key[52:55, :] = 120                                   # the top border of a soft key under the label
    box = trimmed(key, Box(5, 5, 75, 54))
    assert box.width <= 20 and box.bottom <= 44           # the border is not part of the label
    assert box.left <= 31 and box.right >= 41 and box.top <= 27 and box.bottom >= 40
    bar = _letter_on_flat_ground()
    bar[46:, 32:40] = 200                                 # a colour bar starting under the label, beyond the box
    assert trimmed(bar, Box(5, 5, 75, 55)).bottom <= 44
    two_lines = _letter_on_flat_ground()
    cv2.putText(two_lines, "4", (30, 56), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 230, 1)   # a value under its label
    assert trimmed(two_lines, Box(5, 5, 75, 58)).bottom >= 54                        # not cut by the box: kept
    label_above = _letter_on_flat_ground()
    cv2.putText(label_above, "Name:", (12, 9), cv2.FONT_HERSHEY_SIMPLEX, 0.3, 230, 1)  # tiny glyphs the box cuts
    assert trimmed(label_above, Box(5, 6, 75, 55)).top == 6                           # may be text: kept covered


def test_a_letter_in_an_icon_frame_is_trimmed_to_the_letter_and_a_filled_block_is_not_peeled():
    from dicom_ocr.regions.glyphs import trimmed, within_frame
    icon = np.full((40, 40), 20, np.uint8)
    cv2.rectangle(icon, (8, 8), (31, 31), 150, 1)                                  # the icon's frame
    cv2.putText(icon, "T", (14, 27), cv2.FONT_HERSHEY_SIMPLEX, 0.45, 230, 1)    # about 8 x 10 px inside it
    box = trimmed(icon, Box(4, 4, 35, 35))
    assert box.left >= 11 and box.right <= 28 and box.top >= 13 and box.bottom <= 30
    assert box.left <= 14 and box.right >= 21 and box.top <= 17 and box.bottom >= 27   # the letter stays inside
    block = np.zeros((10, 12), bool)
    block[2:8, 2:9] = True                                                          # a filled block: no frame
    assert (within_frame(block) == block).all()
    empty_frame = np.zeros((10, 12), bool)
    empty_frame[[1, 8], 1:11] = True
    empty_frame[1:9, [1, 10]] = True
    assert (within_frame(empty_frame) == empty_frame).all()                        # nothing inside: kept


def test_a_long_read_trimmed_shorter_than_its_characters_need_keeps_its_ends():
    from dicom_ocr.regions.glyphs import room_for
    box = Box(2, 5, 170, 25)                      # a detector's box of low-contrast text on a gradient ground
    trimmed = Box(60, 8, 100, 22)                 # its marks only where it stands out most: 41 x 15 px
    assert room_for(box, trimmed, "Lakeview Radiology") == Box(2, 8, 170, 22)   # 17 characters need 89+ px
    assert room_for(box, trimmed, "Lake") == trimmed                             # four need 21+
    assert room_for(Box(2, 5, 20, 80), Box(5, 30, 18, 50), "Lakeview") == Box(5, 30, 18, 50)   # vertical: as trimmed


def test_a_scale_dot_read_beside_a_digit_is_cut_off_its_box_and_a_digit_is_not():
    from dicom_ocr.regions.glyphs import without_end_dot
    image = np.full((40, 60), 10, np.uint8)
    cv2.putText(image, "5", (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 230, 1)    # a thin digit, about 8 x 11 px
    cv2.circle(image, (34, 23), 3, 230, -1)                                      # a filled 7 px dot beside it
    box = Box(5, 10, 42, 32)
    assert without_end_dot(image, box, "5•").right <= 22
    assert without_end_dot(image, box, "5") == box                               # no dot read: unchanged
    digits = np.full((40, 60), 10, np.uint8)
    cv2.putText(digits, "51", (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 230, 1)  # a misread last glyph, no dot
    assert without_end_dot(digits, box, "5•") == box


def test_flat_lettering_is_two_tone_and_noisy_anatomy_is_not():
    from dicom_ocr.regions.glyphs import ink, two_tone
    lettering = _letter_on_flat_ground()
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:60, :80]
    anatomy = np.clip(120 + 60 * np.exp(-((yy - 30) ** 2 + (xx - 40) ** 2) / 300) + rng.normal(0, 25, (60, 80)),
                      0, 255).astype(np.uint8)
    box = Box(20, 15, 60, 45)
    assert two_tone(lettering, box, ink(lettering, box)) > 0.9
    assert two_tone(anatomy, box, ink(anatomy, box)) < 0.76


def test_a_colour_bar_cutting_a_scale_digits_corner_is_cut_off_and_a_last_glyph_is_not():
    from dicom_ocr.regions.glyphs import clear_of_corner_marks, tightened
    image = np.zeros((40, 60), np.uint8)
    cv2.putText(image, "15", (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 250, 1)    # two digits, about 13 x 9 px
    image[18:, 32:40] = 240                          # a colour bar from below, its edge inside the read's box
    box = Box(7, 11, 32, 31)                         # the detector's box: reaches the bar's edge and the bottom
    cleared = clear_of_corner_marks(image, box)
    assert 23 <= cleared.right < 32                                      # the digits (columns 11-23) stay inside
    assert tightened(image, cleared).bottom <= 27 < tightened(image, box).bottom   # so the box fits the digits
    wide = image.copy()
    wide[18:, 28:40] = 240                           # a bar 5 px into the box: wider than a region's margin
    assert clear_of_corner_marks(wide, Box(7, 11, 32, 31)) == Box(7, 11, 32, 31)
    letters = np.zeros((40, 60), np.uint8)
    cv2.putText(letters, "aI", (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 250, 1)  # a thin last glyph, taller
    columns, rows = np.flatnonzero(letters.any(axis=0)), np.flatnonzero(letters.any(axis=1))
    tight = Box(7, int(rows[0]), int(columns[-1]), 30)                  # it touches the box's top and right edges
    assert clear_of_corner_marks(letters, tight).right >= columns[-1] - 2   # cut to within the 3 px margin at most
