"""One recognition per line (detection.lines) and RapidOCR's backends, with the real engine on drawn text."""
from __future__ import annotations

import sys

import cv2
import numpy as np
import pytest

from dicom_ocr.detection import PREVIOUS_DEFAULT_SPEC, Detector, Pass, parse_passes
from dicom_ocr.detection import lines as lines_module
from dicom_ocr.detection.lines import Line, areas_near, read_once_per_line
from dicom_ocr.detection.variants import Variant
from dicom_ocr.engines import engine_status, get_engine
from dicom_ocr.engines.base import Detection
from dicom_ocr.engines.rapidocr import choose_backend
from dicom_ocr.errors import EngineUnavailableError
from dicom_ocr.geometry import Box
from dicom_ocr.planes import Plane, PlaneKind

from textimages import draw_lines, ink_box


def plane_of(image: np.ndarray) -> Plane:
    return Plane("x.dcm", 0, -1, PlaneKind.IMAGE, image, blank=not image.any())


@pytest.fixture(scope="module")
def rapidocr():
    if engine_status()["rapidocr"]:
        pytest.skip(engine_status()["rapidocr"])
    return get_engine("rapidocr", threads=1)


class CountingEngine:
    """The real engine, counting what it is asked to detect and recognise."""

    def __init__(self, engine):
        self.engine, self.detected, self.recognised = engine, 0, 0

    def detect(self, image):
        self.detected += 1
        return self.engine.detect(image)

    def crop(self, image, quad):
        return self.engine.crop(image, quad)

    def recognise(self, crops):
        self.recognised += len(crops)
        return self.engine.recognise(crops)


def mixed_plane() -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """A 480x480 plane with a large line, a 6-px line and a line running down the right edge; their ink boxes."""
    image = np.zeros((480, 480), np.uint8)
    large = draw_lines((480, 480), [("JOHN SMITH 1976", (20, 60))], scale=1.0)
    small = draw_lines((480, 480), [("ST MARY HOSPITAL LEEDS", (20, 200))], scale=0.3, thickness=1)
    word = draw_lines((50, 330), [("ZZZTEST 2024", (10, 38))], scale=1.0)
    vertical = np.zeros_like(image)
    vertical[60:390, 400:450] = cv2.rotate(word, cv2.ROTATE_90_CLOCKWISE)
    for part in (large, small, vertical):
        image = np.maximum(image, part)
    return image, {"large": ink_box(large), "small": ink_box(small), "vertical": ink_box(vertical)}


def box_of(word) -> tuple[int, int, int, int]:
    return word.box.left, word.box.top, word.box.right, word.box.bottom


def inside(inner, outer, slack=4) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and inner[2] <= outer[2] + slack
            and inner[3] <= outer[3] + slack)


def test_small_large_and_vertical_text_each_recognised_once(rapidocr):
    image, truth = mixed_plane()
    engine = CountingEngine(rapidocr)
    words = read_once_per_line(engine, plane_of(image))
    texts = {w.text.replace(" ", "").upper(): box_of(w) for w in words}
    assert engine.detected == 2                  # the plane and its enlarged copy; text on black: no dark strokes
    assert "JOHNSMITH1976" in texts and "STMARYHOSPITALLEEDS" in texts and "ZZZTEST2024" in texts
    assert len(words) == 3                               # each line once, though both scales found the large one
    assert engine.recognised == 2 + 3                    # two horizontal lines, the tall one upright and turned both ways
    for name, key in (("large", "JOHNSMITH1976"), ("small", "STMARYHOSPITALLEEDS"), ("vertical", "ZZZTEST2024")):
        assert inside(truth[name], texts[key], slack=12) and inside(texts[key], truth[name], slack=12)


