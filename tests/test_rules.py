"""Rule libraries: deid recipes, CTP pixel scripts, ultrasound regions, and the regions they give."""
from __future__ import annotations

import importlib.resources
from pathlib import Path

import pydicom
import pytest
from deid.config import DeidRecipe
from deid.dicom.pixels.detect import has_burned_pixels
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from dicom_ocr.geometry import Box
from dicom_ocr.rules import (
    RecipeError,
    RuleRegion,
    clinical_areas,
    fired_rules,
    load_rules,
    outside_clinical_area,
    parse_recipe,
    rule_regions,
)
from dicom_ocr.rules.ctp_script import parse_script_text
from dicom_ocr.rules.deid_recipe import parse_recipe_text

SHARED = Path(__file__).parents[2] / "shared"
ULTRASOUNDS = Path(str(importlib.resources.files("deid_data") / "data" / "ultrasounds"))


def make_ds(rows: int = 100, columns: int = 100, **elements: object) -> Dataset:
    ds = Dataset()
    ds.Rows, ds.Columns = rows, columns
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def recipe(body: str) -> str:
    return "FORMAT dicom\n\n%filter graylist\n\nLABEL Test rule\n" + body + "\n"


def fires(body: str, ds: Dataset) -> bool:
    return parse_recipe_text(recipe(body)).labels[0].matches(ds)


def regions_of(tmp_path: Path, text: str, ds: Dataset, name: str = "site.deid") -> list[RuleRegion]:
    path = tmp_path / name
    path.write_text(text)
    return rule_regions(ds, load_rules([path], include_defaults=False))


def deid_fires(tmp_path: Path, body: str, ds: Dataset) -> bool:
    """What deid 0.4.13's own evaluator says for the same recipe and dataset."""
    path = tmp_path / "deid.test"
    path.write_text(recipe(body + "\n  coordinates 0,0,10,10"))
    ds = ds.copy()
    ds.SOPClassUID, ds.SOPInstanceUID = "1.2.840.10008.5.1.4.1.1.7", generate_uid()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPClassUID, ds.SOPInstanceUID
    dicom_path = tmp_path / "test.dcm"
    ds.save_as(dicom_path, enforce_file_format=True)
    return has_burned_pixels(str(dicom_path), deid=DeidRecipe(str(path)))["flagged"]


# ---- criteria -------------------------------------------------------------------------------------------------------

CT = make_ds(Modality="CT", Manufacturer="GE MEDICAL SYSTEMS", ImageType=["DERIVED", "SECONDARY", "SCREEN SAVE"],
             SeriesDescription="", BurnedInAnnotation="YES")


@pytest.mark.parametrize("line, expected", [
    ("contains Manufacturer ge medical", True),           # case-insensitive
    ("contains Manufacturer ^GE.*SYSTEMS$", True),        # regex search
    ("contains Manufacturer SIEMENS", False),
    ("contains ImageType SCREEN SAVE", True),             # one value of a multi-valued element
    ("contains ImageType SECONDARY\\\\SCREEN", True),     # the backslash-joined values
    ("contains PatientName x", False),                    # absent
    ("notcontains Manufacturer SIEMENS", True),
    ("notcontains Manufacturer GE", False),
    ("notcontains PatientName x", True),
    ("equals Modality CT", True),
    ("equals Modality ct", True),
    ("equals Modality C", False),                         # exact, not a substring
    ("equals Modality CT|MR", True),                      # documented regex alternative, whole value
    ("equals ImageType SECONDARY", True),
    ("equals Rows 100", True),
    ("notequals Modality MR", True),
    ("notequals Modality CT", False),
    ("present BurnedInAnnotation", True),
    ("present PatientName", False),
    ("missing PatientName", True),
    ("missing Modality", False),
    ("empty SeriesDescription", True),
    ("empty Modality", False),
    ("empty PatientName", False),                         # missing is not empty
])
def test_criterion(line: str, expected: bool) -> None:
    assert fires("  " + line, CT) is expected


def test_private_tag_and_bytes_value() -> None:
    ds = make_ds()
    block = ds.private_block(0x0029, "ACME 1.0", create=True)
    block.add_new(0x10, "LO", "Burned Banner")
    ds.add_new(0x00431030, "UN", b"VENDOR TEXT\x00")
    assert fires("  contains 0x00291010 banner", ds)
    assert fires("  equals 0x00431030 vendor text", ds)
    assert fires("  present 0x00291010\n  + missing 0x00291011", ds)
    assert not fires("  contains 0x00291010 other", ds)


