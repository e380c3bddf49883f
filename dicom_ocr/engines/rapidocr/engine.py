"""RapidOCR 3 (PP-OCR models shipped in the ``rapidocr`` wheel, run by OpenVINO or onnxruntime): audit-DB ocrengine 6.

Number 6 is ours (dcmaudit uses 1 for tesseract and 2 for easyocr; 6-49 are free for this project).
It returns one box per text *line* (a polygon, made here into the bounding axis-aligned Box clipped to the image),
so a Word from this engine may hold several words separated by spaces.

Besides the whole-image ``read`` every engine has, it offers its two stages apart (:class:`LineEngine`): ``detect``
(text-line quadrilaterals, no text) and ``recognise`` (the text of line crops, in batches), so that a caller can detect
at several scales and recognise each distinct line once.

Backends (``backend``): ``onnxruntime`` when the package is installed, else ``openvino`` (``auto``). With its memory
arena on, shrunk after large inputs (:mod:`.arena`), onnxruntime reads the same lines as OpenVINO in 1-7% less CPU here
(fp32), and a worker's largest resident set is smaller (1,358 against 2,004 MiB on a 1,000-file archive): OpenVINO
keeps the buffers of the largest input it ran (BENCHMARKS.md). OpenVINO (bf16 on CPUs that have it) stays selectable.
``device="cuda"`` runs onnxruntime's CUDA provider (needs ``onnxruntime-gpu`` and a GPU).

Measured on real DICOM images (MG text page, CT, ultrasound, 3D CT render):
- orientation classification (``classify``) turned some horizontal lines of the MG page upside down (823 characters
  read instead of 905) and lost a line elsewhere, so it is off;
- ``box_thresh`` 0.3 (the library's default is 0.5) found real lines the default missed ("Se: 3", "P", "X");
  lowering ``text_score`` below 0.5 only added junk ("■", "i"), so it stays 0.5;
- resizing before detection: the library's default (Det.limit_side_len 736 with limit_type "min") is a *minimum*:
  an image whose shorter side is under 736 px is scaled up until it is 736 (a 360x70 strip becomes 3776x736 and takes
  seconds). We use ``limit_type`` "max" with ``limit_side_len`` 2000 instead: never scale up, scale the longer side
  down to 2000 px. On the same images it found as many lines or more in about 40% less CPU time. Boxes always come
  back in the coordinates of the image given.
- padding line crops for recognition: the library pads every batch to 320 px wide at least (a 6.7:1 line), but most
  crops are short (median 1.7:1 on corpus planes: ``L``, ``45Y``, a date), so much of the recogniser's work was
  padding. ``recognise`` pads to ``rec_min_width`` (96 px) instead: 27% less recognition time on 1,020 corpus crops
  (``scripts/rec_padding.py`` at 37bcfc8), recall unchanged on jsl, presidio and the synthetic set, precision and verdicts
  within one box (BENCHMARKS.md). ``read`` keeps the library's own pipeline.
- on OpenVINO, the detector is compiled for each input shape it keeps seeing (:mod:`.static_shapes`): 7% less CPU on
  an archive of one image size, no change on sets of mixed sizes; scores unchanged on jsl, presidio and synthetic.
- on OpenVINO, the detector's two upsampling layers are rewritten into operations its CPU plugin runs faster
  (:mod:`.upsampling`): detection 8% faster, same probability map to bf16 rounding, scores unchanged.
- OpenVINO's CPU plugin keeps the kernels of every input shape it has run (5,000 by default): detection and
  recognition see many shapes, and a process scanning the corpus grew to 4.6 GB. Every session keeps 20
  (``RUNTIME_CACHE_CAPACITY``); the same outputs (BENCHMARKS.md).
"""
from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from importlib import metadata

import cv2
import numpy as np

from ...errors import EngineUnavailableError
from ..base import Detection, Word
from ..images import check_image, polygon_box, quad_size
from ..tiles import detect_tiled
from .arena import shrink_detector_arena
from .static_shapes import RUNTIME_CACHE_CAPACITY, StaticShapes

