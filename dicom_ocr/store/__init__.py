"""The audit store: every read and write of the reviewers' audit DB, through one :class:`AuditDB` per process.

Our DicomRects rows are those with ``last_modified_by = 'dicom_ocr'`` whose id is in ``dicom_ocr_rects``; nothing else
is ever deleted or changed (other tools' rows are only added, for the bench to score them alike). DicomTags is only
read (marks are the reviewer's decision). :meth:`AuditDB.read_only` opens an existing DB without creating anything.
"""
from .connection import DatabaseError
from .db import AuditDB
from .files import FileFacts, FileRecord
from .planes import PlaneNote
from .rects import DrawnRect, RectRow, ReviewedRect, Verdict
from .redactions import RedactionRecord
from .schema import DB_NAME, DB_URI, define_dcmaudit_tables, migration_files
from .status import status_summary
from .tablerows import TableRows

__all__ = ["DB_NAME", "DB_URI", "AuditDB", "DatabaseError", "DrawnRect", "FileFacts", "FileRecord", "PlaneNote", "RectRow",
           "RedactionRecord", "ReviewedRect", "TableRows", "Verdict", "define_dcmaudit_tables", "migration_files",
           "status_summary"]