def test_the_default_detector_covers_what_three_whole_reads_did(rapidocr):
    image, truth = mixed_plane()
    options = {"rapidocr": {"threads": 1}}
    new = Detector(parse_passes("rapidocr:lines"), options).detect(plane_of(image))
    old = Detector(parse_passes(PREVIOUS_DEFAULT_SPEC), options).detect(plane_of(image))
    for regions in (new, old):
        for box in truth.values():
            assert any(inside(box, (r.box.left, r.box.top, r.box.right, r.box.bottom)) for r in regions)


@pytest.mark.parametrize("letter", ["R", "M"])
def test_tall_single_letters_are_read_upright(rapidocr, letter):
    image = cv2.resize(draw_lines((100, 200), [(letter, (80, 70))], scale=2.0, thickness=4), (200, 300))
    engine = CountingEngine(rapidocr)
    words = read_once_per_line(engine, plane_of(image))
    assert engine.recognised == 3                        # a tall box: upright and turned both ways
    assert [w.text for w in words] == [letter]


def textured_plane(seed: int = 0) -> np.ndarray:
    """A 512x512 plane: air above row 200, bright fine-grained texture below (anatomy); a white label on the air and,
    just below it, a dark line drawn over the texture."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (512, 512)).astype(np.float32), (0, 0), 1.0)
    image = np.clip(170 + 60 * (noise - noise.mean()) / noise.std(), 0, 255).astype(np.uint8)
    image[:200] = 0
    image = np.maximum(image, draw_lines(image.shape, [("Patient ID: 4471", (20, 185))], scale=0.45, thickness=1))
    dark = draw_lines(image.shape, [("Name: RIVERA MICHAEL", (20, 215))], scale=0.45, thickness=1)
    image[dark > 0] = np.minimum(image[dark > 0], 255 - dark[dark > 0])
    return image


def test_dark_text_over_bright_texture_is_read_from_the_dark_strokes_copy(rapidocr, monkeypatch):
    plane = plane_of(textured_plane())
    engine = CountingEngine(rapidocr)
    texts = [w.text.replace(" ", "").upper() for w in read_once_per_line(engine, plane)]
    assert "PATIENTID:4471" in texts and any("RIVERAMICHAEL" in t for t in texts)
    assert engine.detected == 3                  # the plane, its enlarged copy, the dark strokes of one area
    monkeypatch.setattr(lines_module, "dark_choices", lambda *args: [])
    before = [w.text.replace(" ", "").upper() for w in read_once_per_line(rapidocr, plane)]
    assert "PATIENTID:4471" in before and not any("RIVERAMICHAEL" in t for t in before)   # what it adds


def test_dark_strokes_are_searched_only_near_text_lines():
    image = np.zeros((600, 600), np.uint8)
    plain = Variant("plain", image)
    line = Line(plain, Detection(np.zeros((4, 2), np.float32), 1.0), Box(100, 100, 199, 109))
    block = Line(plain, Detection(np.zeros((4, 2), np.float32), 1.0), Box(300, 300, 400, 480))
    assert areas_near([line], 600, 600) == [Box(40, 80, 259, 129)]    # 6 line heights sideways, 2 up and down
    assert areas_near([line, block], 600, 600) == [Box(40, 80, 259, 129)]    # a box as tall as wide is no line
    far = Line(plain, line.detection, Box(100, 500, 199, 509))
    assert sorted(areas_near([line, far], 600, 600)) == [Box(40, 80, 259, 129), Box(40, 480, 259, 529)]
    assert areas_near([], 600, 600) == []


def test_blank_and_textless_planes_recognise_nothing(rapidocr):
    engine = CountingEngine(rapidocr)
    noise = np.random.default_rng(0).normal(60, 5, (256, 256)).clip(0, 255).astype(np.uint8)
    assert read_once_per_line(engine, plane_of(noise)) == [] and engine.recognised == 0


def test_onnxruntime_is_chosen_when_installed_and_openvino_otherwise(monkeypatch):
    import importlib.util
    if importlib.util.find_spec("onnxruntime"):
        assert choose_backend() == "onnxruntime"
    monkeypatch.setitem(sys.modules, "onnxruntime", None)   # as if not installed
    if importlib.util.find_spec("openvino"):
        assert choose_backend() == "openvino"
    with pytest.raises(EngineUnavailableError, match="pip install onnxruntime"):
        choose_backend("onnxruntime")


def test_both_backends_read_the_same_lines(rapidocr):
    import importlib.util
    if importlib.util.find_spec("openvino") is None:
        pytest.skip("openvino is not installed")
    image, _ = mixed_plane()
    results = {}
    for backend in ("openvino", "onnxruntime"):
        engine = get_engine("rapidocr", backend=backend, threads=1)
        assert engine.backend == backend and backend in engine.version
        words = read_once_per_line(engine, plane_of(image))
        results[backend] = sorted(w.text for w in words)
    assert results["openvino"] == results["onnxruntime"]


def test_the_engine_falls_back_to_openvino_without_onnxruntime(monkeypatch):
    pytest.importorskip("openvino")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    engine = get_engine("rapidocr", threads=1)
    assert engine.backend == "openvino"
    image = draw_lines((80, 300), [("DOE JANE", (10, 50))])
    assert "DOE" in " ".join(w.text for w in engine.read(image)).upper()


def test_unknown_backend_or_device_is_refused():
    with pytest.raises(ValueError, match="known: auto, openvino, onnxruntime"):
        choose_backend("tensorflow")
    with pytest.raises(ValueError, match="known: cpu, cuda"):
        choose_backend("auto", "tpu")
    with pytest.raises(ValueError, match="onnxruntime backend"):
        choose_backend("openvino", "cuda")


def _cuda_available() -> bool:
    import onnxruntime
    return "CUDAExecutionProvider" in onnxruntime.get_available_providers()


@pytest.mark.skipif(not _cuda_available(), reason="no CUDA GPU with onnxruntime-gpu here")
def test_cuda_device_reads_like_the_cpu():
    image, _ = mixed_plane()
    gpu = get_engine("rapidocr", device="cuda")
    cpu = get_engine("rapidocr", backend="onnxruntime", threads=1)
    assert sorted(w.text for w in read_once_per_line(gpu, plane_of(image))) == \
        sorted(w.text for w in read_once_per_line(cpu, plane_of(image)))


@pytest.mark.skipif(_cuda_available(), reason="a CUDA GPU is present")
def test_cuda_device_without_a_gpu_is_a_clear_error():
    with pytest.raises(EngineUnavailableError, match="onnxruntime-gpu"):
        choose_backend("auto", "cuda")


def test_lines_needs_a_split_engine_and_variants_are_checked():
    assert parse_passes("rapidocr") == (Pass("rapidocr", ("lines",)),)
    assert parse_passes("rapidocr:plain+x2+rot90") == (Pass("rapidocr", ("plain", "x2", "rot90")),)
    for bad, message in (("tesseract:lines", "detection and recognition"), ("rapidocr:lines+x2", "no other"),
                         ("rapidocr:bogus", "unknown preprocessing variant 'bogus'"), ("abbyy", "unknown OCR engine")):
        with pytest.raises(ValueError, match=message):
            parse_passes(bad)


@pytest.mark.skipif(_cuda_available(), reason="a CUDA GPU is present")
@pytest.mark.parametrize("option, warning", [
    (["--engine-option", "rapidocr.device=cuda"], []),
    (["--device", "cuda"], ["dicom_ocr: --device is deprecated; use --engine-option rapidocr.device=cuda"])],
    ids=["engine-option", "deprecated-flag"])
def test_scan_on_a_missing_gpu_is_refused_before_anything_is_written(tmp_path, option, warning):
    import subprocess

    from pydicom.data import get_testdata_file

    db = tmp_path / "db"
    result = subprocess.run([sys.executable, "-m", "dicom_ocr", "scan", get_testdata_file("CT_small.dcm"),
                             "--db", str(db), *option], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [*warning, "dicom_ocr: rapidocr.device=cuda needs onnxruntime-gpu "
                                                  "and a CUDA GPU; none is available here"]
    assert not db.exists()


def _quad(box: Box) -> Detection:
    return Detection(np.array([[box.left, box.top], [box.right, box.top], [box.right, box.bottom],
                               [box.left, box.bottom]], np.float32), 0.9)


def test_a_glyph_group_inside_a_column_adds_to_it_but_not_inside_a_line():
    """A dark-strokes line inside a tall line found (axis digits the detector took for one vertical line) is a line
    of its own; inside a horizontal line found, or a tall one and a horizontal one, it adds nothing."""
    from dicom_ocr.detection.lines import _adds_to

    plain = Variant("plain", np.zeros((10, 10), np.uint8))

    def line(box):
        return Line(plain, _quad(box), box)

    column, row, digit = line(Box(499, 245, 521, 361)), line(Box(480, 280, 560, 296)), line(Box(503, 282, 514, 294))
    assert column.tall and not digit.tall
    assert _adds_to(digit, [column])
    assert not _adds_to(digit, [row]) and not _adds_to(digit, [column, row])
    assert not _adds_to(line(Box(503, 250, 514, 300)), [column])            # a tall piece of a column adds nothing


def test_axis_digits_the_detector_takes_for_one_column_are_read_one_by_one(shared):
    """The T-score axis of a real DXA report (devset): its digits, tick marks between them, are detected as one
    vertical line that reads as nothing; the dark-strokes copy shows each digit apart, and each is read."""
    from dicom_ocr.planes import iter_planes, read_header

    path = shared / "devset" / "files" / "go-dicom-codec" / "sample-04.dcm"
    if not path.exists():
        pytest.skip("the devset is not here")
    plane = next(iter(iter_planes(str(path), header=read_header(str(path)))))
    regions = Detector(parse_passes("rapidocr:lines"), {"rapidocr": {"threads": 1}}).detect(plane)
    for digit in (Box(508, 284, 510, 291), Box(507, 300, 512, 307)):        # the devset's boxes of its 1 and 0
        assert any(r.box.intersection(digit) == digit for r in regions)


def test_a_line_grows_over_the_planes_box_of_the_same_line_but_not_over_a_block():
    from dicom_ocr.detection.lines import Line, unite
    from dicom_ocr.detection.variants import Variant
    from dicom_ocr.engines.base import Detection
    from dicom_ocr.geometry import Box

    image = np.zeros((10, 10), np.uint8)
    plain, enlarged = Variant("plain", image), Variant("x2", image, scale=2.0)
    quad = Detection(np.zeros((4, 2), np.float32), 0.9)

    def line(variant, box):
        return Line(variant, quad, box)

    small = line(enlarged, Box(100, 60, 200, 67))                  # 8 px thick, found on the enlarged copy
    coarse = line(plain, Box(96, 58, 214, 71))                     # the plane's coarser box of the same line
    (choice,) = unite([coarse], [small])
    assert choice.preferred[0].box == Box(96, 58, 214, 71) and choice.fallback == (coarse,)
    block = line(plain, Box(0, 0, 400, 300))                       # a box over a graphic holding the line
    (choice,) = unite([block], [small])
    assert choice.preferred[0].box == small.box


def test_short_crops_are_padded_to_the_narrow_minimum_and_read_alike(rapidocr):
    """``recognise`` pads batches to ``rec_min_width``, not the library's 320 px, and reads short tokens the same;
    ``read`` keeps the library's own padding."""
    recogniser = rapidocr._ocr._load_rec_model()
    widths = []
    session = recogniser.session
    recogniser.session = lambda batch: widths.append(batch.shape[3]) or session(batch)
    try:
        crops = [rapidocr.crop(draw_lines((70, w), [(text, (8, 50))], scale=1.2, thickness=2),
                               np.array([[0, 0], [w - 1, 0], [w - 1, 69], [0, 69]], np.float32))
                 for text, w in (("L", 50), ("45Y", 110))]
        narrow = rapidocr.recognise(crops)
        assert max(widths) < 320 and recogniser.rec_image_shape[2] == 320   # restored for read
        wide = get_engine("rapidocr", threads=1, rec_min_width=320).recognise(crops)
    finally:
        recogniser.session = session
    assert [t for t, _ in narrow] == [t for t, _ in wide] == ["L", "45Y"]


