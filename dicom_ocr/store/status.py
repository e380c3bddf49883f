"""What ``dicom_ocr status`` shows: the counts, timings and throughput the file records give, and the redacted
copies."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .schema import FILES_TABLE, RECTS_TABLE, WRITER

if TYPE_CHECKING:
    from .db import AuditDB

JULIAN_2000 = 2451545.0   # Julian day number of 2000-01-01 12:00


def _julian_to_text(day: float | None) -> str | None:
    """An SQLite Julian day number as local time text, to the nearest second."""
    if day is None:
        return None
    seconds = round((day - JULIAN_2000) * 86400)
    return (datetime(2000, 1, 1, 12) + timedelta(seconds=seconds)).isoformat(sep=" ")


def status_summary(db: AuditDB) -> dict:
    """:func:`scan_summary` and :func:`redaction_summary` in one dict."""
    return {**scan_summary(db), **redaction_summary(db)}


def scan_summary(db: AuditDB) -> dict:
    """What the file records say: counts (per state, triage class and cause; ``not_read``: left unread by header
    triage), timings and throughput.

    ``seconds_*`` are sums over all records (worker time); ``*_per_file`` their means; ``files_per_hour`` is one
    worker's rate (files over worker time); ``wall_files_per_hour`` is files over the wall time from the first file's
    start to the last file's finish (pauses between runs included)."""
    tables = db.tables
    files = tables[FILES_TABLE]
    n_files = files.count
    with_text = tables.execute(
        f'SELECT COUNT(DISTINCT r.filename) FROM "DicomRects" r JOIN {RECTS_TABLE} o ON o.rect_id = r.id '
        f"JOIN {FILES_TABLE} f ON f.filename = r.filename "
        "WHERE f.state = 'done' AND r.last_modified_by = ? AND TRIM(COALESCE(r.ocrtext, '')) != '' "
        "AND r.nerengine != -1",   # text read and judged; rule rows (nerengine -1) name areas, not text
        (WRITER,)).fetchone()[0]
    totals = next(tables.query(
        "SELECT TOTAL(seconds_decode) AS decode, TOTAL(seconds_ocr) AS ocr, TOTAL(seconds_total) AS total, "
        "TOTAL(CASE WHEN state = 'done' THEN n_planes END) AS planes, "
        "MIN(julianday(finished_at) - seconds_total / 86400.0) AS first_start, "
        f"MAX(julianday(finished_at)) AS last_finish FROM {FILES_TABLE}"))
    seconds = totals["total"]
    wall = (totals["last_finish"] - totals["first_start"]) * 86400 if n_files else None

    def per_file(value: float) -> float | None:
        return value / n_files if n_files else None

    return {
        "files": n_files,
        "done": files.count_where("state = 'done'"),
        "with_regions": files.count_where("state = 'done' AND n_regions > 0"),
        "with_text": with_text,
        "with_phi": files.count_where("state = 'done' AND has_phi"),
        "technical_only": files.count_where("state = 'done' AND n_regions > 0 AND NOT has_phi"),
        "no_text": files.count_where("state = 'done' AND NOT n_regions > 0"),
        "skipped": files.count_where("state = 'skipped'"),
        "skipped_by_cause": _causes(db, "skipped"),
        "not_read": files.count_where("state = 'not-read'"),
        "failed": files.count_where("state = 'error'"),
        "failed_by_cause": _causes(db, "error"),
        "planes": int(totals["planes"]),
        "planes_enlarged_copy_skipped": db.planes.count(),
        "seconds_decode": totals["decode"],
        "seconds_ocr": totals["ocr"],
        "seconds_total": seconds,
        "seconds_per_file": per_file(seconds),
        "seconds_ocr_per_file": per_file(totals["ocr"]),
        "seconds_decode_per_file": per_file(totals["decode"]),
        "files_per_hour": 3600 * n_files / seconds if seconds > 0 else None,
        "first_started": _julian_to_text(totals["first_start"]),
        "last_finished": _julian_to_text(totals["last_finish"]),
        "wall_seconds": wall,
        "wall_files_per_hour": 3600 * n_files / wall if wall else None,
    }


def _causes(db: AuditDB, state: str) -> dict[str, int]:
    """How many records of ``state`` have each cause, most first."""
    rows = db.tables.query(f"SELECT COALESCE(error_cause, 'error') AS cause, COUNT(*) AS n FROM {FILES_TABLE} "
                           "WHERE state = ? GROUP BY 1 ORDER BY 2 DESC, 1", [state])
    return {row["cause"]: row["n"] for row in rows}


def redaction_summary(db: AuditDB) -> dict:
    """Copies written (by policy), failed (by cause), verified and failing verification (zeros when nothing was
    redacted yet)."""
    rows = db.redactions.rows()
    done = [r for r in rows if r["state"] == "done"]
    return {"copies": len(done),
            "copies_by_policy": dict(Counter(r["policy"] for r in done)),
            "copies_failed": len(rows) - len(done),
            "copies_failed_by_cause": dict(Counter(r["error_cause"] for r in rows if r["state"] != "done")),
            "copies_verified": sum(1 for r in done if r["verified"] == 1),
            "copies_failing_verification": sum(1 for r in done if r["verified"] == 0)}
