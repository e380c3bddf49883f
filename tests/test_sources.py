"""Region sources from header alone: rule files, ultrasound regions, what reviewers taught, and the recipe export."""
from __future__ import annotations

import importlib.resources
import json
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dicom_ocr.geometry import Box
from dicom_ocr.learned import LearnedSource, Signature, signature
from dicom_ocr.rules import RecipeError, load_rules
from dicom_ocr.rules.export import export_recipe
from dicom_ocr.rules.sources import RecipeSource, UltrasoundSource, build_sources
from dicom_ocr.sources import (
    OCRENGINE_CTP_RULE,
    OCRENGINE_DEID_RULE,
    OCRENGINE_LEARNED,
    OCRENGINE_ULTRASOUND_REGIONS,
    SourceRegion,
)
from dicom_ocr.store import DB_NAME, AuditDB

from dicomfactory import add_overlay, base_dataset, save, with_pixels

ULTRASOUNDS = Path(str(importlib.resources.files("deid_data") / "data" / "ultrasounds"))
SHARED = Path(__file__).parents[2] / "shared"

RECIPE = """FORMAT dicom

%filter graylist

LABEL Acme banner
  equals Modality OT
  + contains Manufacturer acme
  coordinates 0,0,64,10

LABEL Never
  equals Modality MR
  coordinates 0,0,5,5
"""

SCRIPT = """Acme footer
  { Manufacturer.containsIgnoreCase("acme") }
  (0,-8,32,8)
"""


def header(path: Path) -> Dataset:
    return pydicom.dcmread(path, stop_before_pixels=True)


def written(tmp_path: Path, name: str, rows: int = 48, columns: int = 64, frames: int = 1, overlay: bool = False,
            **tags: object) -> Path:
    """A real DICOM file written with pydicom (Secondary Capture header unless ``tags`` say otherwise)."""
    ds = base_dataset(**tags)
    pixels = np.zeros((frames, rows, columns) if frames > 1 else (rows, columns), np.uint8)
    with_pixels(ds, pixels)
    if overlay:
        add_overlay(ds, 0, np.zeros((rows, columns), np.uint8))
    return save(ds, tmp_path / name)


def acme(tmp_path: Path, name: str = "acme.dcm", **tags: object) -> Path:
    tags = {"Manufacturer": "ACME Imaging", "ManufacturerModelName": "Scanner 9", "ImageType": ["ORIGINAL", "PRIMARY"],
            **tags}
    return written(tmp_path, name, **tags)


# ---- rules ----------------------------------------------------------------------------------------------------------

def test_recipe_source_engines_and_labels(tmp_path: Path) -> None:
    (tmp_path / "site.deid").write_text(RECIPE)
    (tmp_path / "site.script").write_text(SCRIPT)
    source = RecipeSource(load_rules([tmp_path / "site.deid", tmp_path / "site.script"], include_defaults=False))
    assert source.name == "rules"
    regions = source.regions(header(acme(tmp_path)))
    assert regions == [
        SourceRegion(Box(0, 0, 63, 9), -1, -1, OCRENGINE_DEID_RULE, "site.deid:Acme banner"),
        SourceRegion(Box(0, 40, 31, 47), -1, -1, OCRENGINE_CTP_RULE, "site.script:Acme footer (line 2)")]
    assert source.regions(header(acme(tmp_path, "other.dcm", Manufacturer="Other"))) == []


def test_default_rules_on_deid_data_ultrasound() -> None:
    ds = header(ULTRASOUNDS / "GREYSCALE_IMAGE.dcm")
    regions = RecipeSource(load_rules(include_ultrasound=True)).regions(ds)
    by_default = RecipeSource(load_rules()).regions(ds)
    assert by_default and not any(r.label.startswith("deid.dicom.ultrasound:") for r in by_default)
    clinical = Box(14, 38, 1010, 758)
    assert regions and all(r.ocrengine == OCRENGINE_DEID_RULE for r in regions)
    assert {r.label.split(":")[0] for r in regions} >= {"deid.dicom.ultrasound"}
    assert all(r.box.intersection(clinical) is None for r in regions if r.label.startswith("deid.dicom.ultrasound:"))


# ---- ultrasound regions ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, clinical", [("GREYSCALE_IMAGE.dcm", Box(14, 38, 1010, 758)),
                                            ("RGB_IMAGE.dcm", Box(0, 60, 1008, 764)),
                                            ("ultrasound-multiframe.dcm", Box(11, 30, 788, 592))])