def test_repeating_group_keyword() -> None:
    ds = make_ds()
    ds.add_new(0x60020022, "LO", "Siemens MedCom Object Graphics")
    assert fires("  contains OverlayDescription MedCom", ds)


@pytest.mark.parametrize("body, expected", [
    ("  contains Modality CT + contains Manufacturer GE", True),
    ("  contains Modality CT + contains Manufacturer SIEMENS", False),
    ("  contains Modality MR || contains Manufacturer GE", True),
    ("  contains Modality MR || contains Manufacturer SIEMENS", False),
    # inside a line operators apply left to right: (MR or CT) and SIEMENS
    ("  contains Modality MR || contains Modality CT + contains Manufacturer SIEMENS", False),
    # "+" inside a value is not an operator
    ("  contains Manufacturer GE MEDICAL+", True),
    # each line is a group: CT and (MR or GE)
    ("  contains Modality CT\n  + contains Modality MR || contains Manufacturer GE", True),
])
def test_operators(body: str, expected: bool) -> None:
    assert fires(body, CT) is expected


@pytest.mark.parametrize("body, ours", [
    # (MR and SIEMENS) or GE: deid ANDs all three lines
    ("  contains Modality MR\n  + contains Manufacturer SIEMENS\n  || contains Manufacturer GE", True),
    # a leading || on its own line: MR or GE
    ("  contains Modality MR\n  || contains Manufacturer GE", True),
    # two lines without an operator are two checks (deid's documentation); deid ANDs them
    ("  contains Modality MR\n  contains ImageType SCREEN SAVE", True),
    # equals with the documented regex alternative; deid compares plain strings
    ("  equals Modality MR|CT", True),
])
def test_where_deid_differs(tmp_path: Path, body: str, ours: bool) -> None:
    assert fires(body, CT) is ours
    assert deid_fires(tmp_path, body, CT) is not ours


def test_where_deid_agrees(tmp_path: Path) -> None:
    body = "  contains Modality CT\n  + contains Manufacturer GE\n" \
        "  + contains ImageType LOCAL || contains SeriesDescription X"
    assert not fires(body, CT) and not deid_fires(tmp_path, body, CT)
    body = body.replace("SeriesDescription X", "ImageType SAVE")
    assert fires(body, CT) and deid_fires(tmp_path, body, CT)


# ---- coordinates ----------------------------------------------------------------------------------------------------

def boxes(regions: list[RuleRegion]) -> list[Box]:
    return [r.box for r in regions]


def test_native_and_ctp_coordinates(tmp_path: Path) -> None:
    text = recipe("  contains Modality CT\n  coordinates 10,20,30,40\n  ctpcoordinates 10,20,30,40")
    regions = regions_of(tmp_path, text, CT)
    assert boxes(regions) == [Box(10, 20, 29, 39), Box(10, 20, 39, 59)]
    assert {(r.label, r.source, r.frame, r.overlay) for r in regions} == {("Test rule", "deid:site.deid", -1, -1)}


def test_all_and_clipping(tmp_path: Path) -> None:
    ds = make_ds(rows=50, columns=80)
    assert boxes(regions_of(tmp_path, recipe("  coordinates all"), ds)) == [Box(0, 0, 79, 49)]
    text = recipe("  coordinates 70,40,200,200\n  ctpcoordinates 100,0,10,10")
    assert boxes(regions_of(tmp_path, text, ds)) == [Box(70, 40, 79, 49)]


def test_keep_after_clean_cuts_it(tmp_path: Path) -> None:
    text = recipe("  coordinates all\n  keepcoordinates 0,0,50,100")
    assert boxes(regions_of(tmp_path, text, CT)) == [Box(50, 0, 99, 99)]
    text = recipe("  coordinates all\n  ctpkeepcoordinates 20,20,10,10")
    assert sum(b.area for b in boxes(regions_of(tmp_path, text, CT))) == 100 * 100 - 10 * 10


def test_keep_before_clean_does_nothing(tmp_path: Path) -> None:
    text = recipe("  keepcoordinates 0,0,50,100\n  coordinates all")
    assert boxes(regions_of(tmp_path, text, CT)) == [Box(0, 0, 99, 99)]
    text = recipe("  keepcoordinates 0,0,50,100") + "LABEL Later\n  coordinates all\n"
    assert boxes(regions_of(tmp_path, text, CT)) == [Box(0, 0, 99, 99)]


