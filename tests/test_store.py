"""The audit DB round trip with pydal (as dcmaudit uses it), replacement of our rows only, concurrency, CSV and JSONL."""
from __future__ import annotations

import ast
import csv
import json
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from pydal import DAL

from dicom_ocr.exports import CSV_COLUMNS, CsvExporter, JsonlExporter
from dicom_ocr.geometry import Box
from dicom_ocr.store import (
    DB_NAME,
    DB_URI,
    AuditDB,
    FileRecord,
    RectRow,
    TableRows,
    define_dcmaudit_tables,
    migration_files,
    status_summary,
)

A, B = "/data/a.dcm", "/data/b.dcm"
PACKAGE = Path(__file__).parents[1] / "dicom_ocr"
DB_LIBRARIES = {"sqlite3", "sqlite_utils", "pydal"}


def dcmaudit(directory: Path) -> DAL:
    """Open the DB the way dcmaudit does (default migration)."""
    db = DAL(DB_URI, folder=str(directory), attempts=1)
    define_dcmaudit_tables(db)
    return db


def manual_rect(db: DAL, filename: str, who: str = "alice", frame: int = 0) -> int:
    rid = db.DicomRects.insert(filename=filename, top=10, bottom=20, left=30, right=40, frame=frame, overlay=-1,
                               ocrengine=-1, ocrtext="", nerengine=-1, nerpii=-1,
                               last_modified=datetime.now(), last_modified_by=who)
    db.commit()
    return int(rid)


def rects_for(name: str, words: list[str], frame: int = 0) -> list[RectRow]:
    """One rect per word and the plane's summary row."""
    rows = [RectRow(name, Box(5 * i, 1, 5 * i + 4, 9), frame, -1, 1, w, 70, 1, "tesseract", "name-like", 0.5 + i / 10)
            for i, w in enumerate(words)]
    return rows + [RectRow(name, None, frame, -1, 1, " ".join(words), 70, int(bool(words)))]


def done(name: str, rects: list[RectRow], **kw) -> FileRecord:
    n = sum(r.box is not None for r in rects)
    return FileRecord(name, "done", n_planes=1, n_regions=n, has_phi=n > 0, seconds_decode=0.1, seconds_ocr=0.5,
                      seconds_total=1.0, engine="tesseract", engine_version="5.3", tool_version="0.1.0", **kw)