def fields_plane() -> Plane:
    """One row the detector boxes as one line: a counter, four spaces, a date."""
    return plane_of(draw_lines((80, 520), [("DR 78    2023-09-23 2:33", (5, 40))], scale=0.8))


def test_two_fields_in_one_detected_line_are_read_apart(rapidocr):
    from dicom_ocr.detection.lines import detect_lines
    from dicom_ocr.detection.variants import make_variants
    plane = fields_plane()
    (plain,) = make_variants(plane, ("plain",))
    assert len(detect_lines(rapidocr, plain, plane)) == 1              # the detector's one box for both fields
    words = read_once_per_line(rapidocr, plane)
    assert [w.text for w in words] == ["DR 78", "2023-09-23 2:33"]
    assert words[0].box.right + 1 == words[1].box.left                 # cut in the gap: together they cover the line


class BlindToDates(CountingEngine):
    """The real engine, except that it reads nothing in a crop of the date alone (a value OCR cannot read)."""

    def recognise(self, crops):
        readings = super().recognise(crops)
        return [("", score) if text.startswith("2023") else (text, score) for text, score in readings]


def test_a_line_is_read_whole_when_one_of_its_fields_reads_as_nothing(rapidocr):
    engine = BlindToDates(rapidocr)
    words = read_once_per_line(engine, fields_plane())
    assert [w.text for w in words] == ["DR 78 2023-09-23 2:33"]           # the whole line, its box and its text
    assert words[0].box.left < 10 and words[0].box.right > 250