def test_keep_in_later_label_cuts_earlier_label(tmp_path: Path) -> None:
    text = recipe("  coordinates 0,0,100,10") + "LABEL Later\n  keepcoordinates 0,0,60,100\n"
    regions = regions_of(tmp_path, text, CT)
    assert [(r.box, r.label) for r in regions] == [(Box(60, 0, 99, 9), "Test rule")]


def test_keep_does_not_reopen_another_file(tmp_path: Path) -> None:
    (tmp_path / "a.deid").write_text(recipe("  coordinates 0,0,100,10"))
    (tmp_path / "b.deid").write_text(recipe("  coordinates all\n  keepcoordinates 0,0,100,100"))
    rules = load_rules([tmp_path / "a.deid", tmp_path / "b.deid"], include_defaults=False)
    assert [(r.box, r.source) for r in rule_regions(CT, rules)] == [(Box(0, 0, 99, 9), "deid:a.deid")]


def us_ds(rows: int = 100, columns: int = 100) -> Dataset:
    ds = make_ds(rows, columns, Modality="US")
    region = Dataset()
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 10, 20
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = 89, 79
    ds.SequenceOfUltrasoundRegions = [region]
    return ds


def test_from_ultrasound_regions_leaves_outside_of_clinical_area(tmp_path: Path) -> None:
    ds = us_ds()
    assert clinical_areas(ds) == [Box(10, 20, 89, 79)]
    text = recipe("  coordinates all") + "LABEL Keep\n  present SequenceOfUltrasoundRegions\n" \
        "  keepcoordinates from:SequenceOfUltrasoundRegions\n"
    found = boxes(regions_of(tmp_path, text, ds))
    assert sum(b.area for b in found) == 100 * 100 - 80 * 60
    assert all(b.intersection(Box(10, 20, 89, 79)) is None for b in found)
    assert all(outside_clinical_area(b, clinical_areas(ds)) for b in found)


def test_outside_clinical_area() -> None:
    areas = [Box(10, 20, 89, 79)]
    assert not outside_clinical_area(Box(10, 20, 89, 79), areas)
    assert outside_clinical_area(Box(80, 70, 95, 75), areas)
    assert outside_clinical_area(Box(0, 0, 5, 5), areas)
    assert not outside_clinical_area(Box(0, 0, 5, 5), [])
    assert not outside_clinical_area(Box(40, 10, 60, 30), [Box(0, 0, 50, 99), Box(51, 0, 99, 99)])


def test_ctp_negative_coordinates_in_recipe(tmp_path: Path) -> None:
    ds = make_ds(rows=100, columns=200)
    text = recipe("  ctpcoordinates -50,-10,50,10")
    assert boxes(regions_of(tmp_path, text, ds)) == [Box(150, 90, 199, 99)]


# ---- CTP scripts ----------------------------------------------------------------------------------------------------

SCRIPT = """Title text (not a region)
GE
  { Modality.equals("US") * Manufacturer.containsIgnoreCase("ge medical") }
  (0,0,200,20)   (-100,0,100,20) (0,-10,50,10) (-300,-300,50,50)

Fallback
  { Modality.equals("US") }
  (0,0,10,10)
"""


def test_ctp_regions_negative_and_first_match(tmp_path: Path) -> None:
    ds = make_ds(rows=100, columns=200, Modality="US", Manufacturer="GE Medical Systems")
    regions = regions_of(tmp_path, SCRIPT, ds, "pixel.script")
    assert boxes(regions) == [Box(0, 0, 199, 19), Box(100, 0, 199, 19), Box(0, 90, 49, 99), Box(0, 0, 49, 49)]
    assert {(r.label, r.source) for r in regions} == {("GE (line 3)", "ctp:pixel.script")}
    ds.Manufacturer = "ACME"
    assert [(r.box, r.label) for r in regions_of(tmp_path, SCRIPT, ds, "pixel.script")] == \
        [(Box(0, 0, 9, 9), "Fallback (line 7)")]


