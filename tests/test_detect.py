"""Detection with real engines: regions cover the text drawn, blank planes cost nothing, cines are read once."""
from __future__ import annotations

import numpy as np
import pytest

from dicom_ocr.detection import DEFAULT_PASSES, Detector, Pass, parse_passes
from dicom_ocr.engines import engine_status
from dicom_ocr.planes import Plane, PlaneKind

from textimages import draw_lines, ink_box


def plane_of(image: np.ndarray, frame: int = 0, overlay: int = -1) -> Plane:
    return Plane("x.dcm", frame, overlay, PlaneKind.IMAGE, image, blank=not image.any())


def covered(regions, box) -> float:
    """Share of ``box`` (left, top, right, bottom) covered by the union of the regions."""
    left, top, right, bottom = box
    mask = np.zeros((bottom + 1, right + 1), bool)
    for r in regions:
        mask[r.box.top:r.box.bottom + 1, r.box.left:r.box.right + 1] = True
    return float(mask[top:, left:].mean())


def need(engine: str) -> None:
    reason = engine_status()[engine]
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def tesseract() -> Detector:
    need("tesseract")
    return Detector([Pass("tesseract", ("top", "invert"))])


def test_each_line_becomes_a_region_covering_its_text(tesseract):
    first = draw_lines((200, 420), [("JOHN SMITH 1976", (10, 40))])
    second = draw_lines((200, 420), [("ST MARY HOSPITAL", (10, 120))])
    plane = plane_of(np.maximum(first, second))
    regions = tesseract.detect(plane)
    assert covered(regions, ink_box(first)) == 1.0 and covered(regions, ink_box(second)) == 1.0
    texts = " ".join(r.text for r in regions).upper()
    assert "SMITH" in texts and "HOSPITAL" in texts
    assert all(r.box.height < 60 for r in regions)           # lines, not one block


def test_rapidocr_reads_small_text_on_a_small_plane():
    need("rapidocr")
    image = draw_lines((128, 200), [("DOE JANE", (8, 30))], scale=0.35, thickness=1)
    regions = Detector([Pass("rapidocr", ("plain", "x2"))]).detect(plane_of(image))
    assert covered(regions, ink_box(image)) == 1.0


def test_blank_planes_are_not_read(tesseract):
    calls = dict(tesseract.calls)
    assert tesseract.detect(plane_of(np.zeros((50, 50), np.uint8))) == []
    assert dict(tesseract.calls) == calls


def test_static_cine_text_is_read_once_and_a_changing_clock_again(tesseract):
    base = draw_lines((160, 400), [("PATIENT ZZZTEST", (10, 40))])
    frames = []
    for index in range(8):
        clock = "10:42:01" if index < 4 else "10:42:09"
        image = np.maximum(base, draw_lines((160, 400), [(clock, (10, 120))]))
        image[60:100, 200:380] = 40 + index * 10            # moving anatomy below the top of the range
        frames.append(plane_of(image, frame=index))
    before = sum(tesseract.calls.values())
    results = list(tesseract.detect_planes(frames))
    reads = (sum(tesseract.calls.values()) - before) // 2    # two variants per read
    assert reads == 2
    for plane, regions in results:
        assert covered(regions, ink_box(base)) == 1.0
        clock_box = ink_box(plane.image[100:, :])
        assert covered(regions, (clock_box[0], clock_box[1] + 100, clock_box[2], clock_box[3] + 100)) == 1.0


def test_identical_overlay_planes_are_read_once(tesseract):
    image = draw_lines((120, 300), [("DR DIBIE", (10, 50))])
    before = sum(tesseract.calls.values())
    results = list(tesseract.detect_planes([plane_of(image, overlay=0), plane_of(image.copy(), frame=1, overlay=0)]))
    assert sum(tesseract.calls.values()) - before == 2       # one read, two variants
    assert results[0][1] == results[1][1] and results[0][1]