def test_a_shape_the_detector_keeps_seeing_is_compiled_for_it_with_the_same_lines(monkeypatch):
    import importlib.util
    if importlib.util.find_spec("openvino") is None:
        pytest.skip("openvino is not installed")
    from dicom_ocr.engines.rapidocr import static_shapes
    image, _ = mixed_plane()
    engine = get_engine("rapidocr", backend="openvino", threads=1)
    dynamic = sorted((tuple(d.quad.round().ravel()), round(d.score, 2)) for d in engine.detect(image))
    session = engine._ocr._load_det_model().session
    assert isinstance(session, static_shapes.StaticShapes) and session.shapes == []
    monkeypatch.setattr(static_shapes, "COMPILE_AFTER_S", 0.0)       # compile at the next call of a shape
    assert engine.detect(image) and len(session.shapes) == 1
    compiled = sorted((tuple(d.quad.round().ravel()), round(d.score, 2)) for d in engine.detect(image))
    assert len(compiled) == len(dynamic)
    assert all(np.abs(np.subtract(a[0], b[0])).max() <= 2 and abs(a[1] - b[1]) <= 0.02
               for a, b in zip(compiled, dynamic))
    first = session.shapes[0]
    monkeypatch.setattr(static_shapes, "KEPT", 1)
    engine.detect(np.ascontiguousarray(image[:, :-64]))               # another shape: the older one goes
    assert len(session.shapes) == 1 and session.shapes[0] != first


