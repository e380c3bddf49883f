"""Results as files: the original dicom_ocr CSV (same columns, engines as names) and JSON Lines with every field.

Both writers stream: open once (appending to what is there), write one file's rects at a time, flush after each file.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from .engines import ocrengine_names
from .store import RectRow

CSV_COLUMNS = ("filename", "frame", "overlay", "imagetype", "manufacturer", "burnedinannotation", "ocr_engine",
               "left", "top", "right", "bottom", "ocr_text", "ner_engine", "is_sensitive")

NER_ENGINE_NAMES: dict[int, str] = {-1: "none", 10: "spacy", 11: "spacy", 12: "spacy", 13: "spacy", 20: "flair",
                                    30: "stanford", 40: "stanza", 50: "allowlist", 60: "scanned-form"}


def engine_name(number: int, names: Mapping[int, str]) -> str:
    """The name of engine ``number``, or the number itself when it has none."""
    return names.get(number, str(number))


class _StreamWriter:
    """A text file opened once for appending, flushed after each DICOM file's rows."""

    def __init__(self, path: str | Path, ocr_names: Mapping[int, str] | None = None,
                 ner_names: Mapping[int, str] | None = None):
        self.path = Path(path)
        self.ocr_names = {**ocrengine_names(), **(ocr_names or {})}
        self.ner_names = {**NER_ENGINE_NAMES, **(ner_names or {})}
        self._new = not self.path.exists() or self.path.stat().st_size == 0
        self._file: TextIO = open(self.path, "a", newline="", encoding="utf-8")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()


class CsvExporter(_StreamWriter):
    """The original CSV: one row per box plus the per-plane summary rows (coords -1); header only in a new file."""

    def __init__(self, path: str | Path, ocr_names: Mapping[int, str] | None = None,
                 ner_names: Mapping[int, str] | None = None):
        super().__init__(path, ocr_names, ner_names)
        self._writer = csv.writer(self._file)
        if self._new:
            self._writer.writerow(CSV_COLUMNS)
            self._file.flush()

    def write_file(self, rects: list[RectRow], imagetype: str = "", manufacturer: str = "",
                   burnedinannotation: str = "") -> None:
        """Append the rows of one DICOM file; the three tag values are the same for all its rows."""
        for rect in rects:
            left, top, right, bottom = rect.coords
            self._writer.writerow((rect.filename, rect.frame, rect.overlay, imagetype, manufacturer, burnedinannotation,
                                   engine_name(rect.ocrengine, self.ocr_names), left, top, right, bottom, rect.ocrtext,
                                   engine_name(rect.nerengine, self.ner_names), rect.nerpii))
        self._file.flush()


class JsonlExporter(_StreamWriter):
    """One JSON object per rect with every RectRow field, engine names, and the file's tag values."""

    def write_file(self, rects: list[RectRow], imagetype: str = "", manufacturer: str = "",
                   burnedinannotation: str = "") -> None:
        """Append the objects of one DICOM file."""
        for rect in rects:
            left, top, right, bottom = rect.coords
            obj = {"filename": rect.filename, "frame": rect.frame, "overlay": rect.overlay,
                   "left": left, "top": top, "right": right, "bottom": bottom, "summary": rect.box is None,
                   "ocrengine": rect.ocrengine, "ocr_engine": engine_name(rect.ocrengine, self.ocr_names),
                   "ocrtext": rect.ocrtext,
                   "nerengine": rect.nerengine, "ner_engine": engine_name(rect.nerengine, self.ner_names),
                   "nerpii": rect.nerpii, "source": rect.source, "reason": rect.reason, "confidence": rect.confidence,
                   "imagetype": imagetype, "manufacturer": manufacturer, "burnedinannotation": burnedinannotation}
            self._file.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self._file.flush()
