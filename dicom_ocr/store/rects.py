"""DicomRects rows: ours (``last_modified_by = 'dicom_ocr'`` and the id in ``dicom_ocr_rects``, the only rows ever
deleted or replaced), and those of files reviewers finished or drew on, as dcmaudit left them."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from ..geometry import Box
from .schema import RECTS_TABLE, SUMMARY_COORDS, WRITER

_OUR_ROWS = f'"DicomRects" r JOIN {RECTS_TABLE} o ON o.rect_id = r.id'


def _now() -> str:
    """Local time as pydal stores a datetime (dcmaudit uses datetime.now())."""
    return datetime.now().isoformat(sep=" ", timespec="seconds")


@dataclass
class RectRow:
    """One DicomRects row; ``box`` None is a per-plane summary row (stored as -1,-1,-1,-1) holding all its text."""

    filename: str
    box: Box | None
    frame: int
    overlay: int
    ocrengine: int
    ocrtext: str
    nerengine: int = -1
    nerpii: int = -1
    source: str = ""
    reason: str = ""
    confidence: float | None = None

    @property
    def coords(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom), -1s for a summary row."""
        b = self.box
        return SUMMARY_COORDS if b is None else (b.left, b.top, b.right, b.bottom)


@dataclass(frozen=True)
class ReviewedRect:
    """A rect of a file a reviewer has finished, with the metadata dcmaudit matches "similar images" on."""

    filename: str
    box: Box
    frame: int
    overlay: int
    ocrengine: int
    ocrtext: str
    nerengine: int
    nerpii: int
    last_modified_by: str | None
    modality: str | None
    imagetype: str | None
    rows: int | None
    columns: int | None
    manufacturer_model_name: str | None


class Rects:
    """The DicomRects rows of the audit DB, through the store's connection."""

    def __init__(self, db: sqlite_utils.Database):
        self._db = db

    def replace(self, filename: str, rects: list[RectRow]) -> None:
        """Replace our rows of ``filename`` by ``rects`` (call inside the file's transaction)."""
        self._db.execute(
            'DELETE FROM "DicomRects" WHERE filename = ? AND last_modified_by = ? '
            f"AND id IN (SELECT rect_id FROM {RECTS_TABLE} WHERE filename = ?)", (filename, WRITER, filename))
        self._db.table(RECTS_TABLE).delete_where("filename = ?", [filename])
        now = _now()
        self._db.table(RECTS_TABLE).insert_all([self._insert(rect, now) for rect in rects])

    def _insert(self, rect: RectRow, now: str) -> dict:
        """Insert ``rect`` into DicomRects; return its row for dicom_ocr_rects."""
        left, top, right, bottom = rect.coords
        cur = self._db.execute(
            'INSERT INTO "DicomRects"(filename, top, bottom, "left", "right", frame, overlay, ocrengine, ocrtext, '
            "nerengine, nerpii, last_modified, last_modified_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rect.filename, top, bottom, left, right, rect.frame, rect.overlay, rect.ocrengine, rect.ocrtext,
             rect.nerengine, rect.nerpii, now, WRITER))
        return {"rect_id": cur.lastrowid, "filename": rect.filename, "source": rect.source, "reason": rect.reason,
                "confidence": rect.confidence}

    def of(self, filename: str) -> list[RectRow]:
        """The rects this tool wrote for ``filename``, in insertion order."""
        rows = self._db.execute(
            'SELECT r.filename, r."left", r.top, r."right", r.bottom, r.frame, r.overlay, r.ocrengine, r.ocrtext, '
            f"r.nerengine, r.nerpii, o.source, o.reason, o.confidence FROM {_OUR_ROWS} "
            "WHERE r.filename = ? AND r.last_modified_by = ? ORDER BY r.id", (filename, WRITER))
        return [RectRow(row[0], None if tuple(row[1:5]) == SUMMARY_COORDS else Box(*row[1:5]), *row[5:])
                for row in rows]

    def phi_counts(self) -> dict[str, int]:
        """How many of our rows (summary rows included) judge text PHI, per file that has any."""
        rows = self._db.execute(f"SELECT r.filename, COUNT(*) FROM {_OUR_ROWS} "
                                "WHERE r.last_modified_by = ? AND r.nerpii = 1 GROUP BY r.filename", (WRITER,))
        return dict(rows.fetchall())

    def boxes(self, filename: str, *, spare_technical: bool = False) -> list[tuple[Box, int, int]]:
        """(box, frame, overlay) of every rectangle of ``filename``, whoever wrote it (summary rows are not
        rectangles), corners in order whatever way it was drawn; with ``spare_technical`` without our own rows
        judged not PHI (a row a reviewer wrote or changed is always there)."""
        query = ('SELECT "left", top, "right", bottom, frame, overlay FROM "DicomRects" WHERE filename = ? '
                 "AND NOT (\"left\" = ? AND top = ? AND \"right\" = ? AND bottom = ?)")
        params: list = [filename, *SUMMARY_COORDS]
        if spare_technical:
            query += " AND NOT (COALESCE(last_modified_by, '') = ? AND COALESCE(nerpii, -1) = 0)"
            params.append(WRITER)
        return [(Box(min(left, right), min(top, bottom), max(left, right), max(top, bottom)), frame, overlay)
                for left, top, right, bottom, frame, overlay in self._db.execute(query, params).fetchall()]

    def reviewed(self, modality: str | None = None, imagetype: str | None = None, rows: int | None = None,
                 columns: int | None = None, manufacturer_model_name: str | None = None) -> Iterator[ReviewedRect]:
        """Rects (not summary rows) of files a reviewer finished: mark 'F', or a comment on a file not marked 'T'.

        Each given metadata value must match exactly, as dcmaudit's "similar images" does; None matches anything."""
        where = ["(t.mark = 'F' OR (COALESCE(t.mark, '') != 'T' AND TRIM(COALESCE(t.comment, '')) != ''))",
                 'NOT (r."left" = -1 AND r.top = -1 AND r."right" = -1 AND r.bottom = -1)']
        params: list = []
        for column, value in (("modality", modality), ("imagetype", imagetype), ("rows", rows), ("columns", columns),
                              ("manufacturermodelname", manufacturer_model_name)):
            if value is not None:
                where.append(f't."{column}" = ?')
                params.append(value)
        query = ('SELECT r.filename, r."left", r.top, r."right", r.bottom, r.frame, r.overlay, r.ocrengine, r.ocrtext, '
                 "r.nerengine, r.nerpii, r.last_modified_by, t.modality, t.imagetype, t.\"rows\", t.\"columns\", "
                 't.manufacturermodelname FROM "DicomRects" r JOIN "DicomTags" t ON t.filename = r.filename '
                 f"WHERE {' AND '.join(where)} ORDER BY r.id")
        for row in self._db.execute(query, params).fetchall():
            yield ReviewedRect(row[0], Box(*row[1:5]), *row[5:])