def test_ultrasound_source_is_plane_minus_clinical_area(name: str, clinical: Box) -> None:
    ds = header(ULTRASOUNDS / name)
    regions = UltrasoundSource().regions(ds)
    assert regions and {(r.frame, r.overlay, r.ocrengine) for r in regions} == {(-1, -1, OCRENGINE_ULTRASOUND_REGIONS)}
    assert all(r.box.intersection(clinical) is None for r in regions)
    assert sum(r.box.area for r in regions) == ds.Rows * ds.Columns - clinical.area
    assert all(Box(0, 0, ds.Columns - 1, ds.Rows - 1).intersection(r.box) == r.box for r in regions)


def test_ultrasound_source_two_regions_and_none(tmp_path: Path) -> None:
    ds = header(acme(tmp_path))
    assert UltrasoundSource().regions(ds) == []
    items = []
    for x0, x1 in ((0, 29), (34, 63)):
        item = Dataset()
        item.RegionLocationMinX0, item.RegionLocationMinY0, item.RegionLocationMaxX1, item.RegionLocationMaxY1 = \
            x0, 10, x1, 47
        items.append(item)
    ds.SequenceOfUltrasoundRegions = items
    assert {r.box for r in UltrasoundSource().regions(ds)} == {Box(0, 0, 63, 9), Box(30, 10, 33, 47)}


# ---- signatures as dcmaudit stores them -----------------------------------------------------------------------------

def test_signature_as_dcmaudit_stores_it(tmp_path: Path) -> None:
    assert signature(header(acme(tmp_path))) == \
        Signature("OT", '["ORIGINAL", "PRIMARY"]', 48, 64, "Scanner 9")
    ds = Dataset()
    ds.Rows, ds.Columns = 10, 20
    assert signature(ds) == Signature("NoModality", '["NoImageType"]', 10, 20, "NoModel")
    ds.Manufacturer, ds.SoftwareVersions, ds.ImageType = "ACME", "V2", "ORIGINAL"
    assert signature(ds) == Signature("NoModality", '"ORIGINAL"', 10, 20, "ACME V2")
    sc = header(written(tmp_path, "sc.dcm"))            # Secondary Capture without ImageType
    assert json.loads(signature(sc).imagetype) == ["DERIVED", "SECONDARY"]


# ---- learned from reviewers -----------------------------------------------------------------------------------------