@pytest.mark.parametrize("expr, expected", [
    ('Modality.equals("CT")', True),
    ('Modality.equals("ct")', False),
    ('Modality.equalsIgnoreCase("ct")', True),
    ('Manufacturer.contains("MEDICAL")', True),
    ('Manufacturer.contains("medical")', False),
    ('Manufacturer.containsIgnoreCase("medical")', True),
    ('Manufacturer.startsWith("GE")', True),
    ('Manufacturer.startsWithIgnoreCase("ge")', True),
    ('Manufacturer.endsWith("SYSTEMS")', True),
    ('Manufacturer.endsWithIgnoreCase("systems")', True),
    ('Manufacturer.matches("GE.*")', True),
    ('Manufacturer.matches("GE")', False),                 # whole value, as Java's String.matches
    ('Rows.isLessThan("101")', True),
    ('Rows.isGreaterThan("100")', False),
    ('ImageType.containsIgnoreCase("screen save")', True),
    ('[0008,0060].equals("CT")', True),
    ('PatientName.equals("")', True),                       # missing = ""
    ('!Modality.equals("CT")', False),
    ('Modality.equals("MR") + Modality.equals("CT")', True),
    ('Modality.equals("MR") * Modality.equals("CT")', False),
    ('Modality.equals("MR") * Modality.equals("CT") + Rows.equals("100")', True),   # * before +
    ('Modality.equals("MR") * (Modality.equals("CT") + Rows.equals("100"))', False),
    ('!(Modality.equals("MR") + Modality.equals("PT"))', True),
    ('SeriesDescription.containsIgnoreCase ("")', True),   # space before "(" as in the RSNA file
])
def test_ctp_expression(expr: str, expected: bool) -> None:
    script = parse_script_text("{ %s }\n(0,0,1,1)" % expr)
    assert (script.first_match(CT) is not None) is expected


@pytest.mark.parametrize("text, line, reason", [
    ('\n\n{ Modality.equals("CT") }\n(0,0,10)', 4, "4 integers"),
    ('{ Modality.equals("CT") }\n\n(0,0,0,10)', 3, "positive"),
    ('\n{ Modality.sounds("CT") }', 2, "unknown method"),
    ('{ Modality.equals("CT") * }', 1, "ends too early"),
    ('{ (Modality.equals("CT") }', 1, "missing )"),
    ('{ Modality.equals("CT") Rows.equals("1") }', 1, "unexpected"),
    ('{ Modalty.equals("CT") }', 1, "unknown field"),
    ('{ Modality.equals(CT) }', 1, "cannot read"),
])
def test_ctp_malformed(text: str, line: int, reason: str) -> None:
    with pytest.raises(RecipeError) as err:
        parse_script_text(text, "bad.script")
    assert err.value.line == line and reason in err.value.reason and "bad.script" in str(err.value)


@pytest.mark.skipif(not (SHARED / "rules").exists(), reason="needs /work/shared")
def test_rsna_script_parses() -> None:
    rules = load_rules([SHARED / "rules" / "CTP-DicomPixelAnonymizer.script"], include_defaults=False)
    script = rules.files[0].rules
    assert len(script.signatures) == 52
    ds = make_ds(rows=600, columns=800, ManufacturerModelName="iU22")
    assert [(r.box, r.source) for r in rule_regions(ds, rules)] == \
        [(Box(0, 0, 799, 58), "ctp:CTP-DicomPixelAnonymizer.script")]


# ---- malformed recipes ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, line, reason", [
    ("  contians Modality CT", 6, "unknown filter action"),
    ("  contains Modalty CT", 6, "unknown field"),
    ("  contains Modality", 6, "needs a field and a value"),
    ("  present Modality CT", 6, "field only"),
    ("  missing", 6, "needs a field"),
    ("  contains Modality CT\n  + equals 0x0008006 CT", 7, "unknown field"),
    ("  coordinates 0,0,10", 6, "need 4 integers"),
    ("  coordinates 0,0,ten,10", 6, "4 integers"),
    ("  coordinates 10,0,10,10", 6, "xmin < xmax"),
    ("  coordinates -5,0,10,10", 6, "negative"),
    ("  ctpcoordinates 0,0,0,10", 6, "positive"),
    ("  keepcoordinates from:NoSuchField", 6, "unknown field"),
])
def test_malformed_recipe_line(body: str, line: int, reason: str) -> None:
    with pytest.raises(RecipeError) as err:
        parse_recipe_text(recipe(body), "site.deid")
    assert err.value.line == line and reason in err.value.reason
    assert str(err.value).startswith(f"site.deid: line {line}: ")


@pytest.mark.parametrize("text, line", [
    ("FORMAT dicom\n%filter graylist\n  contains Modality CT\n", 3),
    ("FORMAT dicom\n%pixels\n", 2),
    ("FORMAT dicom\n%filter\n", 2),
    ("FORMAT nifti\n", 1),
    ("contains Modality CT\n", 1),
])
def test_malformed_recipe_structure(text: str, line: int) -> None:
    with pytest.raises(RecipeError) as err:
        parse_recipe_text(text, "site.deid")
    assert err.value.line == line


