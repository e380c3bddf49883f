"""DicomRects rows: ours (``last_modified_by = 'dicom_ocr'`` and the id in ``dicom_ocr_rects``, the only rows ever
deleted or replaced), and those of files reviewers finished or drew on, as dcmaudit left them."""
from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlite_utils

from ..geometry import Box
from .connection import transaction
from .schema import RECTS_TABLE, SUMMARY_COORDS, WRITER
from .tablerows import TableRows, kept_columns

_OUR_ROWS = f'"DicomRects" r JOIN {RECTS_TABLE} o ON o.rect_id = r.id'
_AT_PATH = "top >= 0 AND (filename = ? OR filename LIKE ?)"   # rectangles (not summary rows) of a file found by path
_JOIN_KEYS = {"rect_id", "filename"}                           # what dicom_ocr_rects repeats of its DicomRects row


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


class Verdict(NamedTuple):
    """The PHI verdict (``nerpii``) a rect of ours holds on the text read in it."""

    rect_id: int
    filename: str
    text: str
    nerpii: int


class DrawnRect(NamedTuple):
    """A rectangle of DicomRects as stored, whoever drew it (corners in the order they were written)."""

    box: Box
    frame: int
    overlay: int
    ocrengine: int


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
        self._db.table(RECTS_TABLE).insert_all([_our_row(rect, self._insert(rect, now, WRITER)) for rect in rects])

    def add_others(self, rects: list[RectRow], writer: str) -> None:
        """Add ``rects`` another tool found, as ``writer``, in one transaction, so the same scorer can judge that
        tool: they are not ours (never replaced, counted or re-judged as ours)."""
        if writer == WRITER:
            raise ValueError(f"{WRITER!r} names this tool's own rows; give the other tool's name")
        now = _now()
        with transaction(self._db.conn):
            for rect in rects:
                self._insert(rect, now, writer)

    def _insert(self, rect: RectRow, now: str, writer: str) -> int | None:
        """Insert ``rect`` into DicomRects as ``writer``; return its id."""
        left, top, right, bottom = rect.coords
        cur = self._db.execute(
            'INSERT INTO "DicomRects"(filename, top, bottom, "left", "right", frame, overlay, ocrengine, ocrtext, '
            "nerengine, nerpii, last_modified, last_modified_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (rect.filename, top, bottom, left, right, rect.frame, rect.overlay, rect.ocrengine, rect.ocrtext,
             rect.nerengine, rect.nerpii, now, writer))
        return cur.lastrowid

    def verdicts(self, nerengine: int) -> list[Verdict]:
        """Our rects (not summary rows) whose text ``nerengine`` judged, by id."""
        rows = self._db.execute(
            f"SELECT r.id, r.filename, r.ocrtext, r.nerpii FROM {_OUR_ROWS} WHERE r.last_modified_by = ? "
            "AND r.nerengine = ? AND r.ocrtext != '' AND r.top >= 0 ORDER BY r.id", (WRITER, nerengine))
        return [Verdict(*row) for row in rows.fetchall()]

    def set_verdicts(self, nerpii: dict[int, int]) -> None:
        """Set the ``nerpii`` of our rects by id (a new verdict on text read earlier), in one transaction; ids of
        rows that are not ours are left alone."""
        with transaction(self._db.conn):
            self._db.conn.executemany(
                'UPDATE "DicomRects" SET nerpii = ? WHERE id = ? AND last_modified_by = ? '
                f"AND id IN (SELECT rect_id FROM {RECTS_TABLE})",
                [(verdict, rect_id, WRITER) for rect_id, verdict in nerpii.items()])

    def at_path(self, path: str) -> list[DrawnRect]:
        """Every rectangle (summary rows left out), whoever drew it, of the file named ``path`` or of those whose name
        ends in ``/path`` (a path relative to a scanned root; ``%`` and ``_`` in it match as in LIKE)."""
        rows = self._db.execute(f'SELECT "left", top, "right", bottom, frame, overlay, ocrengine FROM "DicomRects" '
                                f"WHERE {_AT_PATH}", (path, f"%/{path}"))
        return [DrawnRect(Box(*row[:4]), *row[4:]) for row in rows.fetchall()]

    def count_at_path(self, path: str, engines: Collection[int]) -> int:
        """How many of the rectangles :meth:`at_path` gives come from ``engines`` (``ocrengine`` numbers)."""
        query = (f'SELECT COUNT(*) FROM "DicomRects" WHERE {_AT_PATH} '
                 f"AND ocrengine IN ({','.join('?' * len(engines))})")
        return self._db.execute(query, (path, f"%/{path}", *engines)).fetchone()[0]

    def with_sources(self, without: Collection[str] = ()) -> TableRows:
        """Every DicomRects row (anyone's, summary rows included) followed by its dicom_ocr_rects columns (NULLs for
        rows not ours; none when the DB has no such table), without the columns ``without``; in no particular
        order."""
        rects = kept_columns(self._db, "DicomRects", without)
        if not rects:
            return TableRows((), [])
        ours = kept_columns(self._db, RECTS_TABLE, {*without, *_JOIN_KEYS})
        selected = ", ".join([f'r."{column}"' for column in rects] + [f'o."{column}"' for column in ours])
        query = f'SELECT {selected} FROM "DicomRects" r'
        if RECTS_TABLE in self._db.table_names():
            query += f' LEFT JOIN "{RECTS_TABLE}" o ON o.rect_id = r.id'
        return TableRows((*rects, *ours), [tuple(row) for row in self._db.execute(query)])

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


def _our_row(rect: RectRow, rect_id: int | None) -> dict:
    """The dicom_ocr_rects row of our DicomRects row ``rect_id``."""
    return {"rect_id": rect_id, "filename": rect.filename, "source": rect.source, "reason": rect.reason,
            "confidence": rect.confidence}