def reviewed_db(directory: Path, files: dict[str, tuple[Signature, str]],
                rects: list[tuple[str, Box, int, int, int, int, int]]) -> AuditDB:
    """An audit DB as a reviewer leaves it: DicomTags rows (``files``: signature, mark) and DicomRects rows
    (filename, box, frame, overlay, ocrengine, nerengine, nerpii), written with sqlite3."""
    db = AuditDB(directory)
    with sqlite3.connect(directory / DB_NAME) as conn:
        for name, (sig, mark) in files.items():
            conn.execute('INSERT INTO "DicomTags"(filename, mark, modality, imagetype, manufacturermodelname, '
                         '"rows", "columns", last_modified_by) VALUES (?,?,?,?,?,?,?,?)',
                         (name, mark, sig.modality, sig.imagetype, sig.manufacturer_model_name, sig.rows,
                          sig.columns, "alice"))
        for name, b, frame, overlay, engine, ner, pii in rects:
            conn.execute('INSERT INTO "DicomRects"(filename, "left", top, "right", bottom, frame, overlay, ocrengine, '
                         "ocrtext, nerengine, nerpii, last_modified_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                         (name, b.left, b.top, b.right, b.bottom, frame, overlay, engine, "", ner, pii, "alice"))
    return db


BANNER, FOOTER, CORNER, OVERLAY_BOX, HIDDEN, UNREVIEWED = (Box(0, 0, 63, 7), Box(2, 40, 40, 47), Box(50, 20, 63, 30),
                                                         Box(5, 5, 9, 9), Box(10, 10, 20, 20), Box(30, 30, 35, 35))


@pytest.fixture
def taught(tmp_path: Path) -> tuple[AuditDB, Signature]:
    sig = signature(header(acme(tmp_path, frames=2, overlay=True)))
    other = Signature("CT", '["ORIGINAL"]', 512, 512, "Other")
    db = reviewed_db(tmp_path / "db", {"a.dcm": (sig, "F"), "b.dcm": (sig, "F"), "c.dcm": (sig, "T"),
                                       "d.dcm": (other, "F")}, [
        ("a.dcm", BANNER, 0, -1, -1, -1, -1),          # drawn by the reviewer
        ("b.dcm", BANNER, 0, -1, 1, -1, -1),           # same box kept from OCR on another file: merged
        ("b.dcm", FOOTER, 0, -1, 1, 10, 1),            # OCR text judged PHI and kept
        ("b.dcm", CORNER, 1, -1, 1, -1, -1),           # second frame
        ("a.dcm", OVERLAY_BOX, 0, 0, -1, -1, -1),      # in overlay 0
        ("a.dcm", HIDDEN, 0, -1, 1, 50, 0),            # allowlisted: dcmaudit hid it, nobody judged it
        ("a.dcm", Box(-1, -1, -1, -1), 0, -1, 1, -1, -1),   # summary row
        ("c.dcm", UNREVIEWED, 0, -1, -1, -1, -1),      # file tagged for another look, not done
        ("d.dcm", Box(0, 0, 100, 100), 0, -1, -1, -1, -1)])
    yield db, sig
    db.close()


def test_learned_source_same_signature_frame_and_overlay(tmp_path: Path, taught: tuple[AuditDB, Signature]) -> None:
    db, _ = taught
    source = LearnedSource.from_db(db)
    assert source.name == "learned"
    regions = source.regions(header(acme(tmp_path, "new.dcm", frames=2, overlay=True)))
    assert len(regions) == 4 and set(regions) == {
        SourceRegion(BANNER, 0, -1, OCRENGINE_LEARNED, "learned:2"),
        SourceRegion(FOOTER, 0, -1, OCRENGINE_LEARNED, "learned:1"),
        SourceRegion(CORNER, 1, -1, OCRENGINE_LEARNED, "learned:1"),
        SourceRegion(OVERLAY_BOX, 0, 0, OCRENGINE_LEARNED, "learned:1")}
    assert source.regions(header(acme(tmp_path, "taller.dcm", rows=49, frames=2, overlay=True))) == []
    assert source.regions(header(acme(tmp_path, "model.dcm", frames=2, overlay=True, ManufacturerModelName="X"))) == []


def test_learned_source_skips_missing_frame_and_overlay(tmp_path: Path, taught: tuple[AuditDB, Signature]) -> None:
    db, sig = taught
    source = LearnedSource.from_db(db)
    ds = header(acme(tmp_path, "single.dcm"))        # one frame, no overlay, but claims the taught signature
    assert signature(ds) == sig
    assert {(r.box, r.frame, r.overlay) for r in source.regions(ds)} == {(BANNER, 0, -1), (FOOTER, 0, -1)}


def test_exported_recipe_gives_same_rects(tmp_path: Path, taught: tuple[AuditDB, Signature]) -> None:
    db, _ = taught
    recipe = tmp_path / "learned.deid"
    assert export_recipe(db, recipe) == 2            # the taught signature and the CT one
    rules = RecipeSource(load_rules([recipe], include_defaults=False))
    new = header(acme(tmp_path, "new.dcm", frames=2, overlay=True))
    learned = {r.box for r in LearnedSource.from_db(db).regions(new) if r.overlay == -1}
    regions = rules.regions(new)
    assert {r.box for r in regions} == learned == {BANNER, FOOTER, CORNER}
    assert {(r.frame, r.overlay, r.ocrengine) for r in regions} == {(-1, -1, OCRENGINE_DEID_RULE)}
    assert all(r.label.startswith("learned.deid:learned OT 64x48 Scanner 9") for r in regions)
    for changed in ({"ImageType": ["ORIGINAL"]}, {"ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"]},
                    {"ManufacturerModelName": "Scanner 99"}, {"Modality": "CT"}):
        assert rules.regions(header(acme(tmp_path, "changed.dcm", **changed))) == []


