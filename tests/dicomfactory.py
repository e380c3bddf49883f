"""Write small real DICOM files for tests, with pydicom."""
from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import pack_bits
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, SecondaryCaptureImageStorage, generate_uid


def base_dataset(**header) -> Dataset:
    """A Secondary Capture header with file meta, ready for pixel data."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.PatientName = "DOE^JOHN"
    ds.PatientID = "12345678"
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    return ds


def with_pixels(ds: Dataset, pixels: np.ndarray, photometric: str = "MONOCHROME2", bits_stored: int | None = None,
                signed: bool = False) -> Dataset:
    """Store ``pixels`` (frames x rows x columns [x 3] or rows x columns [x 3]) uncompressed, without any checks."""
    multi = pixels.ndim == 4 or (pixels.ndim == 3 and photometric in ("MONOCHROME1", "MONOCHROME2", "PALETTE COLOR"))
    frames = pixels.shape[0] if multi else 1
    shape = pixels.shape[1:] if multi else pixels.shape
    ds.Rows, ds.Columns = shape[0], shape[1]
    ds.SamplesPerPixel = 3 if len(shape) == 3 else 1
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if multi:
        ds.NumberOfFrames = frames
    ds.PixelData = pixels.astype(pixels.dtype.newbyteorder("<")).tobytes()
    return ds


def add_overlay(ds: Dataset, index: int, bits: np.ndarray, origin: tuple[int, int] = (1, 1),
                image_frame_origin: int | None = None) -> Dataset:
    """Add 60xx OverlayData overlay ``index`` from ``bits`` (rows x columns or frames x rows x columns of 0/1)."""
    group = 0x6000 + 2 * index
    frames = bits.shape[0] if bits.ndim == 3 else 1
    ds.add_new((group, 0x0010), "US", bits.shape[-2])
    ds.add_new((group, 0x0011), "US", bits.shape[-1])
    ds.add_new((group, 0x0040), "CS", "G")
    ds.add_new((group, 0x0050), "SS", list(origin))
    ds.add_new((group, 0x0100), "US", 1)
    ds.add_new((group, 0x0102), "US", 0)
    if frames > 1:
        ds.add_new((group, 0x0015), "IS", frames)
    if image_frame_origin is not None:
        ds.add_new((group, 0x0051), "US", image_frame_origin)
    ds.add_new((group, 0x3000), "OW", pack_bits(bits.astype(np.uint8).ravel()))
    return ds


def add_bit_overlay(ds: Dataset, index: int, bit_position: int) -> Dataset:
    """Declare overlay ``index`` as kept in bit ``bit_position`` of the pixel data (the old, retired way)."""
    group = 0x6000 + 2 * index
    ds.add_new((group, 0x0010), "US", ds.Rows)
    ds.add_new((group, 0x0011), "US", ds.Columns)
    ds.add_new((group, 0x0040), "CS", "G")
    ds.add_new((group, 0x0050), "SS", [1, 1])
    ds.add_new((group, 0x0100), "US", ds.BitsAllocated)
    ds.add_new((group, 0x0102), "US", bit_position)
    return ds


def with_jpeg_baseline(ds: Dataset, rgb: np.ndarray, quality: int = 95) -> Dataset:
    """Store an RGB uint8 image as JPEG Baseline with YBR_FULL_422, as ultrasound scanners do."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality, subsampling=1)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.Rows, ds.Columns = rgb.shape[:2]
    ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    return ds


def save(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


def word_dicom(path: Path, word: str, **header) -> Path:
    """A 128 x 256 image with one white word near the top."""
    image = np.zeros((128, 256), np.uint8)
    cv2.putText(image, word, (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    return save(with_pixels(base_dataset(**header), image), path)
