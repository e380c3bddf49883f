"""Identifying values of one DICOM header, normalised once for matching against noisy OCR text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pydicom

# OCR confusions folded to one representative on both sides of every comparison.
_FOLD = str.maketrans({"O": "0", "Q": "0", "I": "1", "L": "1", "|": "1", "!": "1",
                       "S": "5", "B": "8", "Z": "2", "G": "6"})
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")

NAME_FIELDS = ("PatientName", "ReferringPhysicianName", "PerformingPhysicianName", "OperatorsName",
               "NameOfPhysiciansReadingStudy", "RequestingPhysician", "PhysiciansOfRecord", "PatientMotherBirthName",
               "OtherPatientNames", "ResponsiblePerson")
ID_FIELDS = ("PatientID", "OtherPatientIDs", "AccessionNumber", "StudyID", "IssuerOfPatientID")
DATE_FIELDS = ("PatientBirthDate", "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate")
TIME_FIELDS = ("StudyTime", "SeriesTime", "AcquisitionTime", "ContentTime")
PLACE_FIELDS = ("InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName")

_TITLES = {"DR", "MR", "MRS", "MS", "MISS", "PROF", "MD", "PHD", "JR", "SR", "II", "III", "IV", "RN", "RT", "RDMS"}
# Words too common in institution names (and in technical text) to identify anything on their own.
GENERIC_PLACE_WORDS = {
    "HOSPITAL", "HOSPITALS", "GENERAL", "MEDICAL", "MEDICINE", "CENTER", "CENTRE", "CLINIC", "CLINICS", "COMMUNITY",
    "UNIVERSITY", "UNIV", "OF", "THE", "AND", "SURGICAL", "CARE", "HEALTH", "HEALTHCARE", "MEMORIAL", "REGIONAL",
    "NATIONAL", "INSTITUTE", "RADIOLOGY", "IMAGING", "DEPARTMENT", "DEPT", "SERVICE", "SERVICES", "SAINT", "ST",
    "CHILDRENS", "CHILDREN", "WOMENS", "UNIT", "HOSP", "CTR", "CENTRO", "HOPITAL", "KLINIK", "KLINIKUM", "INC", "LLC",
    "STREET", "ROAD", "AVENUE", "BOX", "SUITE", "FLOOR", "NORTH", "SOUTH", "EAST", "WEST", "CITY", "COUNTY",
    "VALLEY", "FOUNDATION", "UNIVERSITAIRE", "SYSTEM", "SYSTEMS", "GROUP", "ASSOCIATES", "PRACTICE",
}


def fold(text: str) -> str:
    """Upper-case, drop everything but letters and digits, and fold OCR-confusable characters."""
    return _NON_ALNUM.sub("", text.upper()).translate(_FOLD)


def words(text: str) -> list[str]:
    """Upper-case alphanumeric words of ``text`` (unfolded)."""
    return [w for w in _NON_ALNUM.split(text.upper()) if w]


def _values(ds: pydicom.Dataset, keyword: str) -> list[str]:
    elem = ds.get(keyword)
    if elem is None or elem == "":
        return []
    if isinstance(elem, pydicom.multival.MultiValue) or isinstance(elem, (list, tuple)):
        return [str(v) for v in elem if str(v).strip()]
    return [str(elem)] if str(elem).strip() else []


def parse_da(value: str) -> date | None:
    """A DICOM DA (or the date part of DT) as a date, None when malformed."""
    m = re.match(r"\s*(\d{4})\.?(\d{2})\.?(\d{2})", value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_tm(value: str) -> tuple[int, int] | None:
    """Hour and minute of a DICOM TM, None when malformed."""
    m = re.match(r"\s*(\d{2}):?(\d{2})", value)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return int(m[1]), int(m[2])


@dataclass
class HeaderFacts:
    """Folded identifying values of one file: name parts, IDs, places, dates and times, each with its field."""

    name_parts: dict[str, str] = field(default_factory=dict)      # folded part -> field
    short_name_parts: dict[str, str] = field(default_factory=dict)  # exact 2-letter parts -> field
    ids: dict[str, str] = field(default_factory=dict)              # folded id (or id part) -> field
    place_words: dict[str, str] = field(default_factory=dict)      # folded distinctive word -> field
    places: dict[str, str] = field(default_factory=dict)           # folded whole value -> field
    initials: dict[str, str] = field(default_factory=dict)         # "JD", "DJ" -> field
    dates: dict[date, str] = field(default_factory=dict)
    times: dict[tuple[int, int], str] = field(default_factory=dict)

    @classmethod
    def from_dataset(cls, ds: pydicom.Dataset) -> HeaderFacts:
        """Collect every identifying value of ``ds`` (top level) with its normalised variants."""
        facts = cls()
        for kw in NAME_FIELDS:
            for value in _values(ds, kw):
                facts._add_name(value, kw)
        for kw in ID_FIELDS:
            for value in _values(ds, kw):
                facts._add_id(value, kw)
        for kw in PLACE_FIELDS:
            for value in _values(ds, kw):
                facts._add_place(value, kw)
        for kw in DATE_FIELDS + ("AcquisitionDateTime",):
            for value in _values(ds, kw):
                if (d := parse_da(value)) is not None:
                    facts.dates.setdefault(d, kw)
        for kw in TIME_FIELDS:
            for value in _values(ds, kw):
                if (t := parse_tm(value)) is not None:
                    facts.times.setdefault(t, kw)
        return facts

    def _add_name(self, value: str, kw: str) -> None:
        letters = [p[0] for p in words(value.replace("^", " ")) if p not in _TITLES and p[0].isalpha()]
        if len(letters) >= 2:
            self.initials.setdefault("".join(letters[:2]), kw)
            self.initials.setdefault("".join(letters[1::-1]), kw)
            self.initials.setdefault("".join(letters), kw)
        for part in words(value.replace("^", " ")):
            if part in _TITLES:
                continue
            if part.isdigit():
                self._add_id(part, kw)
            elif len(part) >= 3:
                self.name_parts.setdefault(fold(part), kw)
            elif len(part) == 2:
                self.short_name_parts.setdefault(part, kw)

    def _add_id(self, value: str, kw: str) -> None:
        whole = fold(value)
        if len(whole) >= 4 and any(c.isdigit() for c in value):
            self.ids.setdefault(whole, kw)
        for part in words(value):
            if len(part) >= 4 and sum(c.isdigit() for c in part) >= 3:
                self.ids.setdefault(fold(part), kw)

    def _add_place(self, value: str, kw: str) -> None:
        """The whole value and its distinctive words, even when they are a vendor's (a site whose InstitutionName is
        SIEMENS shows it as its name); words common to institution names match only as part of the whole value."""
        whole = fold(value)
        if len(whole) >= 4:
            self.places.setdefault(whole, kw)
        for part in words(value):
            if len(part) >= 4 and part not in GENERIC_PLACE_WORDS and not part.isdigit():
                self.place_words.setdefault(fold(part), kw)
