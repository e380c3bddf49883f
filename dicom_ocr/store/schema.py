"""The audit DB's tables: dcmaudit's, bootstrapped through pydal so dcmaudit can open them, and our own.

dcmaudit reaches the DB through pydal, which keeps migration files (``<md5>_DicomRects.table``) beside it and fails on
a DB whose tables it did not create. So a new DB has its dcmaudit tables created by pydal itself (same field
definitions as dcmaudit), then pydal is closed. dcmaudit's tables are never altered; what only we need lives in tables
prefixed ``dicom_ocr_``.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import sqlite_utils

from .connection import BUSY_TIMEOUT_S

log = logging.getLogger(__name__)

DB_NAME = "dcmaudit.sqlite.db"
DB_URI = f"sqlite://{DB_NAME}"
WRITER = "dicom_ocr"
SUMMARY_COORDS = (-1, -1, -1, -1)

_RECT_COLUMNS = {"id", "filename", "top", "bottom", "left", "right", "frame", "overlay", "ocrengine", "ocrtext",
                 "nerengine", "nerpii", "last_modified", "last_modified_by"}
_TAG_COLUMNS = {"id", "filename", "mark", "comment", "modality", "imagetype", "manufacturermodelname",
                "burnedinannotation", "rows", "columns", "last_modified", "last_modified_by"}

FILES_TABLE = "dicom_ocr_files"
RECTS_TABLE = "dicom_ocr_rects"
PLANES_TABLE = "dicom_ocr_planes"
REDACTIONS_TABLE = "dicom_ocr_redactions"
_FILES_COLUMNS = {"filename": str, "state": str, "error_cause": str, "error_message": str, "n_planes": int,
                  "n_regions": int, "has_phi": int, "seconds_decode": float, "seconds_ocr": float,
                  "seconds_total": float, "engine": str, "engine_version": str, "tool_version": str, "finished_at": str,
                  "modality": str, "model": str}
_RECTS_COLUMNS = {"rect_id": int, "filename": str, "source": str, "reason": str, "confidence": float}
_PLANES_COLUMNS = {"filename": str, "frame": int, "overlay": int, "note": str}
_REDACTIONS_COLUMNS = {"filename": str, "state": str, "policy": str, "deid_header": int, "target": str,
                       "error_cause": str, "error_message": str, "boxes": int, "boxes_digest": str, "syntax_in": str,
                       "syntax_out": str, "bytes_in": int, "bytes_out": int, "burned_in_annotation": str,
                       "verified": int, "regions_left": int, "phi_left": int, "text_left": str, "refilled": int,
                       "finished_at": str}


def define_dcmaudit_tables(db) -> None:
    """Define DicomRects and DicomTags on a pydal DAL exactly as dcmaudit does."""
    from pydal import Field
    db.define_table("DicomRects", Field("filename"),
                    Field("top", type="integer"), Field("bottom", type="integer"),
                    Field("left", type="integer"), Field("right", type="integer"),
                    Field("frame", type="integer", default=-1), Field("overlay", type="integer", default=-1),
                    Field("ocrengine", type="integer", default=-1), Field("ocrtext"),
                    Field("nerengine", type="integer", default=-1), Field("nerpii", type="integer", default=-1),
                    Field("last_modified", type="datetime"), Field("last_modified_by"))
    db.define_table("DicomTags", Field("filename", unique=True),
                    Field("mark", type="boolean"), Field("comment"),
                    Field("Modality"), Field("ImageType"), Field("ManufacturerModelName"), Field("BurnedInAnnotation"),
                    Field("Rows", type="integer"), Field("Columns", type="integer"),
                    Field("last_modified", type="datetime"), Field("last_modified_by"))


def migration_files(directory: Path) -> list[Path]:
    """The pydal migration files dcmaudit needs beside the DB."""
    prefix = hashlib.md5(DB_URI.encode()).hexdigest()
    return [directory / f"{prefix}_{table}.table" for table in ("DicomRects", "DicomTags")]


def _table_columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1].lower() for row in conn.execute(f'PRAGMA table_info("{table}")')}


def prepare_dcmaudit_tables(directory: Path) -> None:
    """Make sure the dcmaudit tables exist and pydal (so dcmaudit) can open them; never alter existing ones."""
    with closing(sqlite3.connect(directory / DB_NAME, timeout=BUSY_TIMEOUT_S)) as probe:
        rect_cols = _table_columns(probe, "DicomRects")
        tag_cols = _table_columns(probe, "DicomTags")
    have_tables = bool(rect_cols) and bool(tag_cols)
    if have_tables and all(p.exists() for p in migration_files(directory)):
        return
    if have_tables and not (_RECT_COLUMNS <= rect_cols and _TAG_COLUMNS <= tag_cols):
        log.warning("%s: DicomRects/DicomTags lack dcmaudit's columns; leaving them as they are", directory / DB_NAME)
        return
    if bool(rect_cols) != bool(tag_cols):
        log.warning("%s: only one of DicomRects/DicomTags exists; leaving them as they are", directory / DB_NAME)
        return
    from pydal import DAL
    if not have_tables:
        for stale in migration_files(directory):     # left from a deleted DB, they would stop pydal creating tables
            stale.unlink(missing_ok=True)
    # Tables made without pydal (plain SQL): write only pydal's migration files so dcmaudit opens them.
    db = DAL(DB_URI, folder=str(directory), fake_migrate_all=have_tables)
    try:
        define_dcmaudit_tables(db)
        db.commit()
    finally:
        db.close()
    log.info("%s: %s dcmaudit tables through pydal", directory / DB_NAME,
             "registered existing" if have_tables else "created")


def create_our_tables(db: sqlite_utils.Database) -> None:
    """Our file, rect and plane-note tables, and the indexes our reads need (nothing that exists is changed)."""
    db.table(FILES_TABLE).create(_FILES_COLUMNS, pk="filename", not_null={"state"}, if_not_exists=True)
    db.table(RECTS_TABLE).create(_RECTS_COLUMNS, pk="rect_id", not_null={"filename"}, if_not_exists=True)
    db.table(RECTS_TABLE).create_index(["filename"], index_name="dicom_ocr_rects_filename", if_not_exists=True)
    db.table("DicomRects").create_index(["filename"], index_name="dicom_ocr_DicomRects_filename", if_not_exists=True)
    db.table(PLANES_TABLE).create(_PLANES_COLUMNS, not_null={"filename"}, if_not_exists=True)
    db.table(PLANES_TABLE).create_index(["filename"], index_name="dicom_ocr_planes_filename", if_not_exists=True)


def create_redactions_table(db: sqlite_utils.Database) -> None:
    """The table of redacted copies, made by the first redaction run (older versions' tables gain columns as
    their rows are written)."""
    db.table(REDACTIONS_TABLE).create(_REDACTIONS_COLUMNS, pk="filename", if_not_exists=True)