def test_contrast_tells_faint_text_from_text_drawn_to_stand_out():
    ground = np.full((40, 200), 100, np.uint8)
    text = draw_lines((40, 200), [("FAINT 12", (5, 30))], scale=0.8) > 0
    faint, bold = ground.copy(), ground.copy()
    faint[text], bold[text] = 140, 250
    box = Box(0, 0, 199, 39)
    assert lines_module.contrast(faint, box) < lines_module.FAINT < lines_module.contrast(bold, box)
    assert lines_module.contrast(ground, box) == 0.0                      # no ink at all: nothing stands out


def test_a_faint_reading_the_filters_keep_marks_a_plane_as_holding_faint_text():
    from dicom_ocr.engines.base import Word
    ground = np.full((120, 200), 100, np.uint8)
    ground[10:30, 20:180:4] = 140                                         # faint strokes
    ground[50:70, 20:180:4] = 250                                         # strokes drawn to stand out
    yy, xx = np.mgrid[0:24, 0:24]
    ground[88:112, 80:104] = (100 + 30 * np.exp(-((yy - 12) ** 2 + (xx - 12) ** 2) / 60)).astype(np.uint8)  # a blob
    plane = plane_of(ground)
    faint, bold = Word(Box(10, 5, 190, 35), "AB 12", 0.95), Word(Box(10, 45, 190, 75), "CD 34", 0.95)
    anatomy = Word(Box(80, 88, 103, 111), "O", 0.6)                        # a faint blob read as a letter
    assert lines_module.holds_faint_text(plane, ground, [bold, faint])
    assert not lines_module.holds_faint_text(plane, ground, [bold])
    assert not lines_module.holds_faint_text(plane, ground, [])
    assert lines_module.contrast(ground, anatomy.box) < lines_module.FAINT
    assert not lines_module.holds_faint_text(plane, ground, [bold, anatomy])   # dropped by the filters: no search


