#!/usr/bin/env python3
"""Would editing only the JPEG blocks under the boxes be practical? A measurement with libjpeg-turbo's jpegtran.

    python scripts/jpeg_wipe.py --db DIR FILE...

For each JPEG baseline/extended FILE the audit DB in DIR has rects for (image pixels), every frame's codestream is
passed through ``jpegtran -wipe`` once per rect, the rect grown to whole MCUs (jpegtran greys out whole blocks in the
DCT domain; no other block is decoded or re-encoded). Prints, per file: the size of the wiped frames against the
input's frames and against dicom_ocr's lossless copy (JPEG-LS of the decoded frames, in DIR's
``dicom_ocr_redactions`` when ``redact`` was run), the seconds, and the largest change of a decoded pixel outside the
grown rects, and beyond one more MCU around them (chroma upsampling blends across block edges, so pixels next to a
wiped block change although their blocks do not; 0 beyond: the rest of the image is untouched).
Needs ``jpegtran`` (Debian: libjpeg-turbo-progs; not a project dependency).
"""
from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pydicom
from PIL import Image
from pydicom.encaps import generate_frames

from dicom_ocr.redact import boxes_to_redact
from dicom_ocr.store import AuditDB


def _mcu(ds: pydicom.Dataset) -> tuple[int, int]:
    """(width, height) of an MCU: 16 x 8 for 4:2:2, 8 x 8 otherwise (grey, 4:4:4)."""
    return (16, 8) if str(ds.PhotometricInterpretation).endswith("_422") else (8, 8)


def _wipe(frame: bytes, boxes, mcu: tuple[int, int]) -> tuple[bytes, np.ndarray]:
    """The codestream with every box wiped, and the mask of the pixels wiped (boxes grown to whole MCUs)."""
    with Image.open(io.BytesIO(frame)) as image:
        width, height = image.size
    mask = np.zeros((height, width), bool)
    for box in boxes:
        left, top = box.left // mcu[0] * mcu[0], box.top // mcu[1] * mcu[1]
        right, bottom = min(width, -(-(box.right + 1) // mcu[0]) * mcu[0]), min(height, -(-(box.bottom + 1) // mcu[1]) * mcu[1])
        if right <= left or bottom <= top:
            continue
        mask[top:bottom, left:right] = True
        frame = subprocess.run(["jpegtran", "-copy", "all", "-wipe", f"{right - left}x{bottom - top}+{left}+{top}"],
                               input=frame, capture_output=True, check=True).stdout
    return frame, mask


def _grown(mask: np.ndarray, mcu: tuple[int, int]) -> np.ndarray:
    """``mask`` grown by one MCU on every side."""
    kernel = np.ones((2 * mcu[1] + 1, 2 * mcu[0] + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def _decoded(frame: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(frame)) as image:
        return np.asarray(image).astype(np.int16)


def measure(db: AuditDB, path: str) -> str:
    ds = pydicom.dcmread(path)
    frames = int(ds.get("NumberOfFrames") or 1)
    boxes = [rb for rb in boxes_to_redact(db, path) if rb.overlay < 0]
    started, size_in, size_out, worst, beyond = time.perf_counter(), 0, 0, 0, 0
    mcu = _mcu(ds)
    for index, frame in enumerate(generate_frames(ds.PixelData, number_of_frames=frames)):
        mine = [rb.box for rb in boxes if rb.frame in (-1, index)]
        wiped, mask = _wipe(frame, mine, mcu)
        size_in, size_out = size_in + len(frame), size_out + len(wiped)
        diff = np.abs(_decoded(wiped) - _decoded(frame))
        near = _grown(mask, mcu)
        worst = max(worst, int(diff[~mask].max()) if (~mask).any() else 0)
        beyond = max(beyond, int(diff[~near].max()) if (~near).any() else 0)
    seconds = time.perf_counter() - started
    copy = db.redactions.get(path)
    lossless = f", lossless copy {copy.bytes_out / copy.bytes_in:.2f}x of the file" if copy else ""
    return (f"{Path(path).name}: {frames} frames, {len(boxes)} rects, wiped frames {size_out / size_in:.3f}x of the "
            f"input's frames{lossless}, {seconds:.1f} s, largest change outside the wiped MCUs {worst}, beyond one more MCU "
            f"{beyond}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    if shutil.which("jpegtran") is None:
        raise SystemExit("jpegtran not found (Debian: apt-get install libjpeg-turbo-progs)")
    with AuditDB(args.db) as db:
        for path in args.files:
            print(measure(db, path), flush=True)


if __name__ == "__main__":
    main()
