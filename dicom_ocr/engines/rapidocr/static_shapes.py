"""The text detector compiled for the input shapes it keeps seeing (OpenVINO).

RapidOCR compiles its detector once with dynamic height and width, so that any image can go in. Compiled for one
fixed shape, the same network ran 15-18% faster here (1 thread, 544x544 to 2080x1632 inputs, BENCHMARKS.md), but
compiling takes about 110 ms. An archive holds few image sizes (most CT slices are 512x512, so every enlarged copy is
1056x1056), so a shape on which the dynamic network has spent ``COMPILE_AFTER_S`` seconds (ten compilations' worth)
is compiled on its own and used from then on (inputs up to ``MAX_PIXELS``: a compiled shape holds its own buffers);
at most ``KEPT`` are kept (the least recently used goes first,
and must spend ``COMPILE_AFTER_S`` again to be compiled again: shapes used in turn, as a cine's plane, enlarged copy
and a strip are, were otherwise recompiled at nearly every call).
Outputs differ from the dynamic network's by rounding only (bf16 where the CPU has it: at most 0.011 in probability on
a synthetic plane; in fp32, as on this project's machine, jsl's boxes were the same).

Both the dynamic network and the fixed-shape ones run the detector with its upsampling rewritten
(:mod:`.upsampling`, 8% faster).
"""
from __future__ import annotations

import time
from collections import OrderedDict, defaultdict

import numpy as np

from .upsampling import as_depth_to_space

COMPILE_AFTER_S = 1.0   # seconds the dynamic network spends on one input shape before it is compiled for that shape
KEPT = 2                # compiled shapes kept at most: each holds its own memory (8 held 600 MB more)
MAX_PIXELS = 1_200_000  # larger inputs are never compiled on their own: a 1088 x 1564 input compiled held 230 MB more,
                        # a 1056 x 2000 one 500 MB (an enlarged 512 x 512 slice, 1056 x 1056, is compiled)
RUNTIME_CACHE_CAPACITY = 20   # input shapes whose kernels OpenVINO's CPU plugin keeps (its default, 5000, let a
                              # process scanning the corpus grow to 4.6 GB; outputs are the same either way)


class StaticShapes:
    """A drop-in for the library's detector session: the same call, the same output array, run on the library's
    ``model`` (an OpenVINO model, its upsampling rewritten) compiled with dynamic shapes, or for the input's shape once
    the dynamic network has spent ``COMPILE_AFTER_S`` on that shape."""

    def __init__(self, model, threads: int):
        import openvino
        self._model = model.clone()
        as_depth_to_space(self._model)
        self._core = openvino.Core()
        self._config = {"ENABLE_CPU_PINNING": False, "CPU_RUNTIME_CACHE_CAPACITY": RUNTIME_CACHE_CAPACITY,
                        **({"INFERENCE_NUM_THREADS": threads} if threads > 0 else {})}
        self._dynamic = self._core.compile_model(self._model, "CPU", self._config).create_infer_request()
        self._spent: defaultdict[tuple[int, ...], float] = defaultdict(float)
        self._compiled: OrderedDict[tuple[int, ...], object] = OrderedDict()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        shape = tuple(batch.shape)
        request = self._request(shape)
        if request is None:
            started = time.perf_counter()
            self._dynamic.infer([batch])
            self._spent[shape] += time.perf_counter() - started
            return self._dynamic.get_output_tensor().data
        request.infer([batch])
        return request.get_output_tensor().data

    @property
    def shapes(self) -> list[tuple[int, ...]]:
        """The input shapes compiled, least recently used first."""
        return list(self._compiled)

    def _request(self, shape: tuple[int, ...]):
        """The infer request compiled for ``shape``, compiled now if enough time went into the shape; else None."""
        if shape in self._compiled:
            self._compiled.move_to_end(shape)
            return self._compiled[shape]
        if self._spent[shape] < COMPILE_AFTER_S or int(np.prod(shape[2:])) > MAX_PIXELS:
            return None
        model = self._model.clone()
        model.reshape(list(shape))
        self._compiled[shape] = self._core.compile_model(model, "CPU", self._config).create_infer_request()
        if len(self._compiled) > KEPT:
            evicted, _ = self._compiled.popitem(last=False)
            self._spent[evicted] = 0.0        # it earns its compilation again, or shapes in turn recompile each call
        return self._compiled[shape]