def test_a_plane_with_faint_text_is_searched_again_on_its_equalised_copy(rapidocr, tmp_path, monkeypatch):
    """Low-contrast grey text on ultrasound speckle (a synthetic file): the line the plane and its enlarged copy
    miss in part is read on the contrast-equalised copy."""
    from dicom_ocr.planes import iter_planes

    from scriptmodules import load_script
    synth = load_script("make_synthetic")
    sample = synth.build(1, 59)
    assert sample.entry["path"].endswith("low-contrast.dcm")
    synth.write(sample, tmp_path)
    plane = next(iter_planes(tmp_path / sample.entry["path"]))
    target = next(b for b in sample.entry["boxes"] if b["text"] == "NORTHSIDE IMAGING")

    def covered(words) -> float:
        columns = np.zeros(plane.columns, bool)
        for w in words:
            if w.box.top <= target["bottom"] and w.box.bottom >= target["top"]:
                columns[w.box.left:w.box.right + 1] = True
        return columns[target["left"]:target["right"] + 1].mean()

    searched = read_once_per_line(rapidocr, plane)
    monkeypatch.setattr(lines_module, "holds_faint_text", lambda plane, ground, words: False)
    unsearched = read_once_per_line(rapidocr, plane)
    assert covered(searched) >= covered(unsearched) + 0.2         # here 0.80 of its width against 0.54



def test_stacked_letters_beside_a_real_colour_bar_are_read_glyph_by_glyph(shared):
    """``CS`` written one letter above the other beside the colour bar of a real HP colour-flow cine (devset): the
    strip reads as nothing upright and turned; read glyph by glyph it is ``CS``."""
    from dicom_ocr.planes import iter_planes, read_header

    path = shared / "devset" / "files" / "go-dicom" / "I_000003.dcm"
    if not path.exists():
        pytest.skip("the devset is not here")
    plane = next(iter(iter_planes(str(path), header=read_header(str(path)))))
    regions = Detector(parse_passes("rapidocr:lines"), {"rapidocr": {"threads": 1}}).detect(plane)
    label = Box(113, 57, 118, 81)                            # the devset's box of the stacked CS
    assert any(r.box.intersection(label) == label and r.text.upper() == "CS" for r in regions)