def test_export_round_trip_of_odd_signatures(tmp_path: Path) -> None:
    plain = Dataset()
    plain.Rows, plain.Columns, plain.ImageType = 48, 64, "DERIVED"
    odd = header(acme(tmp_path, ImageType="SECONDARY", ManufacturerModelName="Model #2 + equals X"))
    sigs = {"plain": signature(plain), "odd": signature(odd)}
    assert sigs["plain"] == Signature("NoModality", '"DERIVED"', 48, 64, "NoModel")
    db = reviewed_db(tmp_path / "db", {name: (sig, "F") for name, sig in sigs.items()},
                     [("plain", BANNER, 0, -1, -1, -1, -1), ("odd", FOOTER, 0, -1, -1, -1, -1),
                      ("odd", Box(60, 40, 80, 60), 0, -1, -1, -1, -1)])    # partly outside: clipped
    recipe = tmp_path / "learned.deid"
    assert export_recipe(db, recipe) == 2
    db.close()
    rules = RecipeSource(load_rules([recipe], include_defaults=False))
    assert [r.box for r in rules.regions(plain)] == [BANNER]
    assert {r.box for r in rules.regions(odd)} == {FOOTER, Box(60, 40, 63, 47)}
    plain.ImageType = ["DERIVED", "PRIMARY"]
    assert rules.regions(plain) == []


# ---- building and shipping ------------------------------------------------------------------------------------------

def test_build_sources_and_pickling(tmp_path: Path, taught: tuple[AuditDB, Signature]) -> None:
    db, _ = taught
    (tmp_path / "site.deid").write_text(RECIPE)
    sources = build_sources([tmp_path / "site.deid"], learned=LearnedSource.from_db(db))
    assert [s.name for s in sources] == ["rules", "ultrasound-regions", "learned"]
    assert [s.name for s in build_sources(default_rules=False, ultrasound=False)] == []
    assert [s.name for s in build_sources(default_rules=False)] == ["ultrasound-regions"]
    copies = pickle.loads(pickle.dumps(sources))
    for ds in (header(acme(tmp_path, "new.dcm", frames=2, overlay=True)), header(ULTRASOUNDS / "RGB_IMAGE.dcm")):
        fresh = [s.regions(ds) for s in sources]
        assert [c.regions(ds) for c in copies] == fresh
    assert all(fresh[:2])


def test_malformed_rule_file_fails_when_building(tmp_path: Path) -> None:
    bad = tmp_path / "bad.deid"
    bad.write_text(RECIPE.replace("coordinates 0,0,64,10", "coordinates 0,0,64"))
    with pytest.raises(RecipeError, match=r"bad\.deid.*line 8"):
        build_sources([bad])


def test_corpus_headers_get_regions() -> None:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip("../shared is not here")
    sources = build_sources()
    hits = {s.name: 0 for s in sources}
    with_sequence = 0
    for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md"):
        ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)
        with_sequence += "SequenceOfUltrasoundRegions" in ds
        for s in sources:
            hits[s.name] += bool(s.regions(ds))
    assert with_sequence > 0 and hits["ultrasound-regions"] == with_sequence
    assert hits["rules"] > 0                      # deid.dicom's scanner-model rules fire on real files


def test_rules_export_command(tmp_path: Path, taught: tuple[AuditDB, Signature], capsys) -> None:
    from dicom_ocr.cli import main

    db, _ = taught
    recipe = tmp_path / "out.dicom"
    assert main(["rules", "export", "--db", str(db.directory), "-o", str(recipe)]) == 0
    assert "2 scanner signature(s)" in capsys.readouterr().out
    rules = RecipeSource(load_rules([recipe], include_defaults=False))
    assert {r.box for r in rules.regions(header(acme(tmp_path, "new.dcm", frames=2)))} == {BANNER, FOOTER, CORNER}
    assert main(["rules", "export", "--db", str(tmp_path / "nowhere")]) == 2


def test_scan_applies_deids_ultrasound_recipe_only_when_asked(tmp_path: Path) -> None:
    """A US file that declares no SequenceOfUltrasoundRegions: by default no rule covers its image (it keeps it under
    redaction); with --ultrasound-recipe the whole image is a rule region."""
    from dicom_ocr.cli import main

    path = save(with_pixels(base_dataset(Modality="US", ImageType=["ORIGINAL", "PRIMARY"]),
                            np.zeros((40, 60), np.uint8)), tmp_path / "us.dcm")

    def rule_rows(db: Path, *options: str) -> list[tuple]:
        assert main(["scan", str(path), "--db", str(db), "--ocr", "tesseract:plain", "-q", *options]) == 0
        with sqlite3.connect(db / DB_NAME) as conn:
            return conn.execute('SELECT "left", top, "right", bottom, ocrtext FROM "DicomRects" WHERE ocrengine = ?',
                                (OCRENGINE_DEID_RULE,)).fetchall()

    assert rule_rows(tmp_path / "default") == []
    assert rule_rows(tmp_path / "asked", "--ultrasound-recipe") == [(0, 0, 59, 39, "[deid.dicom.ultrasound:Blank Image]")]
