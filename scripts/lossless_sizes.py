#!/usr/bin/env python3
"""Which lossless syntax for redacted copies of lossy input? Sizes of the same decoded pixels in RLE and JPEG-LS.

    python scripts/lossless_sizes.py FILE...

Each FILE is decoded as ``dicom_ocr redact`` decodes it (YBR from JPEG and JPEG 2000 as RGB) and written whole with
pydicom's RLE Lossless and JPEG-LS Lossless encoders; prints each copy's size as a multiple of the input and the
seconds the encoding took.
"""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pydicom
from pydicom.uid import JPEGLSLossless, RLELossless

from dicom_ocr.planes import overlay_specs
from dicom_ocr.redact.encode import store
from dicom_ocr.redact.fill import decode


def _size(path: str, syntax) -> tuple[float, float]:
    ds = pydicom.dcmread(path)
    for tag in [tag for tag in ds.keys() if tag.group == 0xFFFE]:
        del ds[tag]
    bit_overlays = any(spec.bit_position is not None for spec in overlay_specs(ds))
    decoded = decode(path, ds, ds.file_meta.TransferSyntaxUID, bit_overlays)
    started = time.perf_counter()
    store(ds, decoded, syntax, bit_overlays)   # a syntax store keeps: what the copy would be in that syntax
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return len(buffer.getvalue()) / Path(path).stat().st_size, time.perf_counter() - started


def main() -> None:
    for path in sys.argv[1:]:
        cells = [f"{name} {ratio:.2f}x ({seconds:.1f} s)" for name, syntax in (("RLE", RLELossless),
                                                                              ("JPEG-LS", JPEGLSLossless))
                 for ratio, seconds in [_size(path, syntax)]]
        print(f"{Path(path).name}: " + ", ".join(cells), flush=True)


if __name__ == "__main__":
    main()
