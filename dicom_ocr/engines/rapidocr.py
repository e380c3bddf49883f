"""RapidOCR 3 (PP-OCR ONNX models shipped in the ``rapidocr`` wheel, run by onnxruntime): audit-DB ocrengine 6.

Number 6 is ours (dcmaudit uses 1 for tesseract and 2 for easyocr; 6-49 are free for this project).
It returns one box per text *line* (a polygon, made here into the bounding axis-aligned Box clipped to the image),
so a Word from this engine may hold several words separated by spaces.

Measured on real DICOM images (MG text page, CT, ultrasound, 3D CT render):
- orientation classification (``classify``) turned some horizontal lines of the MG page upside down (823 characters
  read instead of 905) and lost a line elsewhere, so it is off;
- ``box_thresh`` 0.3 (the library's default is 0.5) found real lines the default missed ("Se: 3", "P", "X");
  lowering ``text_score`` below 0.5 only added junk ("■", "i"), so it stays 0.5;
- resizing before detection: the library's default (Det.limit_side_len 736 with limit_type "min") is a *minimum*:
  an image whose shorter side is under 736 px is scaled up until it is 736 (a 360x70 strip becomes 3776x736 and takes
  seconds); one whose shorter side is 736 px or more is detected at full size (rounded to a multiple of 32), and only
  Global.max_side_len (2000) shrinks an image whose longer side is above it. We use ``limit_type`` "max" with
  ``limit_side_len`` 2000 instead: never scale up, scale the longer side down to 2000 px. On the same images it found
  as many lines or more (ultrasound 20 lines against 16) in about 40% less CPU time. Boxes always come back in the
  coordinates of the image given.
- detection alone (``recognise=False``, Words with empty text and the detector's score) takes about half the time
  of detection plus recognition on a 512x512 image with 15 words, less on text-heavy pages.
"""
from __future__ import annotations

import logging
from importlib import metadata

import numpy as np

from ..errors import EngineUnavailableError
from . import check_image, polygon_box
from .base import Word

log = logging.getLogger(__name__)


def _import():
    try:
        import onnxruntime  # noqa: F401  (the inference backend rapidocr uses by default)
        import rapidocr
    except ImportError as error:
        raise EngineUnavailableError(f"the rapidocr engine needs pip install rapidocr onnxruntime ({error})") from error
    return rapidocr


def check() -> None:
    """Raise EngineUnavailableError unless rapidocr and onnxruntime can be imported."""
    _import()




class RapidOcrEngine:
    """Text-line boxes from RapidOCR, offline (models from the wheel) and quiet (its logger set to errors only).

    Options: ``box_thresh`` (detector box score), ``text_score`` (recogniser score), ``limit_side_len`` and
    ``limit_type`` (detector resizing, see the module docstring), ``max_side_len`` (shrink above this first),
    ``classify`` (180-degree orientation classifier), ``recognise`` (False: detection only, Words with empty text).
    """

    name = "rapidocr"
    ocrengine = 6

    def __init__(self, box_thresh: float = 0.3, text_score: float = 0.5, limit_side_len: int = 2000,
                 limit_type: str = "max", max_side_len: int = 2000, classify: bool = False, recognise: bool = True,
                 threads: int = -1):
        """``threads``: onnxruntime threads per model (-1: one per core; 1 in each of several worker processes)."""
        rapidocr = _import()
        self.recognise = recognise
        self._ocr = rapidocr.RapidOCR(params={
            "Global.log_level": "error",
            "Global.text_score": text_score,
            "Global.max_side_len": max_side_len,
            "Global.use_cls": classify,
            "Global.use_rec": recognise,
            "Det.box_thresh": box_thresh,
            "Det.limit_side_len": limit_side_len,
            "Det.limit_type": limit_type,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": threads,
        })
        models = self._ocr.cfg.Det.ocr_version
        self._version = f"{metadata.version('rapidocr')} {getattr(models, 'value', models)}"

    @property
    def version(self) -> str:
        return self._version

    def read(self, image: np.ndarray) -> list[Word]:
        rows, columns = image.shape[:2]
        image = check_image(image)
        result = self._ocr(np.ascontiguousarray(image[..., ::-1]) if image.ndim == 3 else image)  # it takes BGR
        if getattr(result, "boxes", None) is None:
            return []
        texts = result.txts if self.recognise else [""] * len(result.boxes)
        words = []
        for polygon, text, score in zip(result.boxes, texts, result.scores):
            box = polygon_box(polygon, rows, columns)
            if box is not None and (text.strip() or not self.recognise):
                words.append(Word(box, text.strip(), float(score)))
        log.debug("rapidocr found %d lines", len(words))
        return words