def test_parse_passes():
    assert parse_passes("tesseract:top+invert, rapidocr") == (
        Pass("tesseract", ("top", "invert")), Pass("rapidocr", next(p.variants for p in DEFAULT_PASSES
                                                                    if p.engine == "rapidocr")))
    with pytest.raises(ValueError):
        parse_passes(" , ")


def test_a_reread_cine_frame_keeps_what_earlier_frames_found():
    from dicom_ocr.detection.reuse import Fingerprint, PlaneMemory
    from dicom_ocr.geometry import Box
    from dicom_ocr.regions import Region

    first = draw_lines((100, 300), [("PID 689256332", (10, 40))])
    second = first.copy()
    second[70:90, 200:290] = 255                            # something new at the top of the range: read again
    memory = PlaneMemory()
    whole = Region(Box(5, 20, 200, 50), "PID 689256332", 0.9, 6)
    memory.remember(Fingerprint.of(plane_of(first)), [whole])
    assert memory.recall(Fingerprint.of(plane_of(second, frame=1))) is None
    partial = Region(Box(60, 20, 200, 50), "689256332", 0.9, 6)   # this read missed "PID"
    (merged,) = memory.remember(Fingerprint.of(plane_of(second, frame=1)), [partial])
    assert merged.box == Box(5, 20, 200, 50)


def test_static_text_found_on_a_later_frame_is_given_to_the_frames_that_show_it():
    from dicom_ocr.detection.reuse import Fingerprint, PlaneMemory
    from dicom_ocr.geometry import Box
    from dicom_ocr.regions import Region

    scale = draw_lines((100, 300), [("15", (250, 40))])           # a depth-scale digit on every frame
    clocks = [np.maximum(scale, draw_lines((100, 300), [(f"10:42:0{i}", (10, 80))])) for i in range(3)]
    moved = np.maximum(draw_lines((100, 300), [("15", (250, 20))]), clocks[0] * 0)   # the digit moved away
    digit = Region(Box(245, 20, 290, 50), "15", 0.9, 6)
    memory = PlaneMemory()
    half = Region(Box(250, 22, 268, 48), "1", 0.9, 6)              # a frame where half of it was read
    memory.remember(Fingerprint.of(plane_of(clocks[0])), [])       # OCR missed the digit on the first frame
    memory.remember(Fingerprint.of(plane_of(clocks[1], frame=1)), [half])
    memory.remember(Fingerprint.of(plane_of(clocks[2], frame=2)), [digit])
    memory.remember(Fingerprint.of(plane_of(moved, frame=3)), [])
    gained = memory.static_text()
    assert gained == {(0, -1): [digit]}          # not frame 1 (it has a region there), nor 3 (the pixels are not there)


def test_static_grey_text_is_given_to_the_frames_that_show_it_not_over_moving_speckle():
    """Text drawn below the top of the range (a grey logo on a cine) is told by its ink: a frame showing the same ink
    in the region's box gains the region; a frame where speckle moves under the box does not."""
    from dicom_ocr.detection.reuse import Fingerprint, PlaneMemory
    from dicom_ocr.geometry import Box
    from dicom_ocr.regions import Region

    logo = (draw_lines((100, 300), [("(hp)", (200, 40))]) > 0).astype(np.uint8) * 200    # grey: no top pixels
    rng = np.random.default_rng(3)
    frames = [logo.copy() for _ in range(3)]
    frames[2][15:55, 190:270] = np.maximum(frames[2][15:55, 190:270], rng.integers(0, 2, (40, 80)) * 180)
    region = Region(Box(195, 15, 265, 50), "(hp)", 0.9, 6)
    memory = PlaneMemory()
    memory.remember(Fingerprint.of(plane_of(frames[0])), [])       # OCR missed it on the first frame
    memory.remember(Fingerprint.of(plane_of(frames[1], frame=1)), [region])
    memory.remember(Fingerprint.of(plane_of(frames[2], frame=2)), [])
    assert memory.static_text() == {(0, -1): [region]}