def test_malformed_file_names_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.deid"
    path.write_text(recipe("  contains Modality CT\n  + bogus Modality CT"))
    with pytest.raises(RecipeError, match=r"mine\.deid: line 7: unknown filter action 'bogus'"):
        load_rules([path])
    (tmp_path / "empty.txt").write_text("nothing here\n")
    with pytest.raises(RecipeError, match="neither a deid recipe"):
        load_rules([tmp_path / "empty.txt"], include_defaults=False)


def test_comments_and_other_sections_are_ignored() -> None:
    text = recipe("  # a comment\n  contains Modality CT  # trailing comment\n  coordinates 0,0,5,5") + \
        "%header\nREMOVE PatientName\nADD PatientIdentityRemoved YES\n"
    labels = parse_recipe_text(text).labels
    assert len(labels) == 1 and labels[0].matches(CT) and len(labels[0].coordinates) == 1


# ---- default recipes and real files ---------------------------------------------------------------------------------

def test_default_recipes_load() -> None:
    rules = load_rules()
    recipes = [f.rules for f in rules.files]
    assert [r.source for r in recipes] == ["deid:deid.dicom"]
    assert sum(bool(lab.coordinates) for lab in recipes[0].labels) >= 100
    assert [f.modalities for f in rules.files] == [None]
    with_us = load_rules(include_ultrasound=True)
    assert [f.rules.source for f in with_us.files] == ["deid:deid.dicom", "deid:deid.dicom.ultrasound"]
    assert [f.modalities for f in with_us.files] == [None, frozenset({"US"})]
    with pytest.raises(RecipeError, match="Manfacturer"):     # the shipped file's typo, strict by default
        parse_recipe(Path(str(importlib.resources.files("deid.data") / "deid.dicom")))


def test_ultrasound_recipe_only_when_asked_and_only_on_ultrasound() -> None:
    rules = load_rules(include_ultrasound=True)
    ct = make_ds(Modality="CT", ImageType=["ORIGINAL", "PRIMARY"])
    assert rule_regions(ct, rules) == []
    us = us_ds()
    us.ImageType = ["ORIGINAL", "PRIMARY"]
    assert {r.label for r in rule_regions(us, rules)} == {"Blank Image"}
    assert rule_regions(us, load_rules()) == []     # by default an ultrasound without regions keeps its image


@pytest.mark.parametrize("name, label, clinical", [
    ("GREYSCALE_IMAGE.dcm", "EPIQ 7G", Box(14, 38, 1010, 758)),
    ("RGB_IMAGE.dcm", "SIEMMENS", Box(0, 60, 1008, 764)),
    ("ultrasound-multiframe.dcm", "Blank Image", Box(11, 30, 788, 592)),
])
def test_deid_data_ultrasounds_fire(name: str, label: str, clinical: Box) -> None:
    ds = pydicom.dcmread(ULTRASOUNDS / name, stop_before_pixels=True)
    rules = load_rules(include_ultrasound=True)
    regions = rule_regions(ds, rules)
    assert label in {r.label for r in regions}
    assert {f.label for f in fired_rules(ds, rules)} >= {"Blank Image", "Clean Ultrasound Regions"}
    assert clinical_areas(ds) == [clinical]
    blank = [r.box for r in regions if r.label == "Blank Image"]
    assert sum(b.area for b in blank) == ds.Rows * ds.Columns - clinical.area
    assert all(b.clip(ds.Rows, ds.Columns) == b for b in boxes(regions))


def test_moving_areas_are_the_regions_that_show_the_image_not_the_whole_screen() -> None:
    from dicom_ocr.rules.ultrasound import clinical_areas, moving_areas

    ds = Dataset()
    ds.SequenceOfUltrasoundRegions = []
    for corners, spatial_format in (((0, 32, 575, 431), 0), ((27, 48, 548, 391), 1), ((40, 374, 257, 406), 4),
                                    ((5, 5, 9, 9), None)):
        region = Dataset()
        region.RegionLocationMinX0, region.RegionLocationMinY0, region.RegionLocationMaxX1, \
            region.RegionLocationMaxY1 = corners
        if spatial_format is not None:
            region.RegionSpatialFormat = spatial_format
        ds.SequenceOfUltrasoundRegions.append(region)
    assert moving_areas(ds) == [Box(27, 48, 548, 391), Box(40, 374, 257, 406)]
    assert len(clinical_areas(ds)) == 4 and moving_areas(Dataset()) == []
