"""What a redacted copy says about itself (DICOM PS3.15 E.3.1, Clean Pixel Data Option), and header de-identification.

Pixel redaction does not touch the header: the copy still holds the patient's name and every other header value.
Header de-identification is a separate step; :func:`deid_header` offers deid's default header recipe for it.
"""
from __future__ import annotations

import logging

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

CLEAN_PIXEL_DATA = ("113101", "DCM", "Clean Pixel Data Option")
GROUPING_UIDS = ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID")

log = logging.getLogger(__name__)


def mark_cleaned(ds: Dataset, all_text_removed: bool) -> None:
    """BurnedInAnnotation NO (only when all text was removed), (113101, DCM) appended to
    DeidentificationMethodCodeSequence, and a new SOP Instance UID (in the file meta too); nothing else."""
    if all_text_removed:
        ds.BurnedInAnnotation = "NO"
    codes = ds.get("DeidentificationMethodCodeSequence") or Sequence()
    if not any((item.get("CodeValue"), item.get("CodingSchemeDesignator")) == CLEAN_PIXEL_DATA[:2] for item in codes):
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = CLEAN_PIXEL_DATA
        codes.append(item)
    ds.DeidentificationMethodCodeSequence = codes
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID


def deid_header(ds: Dataset) -> Dataset:
    """``ds`` with its header de-identified by the installed deid package's default recipe (deid.dicom), which removes
    every UID: SOP Class UID is put back (it names the kind of object, not a person) and the study, series and frame
    of reference UIDs are replaced by UIDs hashed from the originals, so the copies of one study stay together."""
    from deid.config import DeidRecipe
    from deid.dicom import replace_identifiers

    sop_class = ds.get("SOPClassUID")
    grouping = {keyword: str(ds.get(keyword)) for keyword in GROUPING_UIDS if ds.get(keyword)}
    logging.getLogger("deid").setLevel(logging.WARNING)
    out = replace_identifiers([ds], deid=DeidRecipe(), save=False)[0]
    if sop_class:
        out.SOPClassUID = sop_class
    for keyword, uid in grouping.items():
        setattr(out, keyword, generate_uid(entropy_srcs=[uid]))
    return out
