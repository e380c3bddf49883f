"""RapidOCR as a dicom_ocr engine (:mod:`.engine`), with what makes it faster on OpenVINO: a detector compiled per
input shape (:mod:`.static_shapes`) whose upsampling layers are rewritten (:mod:`.upsampling`)."""
from .engine import RapidOcrEngine, choose_backend

__all__ = ["RapidOcrEngine", "choose_backend"]
