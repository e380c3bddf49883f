"""Header values as text, worked out one way for every stage: multiple values joined as DICOM writes them, the
modality normalised."""
from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue


def text_value(ds: Dataset, keyword: str) -> str:
    """The value of ``keyword`` as text: multiple values joined with ``\\`` as DICOM writes them, "" when absent."""
    value = ds.get(keyword)
    if isinstance(value, (MultiValue, list, tuple)):
        return "\\".join(str(v) for v in value)
    return "" if value is None else str(value)


def modality_of(ds: Dataset) -> str:
    """Modality, stripped and upper case, "" when absent."""
    return str(ds.get("Modality") or "").strip().upper()