def sql(directory: Path, query: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def test_db_made_by_us_opens_in_pydal_and_takes_a_reviewer_rect(tmp_path):
    rects = rects_for(A, ["JOHN", "SMITH"])
    with AuditDB(tmp_path) as db:
        db.write_file(done(A, rects), rects)
    assert all(p.exists() for p in migration_files(tmp_path))
    pd = dcmaudit(tmp_path)
    try:
        rows = pd(pd.DicomRects.filename == A).select(orderby=pd.DicomRects.id)
        assert [(r.left, r.top, r.right, r.bottom, r.ocrtext) for r in rows] == [
            (0, 1, 4, 9, "JOHN"), (5, 1, 9, 9, "SMITH"), (-1, -1, -1, -1, "JOHN SMITH")]
        assert {r.last_modified_by for r in rows} == {"dicom_ocr"}
        assert all(isinstance(r.last_modified, datetime) for r in rows)
        assert rows[0].frame == 0 and rows[0].overlay == -1 and rows[0].nerengine == 70 and rows[0].nerpii == 1
        manual_rect(pd, A)
        assert pd(pd.DicomRects.filename == A).count() == 4
    finally:
        pd.close()
    with AuditDB(tmp_path) as db:    # reopening keeps working after pydal wrote
        assert [r.ocrtext for r in db.rects.of(A)] == ["JOHN", "SMITH", "JOHN SMITH"]
        assert db.rects.of(A)[0].confidence == pytest.approx(0.5)


def test_db_made_by_dcmaudit_first_is_used_unchanged(tmp_path):
    pd = dcmaudit(tmp_path)
    manual_rect(pd, A)
    pd.DicomTags.insert(filename=A, mark=False, Modality="US", last_modified=datetime.now(), last_modified_by="alice")
    pd.commit()
    pd.close()
    schema = sql(tmp_path, "SELECT name, sql FROM sqlite_master WHERE name IN ('DicomRects', 'DicomTags')")
    tables = {p: p.read_bytes() for p in migration_files(tmp_path)}
    rects = rects_for(A, ["DOE"])
    with AuditDB(tmp_path) as db:
        db.write_file(done(A, rects), rects)
    assert sql(tmp_path, "SELECT name, sql FROM sqlite_master WHERE name IN ('DicomRects', 'DicomTags')") == schema
    assert {p: p.read_bytes() for p in migration_files(tmp_path)} == tables
    pd = dcmaudit(tmp_path)
    try:
        assert pd(pd.DicomRects.filename == A).count() == 3
        assert pd(pd.DicomTags.filename == A).select().first().mark is False
        manual_rect(pd, B)
    finally:
        pd.close()


def test_tables_made_with_plain_sql_get_pydal_migration_files(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    dcmaudit(source).close()
    ddl = sql(source, "SELECT sql FROM sqlite_master WHERE name IN ('DicomRects', 'DicomTags')")
    plain = tmp_path / "plain"
    plain.mkdir()
    conn = sqlite3.connect(plain / DB_NAME)
    for (statement,) in ddl:
        conn.execute(statement)
    conn.commit()
    conn.close()
    probe = tmp_path / "probe"
    probe.mkdir()
    (probe / DB_NAME).write_bytes((plain / DB_NAME).read_bytes())
    with pytest.raises(Exception, match="already exists"):    # what dcmaudit meets on such a DB
        dcmaudit(probe)
    AuditDB(plain).close()
    pd = dcmaudit(plain)
    try:
        assert pd(pd.DicomRects).count() == 0
        manual_rect(pd, A)
    finally:
        pd.close()


def test_rewrite_replaces_only_our_rows(tmp_path):
    with AuditDB(tmp_path) as db:
        first = rects_for(A, ["JOHN", "SMITH", "42Y"])
        db.write_file(done(A, first), first)
        other = rects_for(B, ["ANNE"])
        db.write_file(done(B, other), other)
        pd = dcmaudit(tmp_path)
        try:
            reviewer = manual_rect(pd, A)
            stranger = manual_rect(pd, A, who="dicom_ocr")     # claims our name but is not in dicom_ocr_rects
        finally:
            pd.close()
        again = rects_for(A, ["JOHN"])
        db.write_file(done(A, again), again)
        assert [r.ocrtext for r in db.rects.of(A)] == ["JOHN", "JOHN"]
        assert [r.ocrtext for r in db.rects.of(B)] == ["ANNE", "ANNE"]
        ids = {r[0] for r in sql(tmp_path, 'SELECT id FROM "DicomRects" WHERE filename = ?', (A,))}
        assert {reviewer, stranger} <= ids and len(ids) == 4
        assert sql(tmp_path, 'SELECT ocrengine, last_modified_by FROM "DicomRects" WHERE id = ?', (reviewer,)) == [
            (-1, "alice")]
        assert sql(tmp_path, "SELECT COUNT(*) FROM dicom_ocr_rects")[0][0] == 4
        assert sql(tmp_path, 'SELECT COUNT(*) FROM "DicomTags"')[0][0] == 0    # never a mark


def test_failed_write_leaves_previous_results(tmp_path):
    with AuditDB(tmp_path) as db:
        rects = rects_for(A, ["JOHN"])
        db.write_file(done(A, rects), rects)
        with pytest.raises(ValueError):
            db.write_file(done(A, []), rects_for(B, ["X"]))
        bad = rects_for(A, ["X"]) + [RectRow(A, Box(0, 0, 1, 1), 0, -1, 1, object(), -1, -1)]    # not storable
        with pytest.raises(sqlite3.Error):
            db.write_file(done(A, bad), bad)
        assert [r.ocrtext for r in db.rects.of(A)] == ["JOHN", "JOHN"]


def test_a_record_that_cannot_be_stored_rolls_back_its_rects(tmp_path):
    """Our tables go through sqlite-utils, inside the file's one BEGIN IMMEDIATE transaction: a record that fails to
    store takes its new rects (and the deletion of the old ones) with it."""
    with AuditDB(tmp_path) as db:
        rects = rects_for(A, ["JOHN"])
        db.write_file(done(A, rects), rects)
        before = sql(tmp_path, "SELECT * FROM dicom_ocr_rects"), db.files.records()
        new = rects_for(A, ["MARY", "ANN"])
        with pytest.raises(sqlite3.Error):
            db.write_file(done(A, new, finished_at=object()), new)       # not storable
        assert (sql(tmp_path, "SELECT * FROM dicom_ocr_rects"), db.files.records()) == before
        assert [r.ocrtext for r in db.rects.of(A)] == ["JOHN", "JOHN"]
        assert not db.tables.conn.in_transaction


def test_summary_rows_records_and_summary(tmp_path):
    with AuditDB(tmp_path) as db:
        a = rects_for(A, ["JOHN"], frame=3)
        db.write_file(done(A, a), a)
        blank = rects_for(B, [])
        db.write_file(done(B, blank), blank)
        db.write_file(FileRecord("/data/c.dcm", "error", "not-dicom", "no preamble", seconds_total=0.5), [])
        db.write_file(FileRecord("/data/d.dcm", "error", "corrupt-pixel-data", "short", seconds_total=0.5), [])
        db.write_file(FileRecord("/data/e.dcm", "error", "not-dicom", "empty", seconds_total=0.5), [])
        summary_row = db.rects.of(A)[-1]
        assert summary_row.box is None and (summary_row.frame, summary_row.overlay) == (3, -1)
        assert sql(tmp_path, 'SELECT "left", top, "right", bottom, frame FROM "DicomRects" WHERE ocrtext = ?',
                   ("",)) == [(-1, -1, -1, -1, 0)]
        records = db.files.records()
        assert records[A] == done(A, a, finished_at=records[A].finished_at)
        assert records[A].has_phi is True and records[B].has_phi is False and records["/data/c.dcm"].has_phi is None
        assert db.files.finished_among([A, B, "/data/c.dcm", "/data/d.dcm", "/data/e.dcm"], ("done",)) == {A, B}
        s = status_summary(db)
    assert (s["files"], s["done"], s["with_regions"], s["with_text"], s["with_phi"], s["failed"]) == (5, 2, 1, 1, 1, 3)
    assert (s["technical_only"], s["no_text"]) == (0, 1)
    assert s["failed_by_cause"] == {"not-dicom": 2, "corrupt-pixel-data": 1}
    assert s["seconds_total"] == pytest.approx(3.5)
    assert s["files_per_hour"] == pytest.approx(3600 * 5 / 3.5)


def test_index_and_wal(tmp_path):
    AuditDB(tmp_path).close()
    indexes = {r[1] for r in sql(tmp_path, "PRAGMA index_list('DicomRects')")}
    assert "dicom_ocr_DicomRects_filename" in indexes
    plan = " ".join(str(r) for r in sql(tmp_path, 'EXPLAIN QUERY PLAN SELECT * FROM "DicomRects" WHERE filename = ?',
                                       (A,)))
    assert "dicom_ocr_DicomRects_filename" in plan
    assert sql(tmp_path, "PRAGMA journal_mode")[0][0] == "wal"
    dcmaudit(tmp_path).close()     # pydal still opens it with the index in place


def test_concurrent_reader_and_pydal_writer(tmp_path):
    AuditDB(tmp_path).close()
    reader = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute('SELECT COUNT(*) FROM "DicomRects"').fetchone()    # holds a read snapshot throughout
    errors: list[BaseException] = []
    inserted: list[int] = []

    def reviewer() -> None:
        pd = dcmaudit(tmp_path)
        try:
            for i in range(40):
                inserted.append(manual_rect(pd, f"/manual/{i}.dcm"))
                time.sleep(0.002)
        except BaseException as exc:    # reported to the test thread below
            errors.append(exc)
        finally:
            pd.close()

    thread = threading.Thread(target=reviewer)
    with AuditDB(tmp_path) as db:
        thread.start()
        for i in range(40):
            rects = rects_for(f"/scan/{i}.dcm", ["WORD"] * 5)
            db.write_file(done(f"/scan/{i}.dcm", rects), rects)
        thread.join()
        assert not errors
        assert len(db.files.finished_among([f"/scan/{i}.dcm" for i in range(40)], ("done",))) == 40
    assert reader.execute('SELECT COUNT(*) FROM "DicomRects"').fetchone()[0] == 0    # snapshot isolation held
    reader.execute("COMMIT")
    reader.close()
    assert sql(tmp_path, 'SELECT COUNT(*) FROM "DicomRects" WHERE last_modified_by = ?', ("alice",))[0][0] == 40
    assert sql(tmp_path, 'SELECT COUNT(*) FROM "DicomRects" WHERE last_modified_by = ?', ("dicom_ocr",))[0][0] == 240


def test_write_waits_for_another_writer(tmp_path):
    with AuditDB(tmp_path) as db:
        other = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute('INSERT INTO "DicomRects"(filename, last_modified_by) VALUES (?, ?)', (B, "bob"))
        timer = threading.Timer(0.4, lambda: other.execute("COMMIT"))
        timer.start()
        start = time.monotonic()
        rects = rects_for(A, ["JOHN"])
        db.write_file(done(A, rects), rects)
        assert time.monotonic() - start >= 0.3
        timer.join()
        other.close()
        assert db.files.finished_among([A, B], ("done",)) == {A}
    assert sql(tmp_path, 'SELECT last_modified_by FROM "DicomRects" WHERE filename = ?', (B,)) == [("bob",)]


def test_reviewed_rects(tmp_path):
    with AuditDB(tmp_path) as db:
        ours = rects_for(A, ["JOHN"])
        db.write_file(done(A, ours), ours)
        pd = dcmaudit(tmp_path)
        try:
            manual_rect(pd, A, frame=2)
            manual_rect(pd, B)
            manual_rect(pd, "/data/c.dcm")
            for name, mark, comment, rows in ((A, False, None, 480), (B, True, "look again", 480),
                                              ("/data/c.dcm", None, "fine", 600)):
                pd.DicomTags.insert(filename=name, mark=mark, comment=comment, Modality="US",
                                    ImageType='["ORIGINAL", "PRIMARY"]', Rows=rows, Columns=640,
                                    ManufacturerModelName="Acme X", last_modified=datetime.now())
            pd.commit()
        finally:
            pd.close()
        found = list(db.rects.reviewed())
        assert sorted((r.filename, r.frame, r.ocrtext) for r in found) == [
            (A, 0, "JOHN"), (A, 2, ""), ("/data/c.dcm", 0, "")]
        assert all(r.box != Box(-1, -1, -1, -1) for r in found)
        similar = list(db.rects.reviewed(modality="US", imagetype='["ORIGINAL", "PRIMARY"]', rows=480, columns=640,
                                         manufacturer_model_name="Acme X"))
        assert {r.filename for r in similar} == {A}
        manual = [r for r in similar if r.ocrengine == -1][0]
        assert (manual.box, manual.rows, manual.modality, manual.last_modified_by) == (
            Box(30, 10, 40, 20), 480, "US", "alice")


def test_csv_and_jsonl(tmp_path):
    a = rects_for(A, ["JOHN", "SMITH"])
    b = [RectRow(B, Box(0, 0, 99, 19), 1, 2, 51, "", -1, -1, "rule:LABEL", "recipe", None)]
    out_csv, out_jsonl = tmp_path / "out.csv", tmp_path / "out.jsonl"
    with CsvExporter(out_csv, ocr_names={51: "rule"}) as c, JsonlExporter(out_jsonl, ner_names={70: "ours"}) as j:
        c.write_file(a, imagetype="ORIGINAL\\PRIMARY", manufacturer="Acme", burnedinannotation="YES")
        j.write_file(a, imagetype="ORIGINAL\\PRIMARY")
        assert len(out_csv.read_text().splitlines()) == 4     # flushed per file
    with CsvExporter(out_csv, ocr_names={51: "rule"}) as c, JsonlExporter(out_jsonl) as j:    # appends
        c.write_file(b)
        j.write_file(b)
    with open(out_csv, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(CSV_COLUMNS) and len(rows) == 5
    assert rows[1] == [A, "0", "-1", "ORIGINAL\\PRIMARY", "Acme", "YES", "tesseract", "0", "1", "4", "9", "JOHN",
                       "70", "1"]
    assert rows[3][7:12] == ["-1", "-1", "-1", "-1", "JOHN SMITH"]
    assert rows[4] == [B, "1", "2", "", "", "", "rule", "0", "0", "99", "19", "", "none", "-1"]
    objs = [json.loads(line) for line in out_jsonl.read_text().splitlines()]
    assert len(objs) == 4
    assert objs[0]["ner_engine"] == "ours" and objs[0]["confidence"] == pytest.approx(0.5)
    assert objs[0]["source"] == "tesseract" and objs[0]["reason"] == "name-like" and objs[0]["summary"] is False
    assert objs[2]["summary"] is True and objs[2]["left"] == -1
    assert objs[3] == {"filename": B, "frame": 1, "overlay": 2, "left": 0, "top": 0, "right": 99, "bottom": 19,
                       "summary": False, "ocrengine": 51, "ocr_engine": "ctp-rule", "ocrtext": "", "nerengine": -1,
                       "ner_engine": "none", "nerpii": -1, "source": "rule:LABEL", "reason": "recipe",
                       "confidence": None, "imagetype": "", "manufacturer": "", "burnedinannotation": ""}


def test_a_file_with_only_rule_regions_counts_as_no_text_read(tmp_path):
    rule = [RectRow(A, Box(0, 0, 99, 19), 0, -1, 50, "[deid.dicom:Corner]", -1, -1, "rule", "recipe")]
    with AuditDB(tmp_path) as db:
        db.write_file(FileRecord(A, "done", n_planes=1, n_regions=0, has_phi=False), rule)
        s = status_summary(db)
    assert (s["with_text"], s["technical_only"], s["no_text"]) == (0, 0, 1)


def test_what_reports_read_facts_records_phi_rows_and_tagged_scanners(tmp_path):
    with AuditDB(tmp_path) as db:
        ours = rects_for(A, ["JOHN", "DOE"])
        db.write_file(done(A, ours), ours)
        db.write_file(FileRecord(B, "error", error_cause="not-dicom", error_message="x"), [])
        pd = dcmaudit(tmp_path)
        try:
            pd.DicomTags.insert(filename=A, Modality="US", ManufacturerModelName="Acme X", last_modified=datetime.now())
            pd.commit()
        finally:
            pd.close()
        facts = db.files.facts()
        assert [(f.filename, f.state, f.n_regions, f.has_phi, f.error_cause) for f in facts] == [
            (A, "done", 2, True, None), (B, "error", 0, None, "not-dicom")]
        assert db.files.record(A) == db.files.records()[A] and db.files.record("/data/none.dcm") is None
        assert db.rects.phi_counts() == {A: 3}                  # two regions and the summary row
        assert db.tags.scanners() == {A: ("US", "Acme X")}


def test_read_only_open_creates_and_changes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no audit DB"):
        AuditDB.read_only(tmp_path / "none")
    assert not (tmp_path / "none").exists()
    plain = tmp_path / "plain.sqlite"
    conn = sqlite3.connect(plain)
    conn.execute('CREATE TABLE "DicomRects" (filename, top, ocrengine)')
    conn.commit()
    conn.close()
    with AuditDB.read_only(plain) as db:
        assert db.path == plain and db.tables.table_names() == ["DicomRects"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.sqlite"]     # no tables, no migration files
    rects = rects_for(A, ["JOHN"])
    with AuditDB(tmp_path / "db") as db:
        db.write_file(done(A, rects), rects)
    with AuditDB.read_only(tmp_path / "db") as db:                 # a directory, or the file itself
        assert [r.ocrtext for r in db.rects.of(A)] == ["JOHN", "JOHN"]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.rects.set_verdicts({1: 0})
    with AuditDB.read_only(tmp_path / "db" / DB_NAME) as db:
        assert db.files.record(A) is not None


def test_other_tools_rows_are_added_and_never_taken_for_ours(tmp_path):
    peer = [RectRow(A, Box(0, 0, 9, 9), -1, -1, 50, "", -1, 1), RectRow(A, Box(5, 5, 20, 8), 0, -1, 1, "", -1, 1)]
    with AuditDB(tmp_path) as db:
        db.rects.add_others(peer, "peers.py")
        with pytest.raises(ValueError, match="own rows"):
            db.rects.add_others(peer, "dicom_ocr")
        ours = rects_for(A, ["JOHN"])
        db.write_file(done(A, ours), ours)
        assert [r.ocrtext for r in db.rects.of(A)] == ["JOHN", "JOHN"]
        assert sorted(db.rects.boxes(A)) == sorted([(Box(0, 0, 9, 9), -1, -1), (Box(5, 5, 20, 8), 0, -1),
                                                    (Box(0, 1, 4, 9), 0, -1)])
    assert sql(tmp_path, 'SELECT last_modified_by, COUNT(*) FROM "DicomRects" GROUP BY 1 ORDER BY 1') == [
        ("dicom_ocr", 2), ("peers.py", 2)]


def test_verdicts_are_read_and_set_on_our_read_rects_only(tmp_path):
    with AuditDB(tmp_path) as db:
        ours = rects_for(A, ["JOHN", "Gain"])                          # two read rects and the summary row
        db.write_file(done(A, ours), ours)
        db.rects.add_others([RectRow(A, Box(0, 0, 9, 9), 0, -1, 1, "Gain", 70, 1)], "peers.py")
        found = db.rects.verdicts(70)
        assert [(v.filename, v.text, v.nerpii) for v in found] == [(A, "JOHN", 1), (A, "Gain", 1)]
        assert db.rects.verdicts(71) == []
        theirs = sql(tmp_path, 'SELECT id FROM "DicomRects" WHERE last_modified_by = ?', ("peers.py",))[0][0]
        db.rects.set_verdicts({found[1].rect_id: 0, theirs: 0})
        assert [v.nerpii for v in db.rects.verdicts(70)] == [1, 0]
        assert [r.nerpii for r in db.rects.of(A)] == [1, 0, 1]          # the summary row is left as it was
    assert sql(tmp_path, 'SELECT nerpii FROM "DicomRects" WHERE id = ?', (theirs,)) == [(1,)]


def test_rects_at_a_relative_path_and_their_count_by_engine(tmp_path):
    with AuditDB(tmp_path) as db:
        ours = rects_for("/x/a/b.dcm", ["JOHN"])
        db.write_file(done("/x/a/b.dcm", ours), ours)
        db.rects.add_others([RectRow("/y/a/b.dcm", Box(0, 0, 9, 9), -1, -1, 50, "", -1, 1),
                             RectRow("/x/ca/b.dcm", Box(0, 0, 9, 9), 0, -1, 1, "", -1, 1)], "peers.py")
        found = db.rects.at_path("a/b.dcm")
        assert sorted(found) == [(Box(0, 0, 9, 9), -1, -1, 50), (Box(0, 1, 4, 9), 0, -1, 1)]   # no summary row
        assert db.rects.at_path("/x/a/b.dcm") == [(Box(0, 1, 4, 9), 0, -1, 1)]
        assert db.rects.count_at_path("a/b.dcm", (1, 2, 3)) == 1
        assert db.rects.count_at_path("a/b.dcm", (1, 50)) == 2
        assert db.rects.count_at_path("a/b.dcm", ()) == 0


def test_table_rows_without_ids_and_times(tmp_path):
    rects = rects_for(A, ["JOHN"])
    with AuditDB(tmp_path) as db:
        db.write_file(done(A, rects), rects)
        db.rects.add_others([RectRow(B, Box(0, 0, 9, 9), 0, -1, 1, "", -1, 1)], "peers.py")
        files = db.table_rows("dicom_ocr_files", {"finished_at", "seconds_total"})
        assert files.columns[:3] == ("filename", "state", "error_cause") and "finished_at" not in files.columns
        assert len(files.rows) == 1 and files.rows[0][:2] == (A, "done")
        assert db.table_rows("no_such_table") == TableRows((), [])
        joined = db.rects.with_sources({"id", "last_modified"})
        assert joined.columns == ("filename", "top", "bottom", "left", "right", "frame", "overlay", "ocrengine",
                                  "ocrtext", "nerengine", "nerpii", "last_modified_by", "source", "reason",
                                  "confidence")
        assert sorted(joined.rows, key=repr) == sorted([
            (A, 1, 9, 0, 4, 0, -1, 1, "JOHN", 70, 1, "dicom_ocr", "tesseract", "name-like", 0.5),
            (A, -1, -1, -1, -1, 0, -1, 1, "JOHN", 70, 1, "dicom_ocr", "", "", None),
            (B, 0, 9, 0, 9, 0, -1, 1, "", -1, 1, "peers.py", None, None, None)], key=repr)
    plain = tmp_path / "plain.sqlite"
    conn = sqlite3.connect(plain)
    conn.execute('CREATE TABLE "DicomRects" (id INTEGER PRIMARY KEY, filename, top)')
    conn.execute('INSERT INTO "DicomRects"(filename, top) VALUES (?, ?)', (A, 3))
    conn.commit()
    conn.close()
    with AuditDB.read_only(plain) as db:                      # no dicom_ocr_rects: no columns of it
        assert db.rects.with_sources({"id"}) == TableRows(("filename", "top"), [(A, 3)])


def db_libraries_imported(module: Path) -> set[str]:
    """The DB libraries ``module`` imports anywhere (top level or inside a function)."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & DB_LIBRARIES


def test_only_the_store_imports_the_db_libraries():
    store = PACKAGE / "store"
    outside = {str(path.relative_to(PACKAGE)): found for path in sorted(PACKAGE.rglob("*.py"))
               if store not in path.parents and (found := db_libraries_imported(path))}
    assert outside == {}
    assert set().union(*map(db_libraries_imported, store.glob("*.py"))) == DB_LIBRARIES   # the check sees imports
