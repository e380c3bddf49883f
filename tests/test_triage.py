"""Header triage (scan --triage header): the policy's decisions."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pydicom.uid import CTImageStorage, SecondaryCaptureImageStorage, UltrasoundImageStorage

from dicom_ocr.dicomfile import open_dicom
from dicom_ocr.triage import header_triage, report_words

from dicomfactory import base_dataset, save, with_pixels

CT_SLICE = {"Modality": "CT", "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"], "SOPClassUID": CTImageStorage}


def slice_file(path: Path, word: str = "SMITH", **header) -> Path:
    """A 128 x 256 CT slice (unless ``header`` says otherwise; None leaves a value out) with one white word near the
    top."""
    ds = base_dataset(**{key: value for key, value in {**CT_SLICE, **header}.items() if value is not None})
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    image = np.zeros((128, 256), np.uint8)
    cv2.putText(image, word, (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 255, 2)
    return save(with_pixels(ds, image), path)


@pytest.mark.parametrize("header", [{}, {"Modality": "MR"}, {"Modality": "PT", "BurnedInAnnotation": "NO"},
                                    {"Modality": "NM", "SeriesDescription": "WB SPECT"}])
def test_an_original_primary_cross_sectional_slice_is_not_read(tmp_path, header):
    decision = header_triage(open_dicom(slice_file(tmp_path / "x.dcm", **header)))
    assert not decision.read and "burned-in text unlikely" in decision.reason


@pytest.mark.parametrize("header, why", [
    ({"BurnedInAnnotation": "YES"}, "BurnedInAnnotation is YES"),
    ({"SOPClassUID": SecondaryCaptureImageStorage}, "Secondary Capture"),
    ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7.4"}, "Secondary Capture"),
    ({"ImageType": ["DERIVED", "PRIMARY", "AXIAL"]}, "does not start ORIGINAL\\PRIMARY"),
    ({"ImageType": ["ORIGINAL", "SECONDARY"]}, "does not start ORIGINAL\\PRIMARY"),
    ({"ImageType": ["ORIGINAL", "PRIMARY", "SCREEN SAVE"]}, "ImageType has SCREEN SAVE"),
    ({"ImageType": None}, "ImageType (none)"),
    ({"ConversionType": "WSD"}, "ConversionType WSD"),
    ({"SeriesDescription": "Dose Report"}, "SeriesDescription has DOSE, REPORT"),
    ({"SeriesDescription": "Patient_Protocol"}, "SeriesDescription has PROTOCOL"),
    ({"ImageComments": "screen capture"}, "ImageComments has SCREEN, CAPTURE"),
    ({"Modality": "US", "SOPClassUID": UltrasoundImageStorage}, "Modality US is not one of CT, MR, PT, NM"),
])
def test_files_that_may_hold_text_are_read(tmp_path, header, why):
    decision = header_triage(open_dicom(slice_file(tmp_path / "x.dcm", **header)))
    assert decision.read and why in decision.reason


def test_report_words_are_whole_words_and_phrases():
    assert report_words("CT Dose-Report, exam info") == ["DOSE", "REPORT", "EXAM INFO"]
    assert report_words("AX T1 POST DOSED SCREENING") == []
