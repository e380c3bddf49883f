"""Engines as plugins: the entry-point group, the contract it checks, --engine-option, and a scan by an engine that
another package installs."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from dicom_ocr.engines import registry
from dicom_ocr.engines.options import one_thread_each, parse_engine_options

from dicomfactory import base_dataset, save, with_pixels
from textimages import draw_lines, ink_box

ROOT = Path(__file__).resolve().parents[1]

DUMMY_ENGINE = '''
import numpy as np

from dicom_ocr.engines.base import Word
from dicom_ocr.geometry import Box


class DummyEngine:
    """Reads every bright pixel as one word, its text the ``label`` option."""

    name = "dummy"
    ocrengine = NUMBER
    default_variants = ("plain",)

    @classmethod
    def check(cls, **options):
        pass

    def __init__(self, label: str = "DUMMY"):
        self.label = label

    @property
    def version(self):
        return "1.0"

    def read(self, image):
        grey = image if image.ndim == 2 else image.max(axis=2)
        ys, xs = np.nonzero(grey > 128)
        if not len(xs):
            return []
        return [Word(Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1), self.label, 0.99)]
'''


def install_dummy_engine(folder: Path, number: int = 40) -> Path:
    """A package beside the tests declaring engine ``dummy`` through the entry-point group, as pip would install it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dummy_ocr_engine.py").write_text(DUMMY_ENGINE.replace("NUMBER", str(number)))
    info = folder / "dummy_ocr_engine-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dummy-ocr-engine\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[dicom_ocr.engines]\ndummy = dummy_ocr_engine:DummyEngine\n")
    return folder


@pytest.fixture
def fresh_registry():
    """The registry read again for this test, and again after it."""
    registry.engine_classes.cache_clear()
    yield
    sys.modules.pop("dummy_ocr_engine", None)
    registry.engine_classes.cache_clear()


def test_the_entry_point_group_lists_the_three_engines():
    names = {point.name for point in entry_points(group=registry.ENTRY_POINT_GROUP)}
    assert {"rapidocr", "tesseract", "easyocr"} <= names
    assert registry.engine_names()[:3] == ("tesseract", "easyocr", "rapidocr")


def test_line_support_comes_from_the_class():
    assert registry.reads_lines("rapidocr")
    assert not registry.reads_lines("tesseract") and not registry.reads_lines("easyocr")


def test_ocrengine_numbers_name_engines_and_sources():
    names = registry.ocrengine_names()
    assert (names[1], names[2], names[6]) == ("tesseract", "easyocr", "rapidocr")
    assert (names[-1], names[5], names[53]) == ("manual", "scanned-form", "ink")


def test_a_plugin_is_found_and_checked(tmp_path, monkeypatch, fresh_registry):
    monkeypatch.syspath_prepend(str(install_dummy_engine(tmp_path)))
    assert "dummy" in registry.engine_names() and registry.ocrengine_names()[40] == "dummy"
    assert registry.option_names("dummy") == ("label",)
    assert not registry.reads_lines("dummy")


@pytest.mark.parametrize("number, message", [(6, "takes ocrengine 6, already 'rapidocr'"),
                                             (53, "takes ocrengine 53, already 'ink'")])
def test_a_plugin_taking_a_number_in_use_is_refused(tmp_path, monkeypatch, fresh_registry, number, message):
    monkeypatch.syspath_prepend(str(install_dummy_engine(tmp_path, number)))
    with pytest.raises(registry.EngineRegistryError, match=message):
        registry.engine_classes()


def test_engine_options_are_typed_and_checked():
    options = parse_engine_options(["rapidocr.backend=onnxruntime", "rapidocr.threads=2", "tesseract.psm=11",
                                    "rapidocr.classify=false", "easyocr.gpu=TRUE", "rapidocr.box_thresh=0.4"])
    assert options == {"rapidocr": {"backend": "onnxruntime", "threads": 2, "classify": False, "box_thresh": 0.4},
                       "tesseract": {"psm": 11}, "easyocr": {"gpu": True}}
    for bad, message in (("rapidocr.colour=red", "has no option 'colour'"), ("ocropus.psm=3", "unknown OCR engine"),
                         ("rapidocr=onnxruntime", "not NAME.KEY=VALUE"), ("rapidocr.backend", "not NAME.KEY=VALUE")):
        with pytest.raises(ValueError, match=message):
            parse_engine_options([bad])


def test_workers_get_one_thread_where_an_engine_takes_a_thread_count():
    options = one_thread_each({"rapidocr": {"backend": "onnxruntime"}, "tesseract": {"psm": 6}},
                              ["rapidocr", "tesseract"])
    assert options == {"rapidocr": {"backend": "onnxruntime", "threads": 1}, "tesseract": {"psm": 6}}
    assert one_thread_each({"rapidocr": {"threads": 3}}, ["rapidocr"]) == {"rapidocr": {"threads": 3}}


def test_a_scan_runs_an_installed_plugin_engine_with_its_options(tmp_path):
    plugin = install_dummy_engine(tmp_path / "site")
    image = draw_lines((120, 300), [("TEXT", (20, 60))])
    path = save(with_pixels(base_dataset(), image), tmp_path / "text.dcm")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), str(ROOT)])}
    result = subprocess.run([sys.executable, "-m", "dicom_ocr", "scan", str(path), "--db", str(tmp_path / "db"),
                             "--ocr", "dummy", "--engine-option", "dummy.label=PLUGIN WORD", "--jobs", "1", "-q"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "db" / "dcmaudit.sqlite.db") as db:
        rows = db.execute("SELECT ocrengine, ocrtext, left, top, right, bottom FROM DicomRects "
                          "WHERE left >= 0").fetchall()
        engine, = db.execute("SELECT engine FROM dicom_ocr_files").fetchone()
    assert engine == "dummy:plain"
    assert len(rows) == 1 and rows[0][:2] == (40, "PLUGIN WORD")
    left, top, right, bottom = ink_box(image)
    assert rows[0][2] <= left and rows[0][3] <= top and rows[0][4] >= right and rows[0][5] >= bottom


def test_a_plugin_breaking_the_contract_stops_the_command_with_one_line(tmp_path):
    plugin = install_dummy_engine(tmp_path / "site", number=6)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin), str(ROOT)])}
    result = subprocess.run([sys.executable, "-m", "dicom_ocr", "scan", "--help"], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["dicom_ocr: engine 'dummy' (dummy_ocr_engine:DummyEngine) takes ocrengine 6, "
                                          "already 'rapidocr''s"]