def test_turned_copy_reads_vertical_text_only():
    need("rapidocr")
    import cv2

    word = draw_lines((60, 300), [("ZZZTEST 1976", (10, 40))])
    image = np.zeros((400, 400), np.uint8)
    image[20:320, 300:360] = cv2.rotate(word, cv2.ROTATE_90_CLOCKWISE)     # runs down the plane
    image[350:390, 20:290] = draw_lines((40, 270), [("HOSPITAL", (5, 30))])
    regions = Detector([Pass("rapidocr", ("rot90",))]).detect(plane_of(image))
    vertical = ink_box(image[:, 290:])
    assert covered(regions, (vertical[0] + 290, vertical[1], vertical[2] + 290, vertical[3])) == 1.0
    assert all(r.box.height > r.box.width for r in regions)           # the horizontal line is left to the plain pass


def test_a_cine_line_whose_pixels_did_not_change_is_recognised_once_per_file():
    need("rapidocr")
    detector = Detector(parse_passes("rapidocr:lines"), {"rapidocr": {"threads": 1}})
    engine = detector.engines["rapidocr"]
    recognised = []
    real = engine.recognise
    engine.recognise = lambda crops: recognised.append(len(crops)) or real(crops)
    base = draw_lines((200, 420), [("PATIENT ZZZTEST", (10, 40))])
    frames = []
    for index, clock in enumerate(("10:42:01", "10:42:09")):
        image = np.maximum(base, draw_lines((200, 420), [(clock, (10, 160))]))   # the clock changes: read again
        frames.append(plane_of(image, frame=index))
    first, second = list(detector.detect_planes(frames))
    assert len(recognised) >= 2 and sum(recognised[1:]) < recognised[0]        # the name is not recognised again
    for _, regions in (first, second):
        assert "ZZZTEST" in " ".join(r.text for r in regions).upper()
    assert "09" in " ".join(r.text for r in second[1]) and "01" in " ".join(r.text for r in first[1])
    recognised.clear()
    list(detector.detect_planes(frames[:1]))                                    # another file: nothing recalled
    assert sum(recognised) > 0


def test_remembered_readings_recognise_each_distinct_crop_once():
    from dicom_ocr.detection.reuse import RememberedReadings

    class Reader:
        def __init__(self):
            self.crops = 0

        def recognise(self, crops):
            self.crops += len(crops)
            return [(f"{int(c.sum())}", 0.9) for c in crops]

    reader = Reader()
    readings = RememberedReadings(reader)
    a, b = np.full((4, 8, 3), 1, np.uint8), np.full((4, 8, 3), 2, np.uint8)
    assert readings.recognise([a, b, a.copy()]) == [("96", 0.9), ("192", 0.9), ("96", 0.9)]
    assert readings.recognise([b, np.full((8, 4, 3), 1, np.uint8)]) == [("192", 0.9), ("96", 0.9)]  # a new shape
    assert reader.crops == 3 and readings.repeats == 2


@pytest.mark.parametrize("name", ["50358_1-30.dcm", "30038_1-19.dcm"])
def test_the_smallest_real_text_keeps_its_regions(shared, name):
    """jsl's lines 5 px high (`DOB: ...`, `Age: 66`) over MR: the detector boxes them 7 px thick and more, clear of the
    6 px under which a lone read is taken for grain (``regions.words.THIN``)."""
    import json

    import dicom_ocr
    need("rapidocr")
    gt = json.loads((shared / "gt" / "jsl.json").read_text())
    entry = next(f for f in gt["files"] if f["path"].endswith(name))
    result = dicom_ocr.scan_file(str(shared / "corpus" / entry["path"]))
    regions = [r for plane in result.planes for r in plane.regions]
    small = [b for b in entry["boxes"] if b["bottom"] - b["top"] + 1 <= 6]
    assert small
    for b in small:
        assert covered(regions, (b["left"], b["top"], b["right"], b["bottom"])) >= 0.8, b
