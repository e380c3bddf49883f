"""Which burned-in text identifies a person: header matching, identifying patterns, technical vocabulary."""

from dicom_ocr.phi.header import HeaderFacts
from dicom_ocr.phi.verdict import NERENGINE, Verdict, judge, judge_file

__all__ = ["NERENGINE", "HeaderFacts", "Verdict", "judge", "judge_file"]
