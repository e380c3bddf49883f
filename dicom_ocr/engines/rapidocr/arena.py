"""The text detector's onnxruntime session with its memory arena kept for the usual inputs and given back after
large ones.

RapidOCR runs onnxruntime with the CPU memory arena off: every call allocates and frees its buffers, so a worker
stays small but spends its time in page faults (system time 5x OpenVINO's on 65 archive files). With the arena on,
buffers are reused, but the arena keeps the size of the largest input it ran (about 1 GB for the 1,984 x 1,984 copy
of a 1,024 x 1,024 slice). Here the arena is on, and shrunk at the end of a run on an input above
``SHRINK_ABOVE_PIXELS``: slices and their enlarged copies reuse their buffers, and what a large input took is
released once it is done (BENCHMARKS.md: the same rows; the largest worker of a 1,000-file archive 1,358 MiB, against
2,004 on OpenVINO).
"""
from __future__ import annotations

import numpy as np

SHRINK_ABOVE_PIXELS = 1_200_000   # the enlarged copy of a 512 x 512 slice (1,056 x 1,056) keeps its buffers; larger
                                  # inputs give theirs back


class ShrinkingSession:
    """A drop-in for the library's onnxruntime session (``OrtInferSession``): the same call and output, the arena
    shrunk after inputs above ``SHRINK_ABOVE_PIXELS``."""

    def __init__(self, session):
        import onnxruntime
        self._session = session
        self._shrink = onnxruntime.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        if int(np.prod(batch.shape[2:])) <= SHRINK_ABOVE_PIXELS:
            return self._session(batch)
        inputs = dict(zip(self._session.get_input_names(), [batch]))
        return self._session.session.run(self._session.get_output_names(), inputs, self._shrink)[0]


def shrink_detector_arena(ocr) -> None:
    """Have ``ocr`` (the library's ``RapidOCR``) run its detector through a :class:`ShrinkingSession`, wrapped when it
    loads the detector: as lazily as the library loads it, for whole reads and detection alike."""
    load = ocr._load_det_model

    def load_shrinking():
        detector = load()
        if not isinstance(detector.session, ShrinkingSession):
            detector.session = ShrinkingSession(detector.session)
        return detector

    ocr._load_det_model = load_shrinking
