"""Planes out of real DICOM files: every transfer syntax, photometric, overlay kind, and every kind of bad input."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.uid import DeflatedExplicitVRLittleEndian, RLELossless

from dicom_ocr.errors import (
    AbsurdDimensionsError,
    CorruptHeaderError,
    CorruptPixelDataError,
    MissingFileError,
    NoPixelDataError,
    NotDicomError,
    UnsupportedTransferSyntaxError,
)
from dicom_ocr.planes import PlaneKind, iter_planes

from dicomfactory import add_bit_overlay, add_overlay, base_dataset, save, with_jpeg_baseline, with_pixels


def pydicom_file(name: str) -> str:
    path = get_testdata_file(name, download=False)
    if path is None:
        pytest.skip(f"{name} is not installed (pydicom-data)")
    return path


GREY_FILES = [
    "CT_small.dcm",                      # explicit LE, signed 16-bit
    "MR_small_implicit.dcm",             # implicit LE
    "MR_small_bigendian.dcm",            # explicit BE
    "image_dfl.dcm",                     # deflated
    "MR_small_RLE.dcm",                  # RLE
    "JPEG-LL.dcm",                       # JPEG lossless SV1
    "JPGExtended.dcm",                   # JPEG extended 12-bit
    "MR_small_jpeg_ls_lossless.dcm",     # JPEG-LS lossless
    "JPEGLSNearLossless_16.dcm",         # JPEG-LS near-lossless
    "MR_small_jp2klossless.dcm",         # JPEG 2000 lossless
    "JPEG2000.dcm",                      # JPEG 2000
    "693_J2KI.dcm",                      # JPEG 2000, 14 of 16 bits, signed
    "J2K_pixelrep_mismatch.dcm",         # J2K whose signedness differs from the header
]
COLOUR_FILES = [
    "SC_rgb_jpeg_dcmtk.dcm",             # JPEG baseline YBR_FULL
    "SC_rgb_dcmtk_+eb+cy+s2.dcm",        # JPEG baseline YBR_FULL_422
    "SC_ybr_full_422_uncompressed.dcm",  # native YBR_FULL_422
    "examples_jpeg2k.dcm",               # J2K YBR_RCT
    "SC_rgb_gdcm_KY.dcm",                # J2K RGB
    "SC_rgb_rle_16bit.dcm",              # RLE RGB 16-bit
    "SC_rgb_jls_lossy_line.dcm",         # JPEG-LS RGB
    "SC_rgb_small_odd_big_endian.dcm",   # explicit BE RGB
    "SC_rgb_jpeg_gdcm.dcm",              # JPEG lossless RGB
]


@pytest.mark.parametrize("name", GREY_FILES)
def test_grey_planes_match_pydicom_over_the_full_range(name):
    path = pydicom_file(name)
    planes = list(iter_planes(path))
    reference = pydicom.dcmread(path).pixel_array.astype(np.float64)
    frames = reference if reference.ndim == 3 else reference[None]
    assert [p.frame for p in planes] == list(range(len(frames)))
    for plane, values in zip(planes, frames):
        assert plane.kind is PlaneKind.IMAGE and plane.overlay == -1 and plane.image.dtype == np.uint8
        expected = (values - values.min()) * 255.0 / max(1e-9, values.max() - values.min())
        assert np.abs(plane.image.astype(np.float64) - expected).max() <= 1.0
        assert plane.image.min() == 0 and plane.image.max() == 255


@pytest.mark.parametrize("name", COLOUR_FILES)
def test_colour_planes_are_rgb_as_pydicom_renders_them(name):
    path = pydicom_file(name)
    plane = next(iter_planes(path))
    reference = pydicom.dcmread(path).pixel_array
    reference = reference[0] if reference.ndim == 4 else reference
    if reference.dtype != np.uint8:
        reference = (reference >> 8).astype(np.uint8)
    assert plane.is_colour and plane.image.dtype == np.uint8 and plane.image.shape == reference.shape
    assert np.abs(plane.image.astype(int) - reference.astype(int)).max() <= 1


def test_palette_colour_applies_the_lut():
    path = pydicom_file("OBXXXX1A.dcm")
    plane = next(iter_planes(path))
    ds = pydicom.dcmread(path)
    red = np.frombuffer(ds.RedPaletteColorLookupTableData, dtype="<u2")
    first = ds.RedPaletteColorLookupTableDescriptor[1]
    index = int(ds.pixel_array[100, 100])
    assert plane.is_colour
    assert plane.image[100, 100, 0] == red[max(0, index - first)] >> 8


def test_multiframe_cine_is_decoded_one_frame_at_a_time(tmp_path):
    frames = np.zeros((60, 512, 512), dtype=np.uint16)
    frames[:, 10:20, 10:100] = 4000
    path = save(with_pixels(base_dataset(), frames, bits_stored=12), tmp_path / "cine.dcm")
    tracemalloc.start()
    count = 0
    for plane in iter_planes(path):
        count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 60
    assert peak < frames.nbytes / 4, f"peak {peak} bytes: frames are not read lazily"


def test_selected_frames_only(tmp_path):
    frames = np.arange(5, dtype=np.uint8)[:, None, None] * np.ones((5, 8, 8), np.uint8) + np.eye(8, dtype=np.uint8)
    path = save(with_pixels(base_dataset(), frames), tmp_path / "five.dcm")
    assert [p.frame for p in iter_planes(path, frames=[4, 0])] == [0, 4]
    assert [p.frame for p in iter_planes(path, frames=range(3, 9))] == [3, 4]
    assert list(iter_planes(path, frames=[])) == [] == list(iter_planes(path, frames=[7]))   # none, not all


def test_multiframe_overlay_on_some_frames_only_with_its_own_size_and_origin(tmp_path):
    ds = with_pixels(base_dataset(), np.zeros((4, 100, 120), np.uint8) + np.arange(120, dtype=np.uint8))
    bits = np.zeros((3, 40, 50), np.uint8)
    for frame in range(3):
        bits[frame, 5 + frame, 5:45] = 1
    add_overlay(ds, 1, bits, origin=(11, 21), image_frame_origin=2)
    add_overlay(ds, 2, np.zeros((100, 120), np.uint8))
    path = save(ds, tmp_path / "ovl.dcm")
    planes = list(iter_planes(path))
    overlay1 = [p for p in planes if p.overlay == 1]
    assert [(p.frame, p.image_frame) for p in overlay1] == [(0, 1), (1, 2), (2, 3)]
    for p in overlay1:
        assert p.kind is PlaneKind.OVERLAY and (p.rows, p.columns) == (40, 50) and p.origin == (10, 20)
        assert np.array_equal(p.image > 0, bits[p.frame] > 0) and not p.blank
    empty = [p for p in planes if p.overlay == 2]
    assert len(empty) == 1 and empty[0].blank
    assert sum(p.overlay == -1 for p in planes) == 4


def test_overlay_in_unused_high_bits_comes_out_and_leaves_the_image_clean(tmp_path):
    pixels = np.full((64, 64), 1000, np.uint16)
    pixels[20:30, 5:60] = 4095
    pixels[40:45, 10:50] |= 1 << 13        # the overlay: bit 13, above BitsStored 12
    ds = add_bit_overlay(with_pixels(base_dataset(), pixels, bits_stored=12), 3, 13)
    add_bit_overlay(ds, 4, 14)             # declared but empty
    path = save(ds, tmp_path / "bits.dcm")
    planes = {(p.overlay, p.kind): p for p in iter_planes(path)}
    overlay = planes[(3, PlaneKind.BIT_OVERLAY)]
    assert np.array_equal(overlay.image > 0, (pixels >> 13) & 1 > 0) and not overlay.blank
    assert planes[(4, PlaneKind.BIT_OVERLAY)].blank
    image = planes[(-1, PlaneKind.IMAGE)]
    assert image.values.max() == 4095 and image.image[42, 20] == image.image[0, 0]


def test_signed_12_bit_ct_with_rescale_keeps_text_at_the_top(tmp_path):
    pixels = np.full((64, 64), -1024, np.int16)
    pixels[10:50, 10:50] = 40
    pixels[2:8, 2:40] = 2047               # burned-in text at the maximum stored value
    ds = with_pixels(base_dataset(RescaleSlope=1, RescaleIntercept=-1024, WindowCenter=40, WindowWidth=400),
                     pixels, bits_stored=12, signed=True)
    plane = next(iter_planes(save(ds, tmp_path / "ct.dcm")))
    assert plane.values.min() == -1024 and plane.values.max() == 2047
    assert plane.image[4, 10] == 255 and plane.image[0, 0] == 0 and 0 < plane.image[30, 30] < 255


def test_monochrome1_is_inverted_for_display(tmp_path):
    pixels = np.full((32, 32), 100, np.uint16)
    pixels[5:10, 5:25] = 4000
    plane = next(iter_planes(save(with_pixels(base_dataset(), pixels, "MONOCHROME1", 12), tmp_path / "m1.dcm")))
    assert plane.image[7, 10] == 0 and plane.image[0, 0] == 255


def test_ybr_jpeg_keeps_true_colours(tmp_path):
    rgb = np.zeros((64, 96, 3), np.uint8)
    rgb[:, :32] = (220, 30, 30)
    rgb[:, 32:64] = (30, 200, 40)
    path = save(with_jpeg_baseline(base_dataset(), rgb), tmp_path / "ybr.dcm")
    plane = next(iter_planes(path))
    red, green = plane.image[32, 10].astype(int), plane.image[32, 48].astype(int)
    assert red[0] > 180 and red[1] < 70 and green[1] > 160 and green[0] < 70


def test_rle_compressed_written_file(tmp_path):
    pixels = np.zeros((3, 40, 40), np.uint16)
    pixels[:, 5:10, 5:30] = 900
    ds = with_pixels(base_dataset(), pixels, bits_stored=16)
    ds.compress(RLELossless)
    planes = list(iter_planes(save(ds, tmp_path / "rle.dcm")))
    assert len(planes) == 3 and all(p.image[7, 10] == 255 for p in planes)


def test_blank_image_plane_is_reported(tmp_path):
    plane = next(iter_planes(save(with_pixels(base_dataset(), np.zeros((16, 16), np.uint8)), tmp_path / "b.dcm")))
    assert plane.blank


def test_xa_sample_hides_a_name_in_bit_13(shared):
    path = shared / "corpus/dicompixelanon/data/sample_dicom/XA_GE_JPEG_02_with_Overlays.dcm"
    planes = {p.overlay: p for p in iter_planes(path)}
    assert not planes[8].blank and planes[8].kind is PlaneKind.BIT_OVERLAY
    assert int((planes[8].image > 0).sum()) == 3210
    assert all(planes[n].blank for n in (0, 1, 2, 3, 4, 9, 10))
    assert (planes[-1].image > 0).any()


def test_every_deid_data_file_gives_planes():
    deid_data = pytest.importorskip("deid_data")
    root = Path(deid_data.__file__).parent / "data"
    files = sorted(root.rglob("*.dcm"))
    assert files
    for path in files:
        planes = list(iter_planes(path))
        assert planes and all(p.image.dtype == np.uint8 for p in planes)


# ---------------------------------------------------------------- bad input

def test_not_dicom(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("this is not a DICOM file\n" * 20)
    with pytest.raises(NotDicomError, match="notes.txt"):
        list(iter_planes(path))


def test_missing_file(tmp_path):
    with pytest.raises(MissingFileError, match="no such file"):
        list(iter_planes(tmp_path / "absent.dcm"))


def test_no_pixel_data(tmp_path):
    path = save(base_dataset(), tmp_path / "header.dcm")
    with pytest.raises(NoPixelDataError, match="no pixel data"):
        list(iter_planes(path))


def test_a_damaged_header_is_corrupt_not_missing_pixel_data(tmp_path):
    with pytest.raises(CorruptHeaderError, match="runs past the end"):
        list(iter_planes(pydicom_file("rtplan_truncated.dcm")))
    data = Path(pydicom_file("CT_small.dcm")).read_bytes()
    vr = data.index(b"\x10\x00\x10\x00PN") + 4                     # PatientName's VR
    garbled = tmp_path / "vr.dcm"
    garbled.write_bytes(data[:vr] + b"ZZ" + data[vr + 2:])
    with pytest.raises(CorruptHeaderError, match=r"\(0010,0010\).*Unknown Value Representation 'ZZ'"):
        list(iter_planes(garbled))
    modality_end = data.index(b"\x08\x00\x60\x00") + 10
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[:modality_end + 5])                          # cut inside the next element's tag and VR
    with pytest.raises(CorruptHeaderError, match="parsing stopped at byte"):
        list(iter_planes(cut))
    cut.write_bytes(data[:data.index(b"\xe0\x7f\x10\x00")])          # cut just before the pixel data
    with pytest.raises(NoPixelDataError, match="describes an image .* cut off"):
        list(iter_planes(cut))


def test_a_complete_header_without_pixels_is_no_pixel_data_even_deflated(tmp_path):
    ds = pydicom.dcmread(pydicom_file("rtplan.dcm"))
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.save_as(tmp_path / "deflated.dcm", enforce_file_format=True)
    for path in (pydicom_file("rtplan.dcm"), tmp_path / "deflated.dcm"):
        with pytest.raises(NoPixelDataError):
            list(iter_planes(path))


def test_zip_archive_is_not_dicom_and_says_it_is_not_read(tmp_path):
    import zipfile

    archive = tmp_path / "cine.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(pydicom_file("CT_small.dcm"), "CT_small.dcm")
    with pytest.raises(NotDicomError, match="zip archive: not read"):
        list(iter_planes(archive))


def test_truncated_native_pixel_data(tmp_path):
    path = save(with_pixels(base_dataset(), np.ones((2, 64, 64), np.uint16)), tmp_path / "t.dcm")
    data = path.read_bytes()
    path.write_bytes(data[:-3000])
    with pytest.raises(CorruptPixelDataError, match="t.dcm"):
        list(iter_planes(path))


def test_truncated_compressed_file():
    with pytest.raises(CorruptPixelDataError, match="truncated"):
        list(iter_planes(pydicom_file("emri_small_jpeg_2k_lossless_too_short.dcm")))


def test_inconsistent_pixel_data_length():
    with pytest.raises(CorruptPixelDataError):
        list(iter_planes(pydicom_file("MR_truncated.dcm")))


def test_absurd_dimensions(tmp_path):
    ds = with_pixels(base_dataset(), np.zeros((4, 4), np.uint16))
    ds.Rows, ds.Columns, ds.NumberOfFrames = 60000, 60000, 1000
    with pytest.raises(AbsurdDimensionsError, match="60000"):
        list(iter_planes(save(ds, tmp_path / "huge.dcm")))
    ds.Rows = 0
    with pytest.raises(AbsurdDimensionsError):
        list(iter_planes(save(ds, tmp_path / "zero.dcm")))


def test_undecodable_syntax_names_syntax_and_package(tmp_path):
    path = pydicom_file("JPEG-lossy.dcm")       # 12-bit JPEG Extended: pylibjpeg and Pillow cannot, GDCM can
    with pytest.raises(UnsupportedTransferSyntaxError, match=r"JPEG Extended.*gdcm"):
        list(iter_planes(path))


def test_syntax_without_any_decoder(tmp_path):
    ds = with_jpeg_baseline(base_dataset(), np.zeros((8, 8, 3), np.uint8))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"   # MPEG-2: pydicom decodes no video
    path = save(ds, tmp_path / "mpeg.dcm")
    with pytest.raises(UnsupportedTransferSyntaxError, match=r"MPEG2.*1\.2\.840\.10008\.1\.2\.4\.100"):
        list(iter_planes(path))
    path.write_bytes(path.read_bytes().replace(b"1.2.840.10008.1.2.4.100", b"1.2.840.10008.1.2.4.112"))
    with pytest.raises(UnsupportedTransferSyntaxError, match=r"JPEG XL.*1\.2\.840\.10008\.1\.2\.4\.112"):
        list(iter_planes(path))


def test_inputs_are_never_modified(tmp_path):
    path = save(with_pixels(base_dataset(), np.arange(256, dtype=np.uint8).reshape(16, 16)), tmp_path / "in.dcm")
    before = path.read_bytes()
    list(iter_planes(path))
    assert path.read_bytes() == before