log = logging.getLogger(__name__)

BACKENDS = ("auto", "openvino", "onnxruntime")
REC_MIN_WIDTH = 96   # px (twice the recogniser's 48 px height) a batch of line crops is padded to at least, see below
DEVICES = ("cpu", "cuda")


def _import():
    try:
        import rapidocr
    except ImportError as error:
        raise EngineUnavailableError(f"the rapidocr engine needs pip install rapidocr openvino ({error})") from error
    return rapidocr


def choose_backend(backend: str = "auto", device: str = "cpu") -> str:
    """The inference backend to run: ``backend`` itself, or for ``auto`` OpenVINO when installed, else onnxruntime.

    The CUDA device is onnxruntime's. Raises EngineUnavailableError when the backend's package is missing, ValueError
    for an unknown backend or device.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown rapidocr backend {backend!r}; known: {', '.join(BACKENDS)}")
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; known: {', '.join(DEVICES)}")
    if device == "cuda":
        if backend == "openvino":
            raise ValueError("the CUDA device runs on the onnxruntime backend, not openvino")
        backend = "onnxruntime"
    elif backend == "auto":
        backend = "onnxruntime" if importlib.util.find_spec("onnxruntime") else "openvino"
    if importlib.util.find_spec(backend) is None:
        raise EngineUnavailableError(f"the rapidocr {backend} backend needs pip install {backend}")
    if device == "cuda":
        import onnxruntime
        if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            raise EngineUnavailableError("rapidocr.device=cuda needs onnxruntime-gpu and a CUDA GPU; none is available here")
    return backend


def _cap_runtime_cache() -> None:
    """Have the library's OpenVINO sessions (detection, recognition) keep the kernels of at most
    ``RUNTIME_CACHE_CAPACITY`` input shapes, as :class:`StaticShapes` does: the library passes only the options it
    knows to OpenVINO, so its config is extended here, once (the wheel is pinned)."""
    from rapidocr.inference_engine.openvino import device_config
    get_config = device_config.CPUConfig.get_config
    if getattr(get_config, "capped", False):
        return

    def capped(self) -> dict:
        return {**get_config(self), "CPU_RUNTIME_CACHE_CAPACITY": str(RUNTIME_CACHE_CAPACITY)}

    capped.capped = True  # type: ignore[attr-defined]
    setattr(device_config.CPUConfig, "get_config", capped)


def _params(backend: str, device: str, threads: int) -> dict[str, object]:
    from rapidocr import EngineType
    engine = EngineType(backend)
    params: dict[str, object] = {"Det.engine_type": engine, "Rec.engine_type": engine, "Cls.engine_type": engine}
    if backend == "openvino":
        params["EngineConfig.openvino.inference_num_threads"] = threads
        # OpenVINO pins its threads to cores by default: the workers of a --jobs pool, one thread each, all landed
        # on the same core (half the machine idle); leave placement to the OS.
        params["EngineConfig.openvino.enable_cpu_pinning"] = False
    else:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.use_cuda"] = device == "cuda"
        params["EngineConfig.onnxruntime.enable_cpu_mem_arena"] = True      # the detector's shrunk after large inputs
    return params


def _bgr(image: np.ndarray) -> np.ndarray:
    """What RapidOCR takes: grey as it is, colour as BGR."""
    image = check_image(image)
    return np.ascontiguousarray(image[..., ::-1]) if image.ndim == 3 else image


class _LookupPreprocess:
    """The detector's input preparation with its normalisation, ``(x / 255 - mean) / std``, as a per-channel lookup
    table of the 256 byte values, and one copy into the network's layout; the library computes every pixel in
    float64 and copies the result twice. The same values to the bit (the table is made the library's way);
    detection's preparation 6x faster (BENCHMARKS.md)."""

    def __init__(self, make_preprocess):
        preprocess = make_preprocess()       # the library makes one per image; its settings never change here
        values = np.arange(256, dtype=np.float32)[:, None]            # the library's pixels, as float32
        table = ((values * preprocess.scale - preprocess.mean) / preprocess.std).astype(np.float32)
        self._prepare = lambda image: _prepared(preprocess, table, image)

    def __call__(self):
        return self._prepare


def _prepared(preprocess, table: np.ndarray, image: np.ndarray) -> np.ndarray | None:
    """``image`` resized as the library does, normalised through ``table``, as a 1 x C x H x W float32 array."""
    resized = preprocess.resize(image)
    if resized is None:
        return None
    if resized.dtype != np.uint8 or resized.ndim != 3 or resized.shape[2] != table.shape[1]:
        return preprocess(image)
    normalised = cv2.LUT(resized, table.reshape(1, 256, -1))
    return np.ascontiguousarray(normalised.transpose(2, 0, 1))[None]


def _no_crops(image: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """What detection alone needs of the library's line crops: none."""
    return []


class RapidOcrEngine:
    """Text-line boxes from RapidOCR, offline (models from the wheel) and quiet (its logger set to errors only).

    Options: ``box_thresh`` (detector box score), ``text_score`` (recogniser score), ``limit_side_len`` and
    ``limit_type`` (detector resizing, see the module docstring), ``max_side_len`` (shrink above this first),
    ``classify`` (180-degree orientation classifier), ``recognise`` (False: ``read`` detects only, Words with empty
    text), ``backend`` and ``device`` (see :func:`choose_backend`), ``threads`` (per model; -1: the backend's default,
    all cores; 1 in each of several worker processes), ``rec_min_width`` (the narrowest batch ``recognise`` pads
    line crops to, see the module docstring), ``max_detect_pixels`` (0: off; else ``detect`` cuts larger inputs into
    strips of at most this many pixels, to bound memory, :mod:`..tiles`).
    """

    name = "rapidocr"
    ocrengine = 6
    default_variants = ("lines",)

    @classmethod
    def check(cls, backend: str = "auto", device: str = "cpu", **_options) -> None:
        """Raise EngineUnavailableError unless rapidocr and the backend chosen for ``backend`` and ``device`` can run."""
        _import()
        choose_backend(backend, device)

    def __init__(self, box_thresh: float = 0.3, text_score: float = 0.5, limit_side_len: int = 2000,
                 limit_type: str = "max", max_side_len: int = 2000, classify: bool = False, recognise: bool = True,
                 backend: str = "auto", device: str = "cpu", threads: int = -1,
                 rec_min_width: int = REC_MIN_WIDTH, max_detect_pixels: int = 0):
        rapidocr = _import()
        self.recognise_text = recognise
        self.classify = classify
        self.text_score = text_score
        self.backend = choose_backend(backend, device)
        self.device = device
        self.rec_min_width = rec_min_width
        self.threads = threads
        self.max_side_len = min(max_side_len, limit_side_len) if limit_type == "max" else max_side_len
        self.max_detect_pixels = max_detect_pixels
        if self.backend == "openvino":
            _cap_runtime_cache()
        self._ocr = rapidocr.RapidOCR(params={
            "Global.log_level": "error",
            "Global.text_score": text_score,
            "Global.max_side_len": max_side_len,
            "Global.use_cls": classify,
            "Global.use_rec": recognise,
            "Det.box_thresh": box_thresh,
            "Det.limit_side_len": limit_side_len,
            "Det.limit_type": limit_type,
            **_params(self.backend, device, threads),
        })
        if self.backend == "onnxruntime":
            shrink_detector_arena(self._ocr)
        models = self._ocr.cfg.Det.ocr_version
        self._version = f"{metadata.version('rapidocr')} {getattr(models, 'value', models)} on {self.backend}"

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[Word]:
        rows, columns = image.shape[:2]
        result = self._ocr(_bgr(image), use_det=True, use_cls=self.classify, use_rec=self.recognise_text)
        if getattr(result, "boxes", None) is None:
            return []
        texts = result.txts if self.recognise_text else [""] * len(result.boxes)
        words = []
        for polygon, text, score in zip(result.boxes, texts, result.scores):
            box = polygon_box(polygon, rows, columns)
            if box is not None and (text.strip() or not self.recognise_text):
                words.append(Word(box, text.strip(), float(score)))
        log.debug("rapidocr found %d lines", len(words))
        return words

    def detect(self, image: np.ndarray) -> list[Detection]:
        """The text lines of ``image`` as quadrilaterals in its pixel coordinates, with the detector's scores. With
        ``max_detect_pixels``, an image still larger than that once shrunk as the library would (``max_side_len``) is
        detected in strips (:mod:`..tiles`)."""
        if not self.max_detect_pixels:
            return self._detect(image)
        from rapidocr.utils.process_img import reduce_max_side

        if max(image.shape[:2]) <= self.max_side_len:
            return detect_tiled(self._detect, image, self.max_detect_pixels)
        small, ratio_h, ratio_w = reduce_max_side(image, self.max_side_len)
        if small.shape[0] * small.shape[1] <= self.max_detect_pixels:
            return self._detect(image)                     # the library shrinks it itself, as without strips
        ratio = np.array([ratio_w, ratio_h], np.float32)
        found = detect_tiled(self._detect, small, self.max_detect_pixels)
        return [Detection(line.quad * ratio, line.score) for line in found]

    def _detect(self, image: np.ndarray) -> list[Detection]:
        """The library's detection of ``image`` whole."""
        detector = self._ocr._load_det_model()               # the pinned wheel's TextDetector, loaded once
        if not isinstance(detector.get_preprocess, _LookupPreprocess):
            detector.get_preprocess = _LookupPreprocess(detector.get_preprocess)
        if self.backend == "openvino" and not isinstance(detector.session, StaticShapes):
            detector.session = StaticShapes(detector.session.model, self.threads)
        self._ocr.crop_text_regions = _no_crops         # detection alone: the library would crop every line
        try:
            result = self._ocr(_bgr(image), use_det=True, use_cls=False, use_rec=False)
        finally:
            del self._ocr.crop_text_regions
        if getattr(result, "boxes", None) is None:
            return []
        return [Detection(np.asarray(quad, dtype=np.float32), float(score))
                for quad, score in zip(result.boxes, result.scores)]

    def crop(self, image: np.ndarray, quad: np.ndarray) -> np.ndarray:
        """The line under ``quad`` straightened into a strip as the image shows it (never turned), in the form
        ``recognise`` takes."""
        from rapidocr.utils.process_img import get_rotate_crop_image
        crop = get_rotate_crop_image(check_image(image), np.array(quad, dtype=np.float32))
        width, height = quad_size(quad)
        if width and height / width >= 1.5:           # the library turns tall strips anticlockwise: undo it
            crop = np.rot90(crop, -1)
        return _bgr(crop) if crop.ndim == 3 else np.repeat(crop[..., None], 3, axis=2)

    def recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """The text and score of each line crop (from ``crop``), recognised in batches (crops of like width together,
        each batch padded to its widest crop and to ``rec_min_width`` at least); scores under ``text_score`` give empty
        text."""
        if not crops:
            return []
        from rapidocr.ch_ppocr_rec import TextRecInput
        recogniser = self._ocr._load_rec_model()       # the pinned wheel's TextRecognizer, loaded once
        library_shape = recogniser.rec_image_shape    # its batches are padded to this width at least
        recogniser.rec_image_shape = [*library_shape[:2], self.rec_min_width]
        try:
            result = recogniser(TextRecInput(img=list(crops)))
        finally:
            recogniser.rec_image_shape = library_shape
        return [(text.strip(), float(score)) if score >= self.text_score else ("", float(score))
                for text, score in zip(result.txts, result.scores)]
