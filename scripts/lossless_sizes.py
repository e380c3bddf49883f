#!/usr/bin/env python3
"""How large do redacted copies get? Sizes of the decoded pixels written losslessly, per file and in total.

    python scripts/lossless_sizes.py PATH...         # files or directories (recursive)

Each file is decoded as ``dicom_ocr redact`` decodes it. A file whose syntax a copy keeps is counted at its own size
(uncompressed, deflated, RLE, JPEG-LS lossless, JPEG 2000 lossless: filling changes that little); any other is written
whole, nothing filled, in RLE Lossless and in JPEG-LS Lossless, and the syntax ``redact`` would choose is counted.
So the total is what the copies of PATH would weigh if every file had text to fill (filling makes a copy a little
smaller). Files pydicom cannot decode are listed and left out of the totals.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from pydicom.uid import JPEGLSLossless, RLELossless

from dicom_ocr.inputs import iter_input_files
from dicom_ocr.planes import overlay_specs, read_dataset, read_header
from dicom_ocr.redact.copies import tidy_for_writing
from dicom_ocr.redact.encode import output_syntax, store
from dicom_ocr.redact.fill import decode


def _written(path: str, syntax) -> int:
    """Bytes of the file with its decoded pixels written in ``syntax``."""
    ds = read_dataset(path)
    tidy_for_writing(ds)
    bit_overlays = any(spec.bit_position is not None for spec in overlay_specs(ds))
    decoded = decode(path, ds, bit_overlays)
    store(ds, decoded, syntax, bit_overlays)   # ``syntax`` as the input's: store keeps it, which is what is measured
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return len(buffer.getvalue())


def _measure(path: str) -> tuple[int, int]:
    """(input bytes, bytes of the copy) for one file; prints its line."""
    size = Path(path).stat().st_size
    ds = read_dataset(path, read_header(path))   # read_header: NotDicomError for what is not DICOM
    syntax = ds.file_meta.TransferSyntaxUID
    bit_overlays = any(spec.bit_position is not None for spec in overlay_specs(ds))
    chosen = output_syntax(syntax, int(ds.get("BitsStored") or 8), bit_overlays)
    if chosen == syntax:
        print(f"{Path(path).name}: {syntax.name}, kept, {size} bytes", flush=True)
        return size, size
    rle, jls = _written(path, RLELossless), _written(path, JPEGLSLossless)
    print(f"{Path(path).name}: {syntax.name} -> {chosen.name}, {size} bytes: RLE {rle / size:.2f}x, "
          f"JPEG-LS {jls / size:.2f}x", flush=True)
    return size, rle if chosen == RLELossless else jls


def main() -> None:
    total_in = total_out = 0
    for path in iter_input_files(sys.argv[1:]):
        try:
            size, copy = _measure(path)
        except Exception as error:  # noqa: BLE001 - a measurement: list what cannot be decoded and go on
            print(f"{Path(path).name}: left out ({type(error).__name__}: {str(error)[:80]})", flush=True)
            continue
        total_in, total_out = total_in + size, total_out + copy
    print(f"total: {total_in} bytes in, {total_out} bytes of copies, {total_out / max(total_in, 1):.3f}x")


if __name__ == "__main__":
    main()
