"""Which files a report shows (stratified sample, triage order) and how frames fold into plane groups."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from dicom_ocr.geometry import Box
from dicom_ocr.reports import write_report
from dicom_ocr.reports.classes import triage
from dicom_ocr.reports.grouping import group_planes
from dicom_ocr.reports.sampling import allocate, first_in_triage_order, stratified_sample
from dicom_ocr.reports.signatures import UNREADABLE, Signature, SignatureLookup
from dicom_ocr.sources import OCRENGINE_DEID_RULE
from dicom_ocr.store import AuditDB, FileFacts, FileRecord, RectRow

from dicomfactory import base_dataset, save, with_pixels

CINE = "orthanc-tests/Database/Issue164.dcm"     # US, 87 frames


def _archive(counts: dict[str, int]) -> list[FileFacts]:
    """The file facts of a scan with ``counts`` files per triage class."""
    make = {"phi": ("done", None, 3, True), "technical-only": ("done", None, 2, False),
            "no-text": ("done", None, 0, False), "error": ("error", "corrupt-pixel-data", 0, None)}
    return [FileFacts(f"/archive/{cls}/{i:06d}.dcm", state, cause, 1, regions, phi, 1.0)
            for cls, n in counts.items() for (state, cause, regions, phi) in [make[cls]] for i in range(n)]


def _scanner(filename: str) -> Signature:
    """Nine files in ten from one scanner, the rest from a rare one."""
    return Signature("US", "Rare") if int(filename[-10:-4]) % 10 == 0 else Signature("CT", "Common")


def test_allocate_gives_every_stratum_one_then_shares_by_size():
    assert allocate({"a": 900, "b": 90, "c": 10}, 10) == {"a": 7, "b": 2, "c": 1}
    assert allocate({"a": 900, "b": 0, "c": 3}, 10, {"c": 5}) == {"a": 7, "b": 0, "c": 3}
    assert allocate({"a": 2, "b": 1}, 10) == {"a": 2, "b": 1}
    assert allocate({"x": 5, "y": 5, "z": 5}, 2) == {"x": 1, "y": 1, "z": 0}


def test_sample_never_leaves_out_the_classes_where_a_miss_goes_unseen():
    records = _archive({"phi": 9000, "technical-only": 30, "no-text": 900, "error": 70})
    selection = stratified_sample(records, 40, seed=1, signature_of=_scanner)
    drawn = Counter(triage(r) for r in selection.records)
    assert sum(drawn.values()) == 40 and len({r.filename for r in selection.records}) == 40
    assert drawn["technical-only"] >= 4 and drawn["no-text"] >= 4 and drawn["error"] >= 1
    assert drawn["phi"] > drawn["no-text"]                    # the rest in proportion to class size
    classes = {s.triage: s for s in selection.strata if s.signature is None}
    assert classes["phi"].population == 9000 and classes["phi"].sampled == drawn["phi"]
    rare = [s for s in selection.strata if s.signature == Signature("US", "Rare")]
    assert len(rare) == 4 and [s.sampled >= 1 for s in rare] == [classes[s.triage].sampled >= 2 for s in rare]
    # the rare scanner is in the sample of every class that has room for two scanners
    assert selection.left_out == len(records) - 40


def test_sample_is_reproducible_with_its_seed_and_reads_few_headers():
    records = _archive({"phi": 5000, "technical-only": 500, "no-text": 5000, "error": 10})
    read: list[str] = []

    def counting(filename: str) -> Signature:
        read.append(filename)
        return _scanner(filename)

    first = stratified_sample(records, 20, seed=7, signature_of=counting)
    headers = len(read)
    again = stratified_sample(records, 20, seed=7, signature_of=_scanner)
    other = stratified_sample(records, 20, seed=8, signature_of=_scanner)
    assert [r.filename for r in first.records] == [r.filename for r in again.records]
    assert [r.filename for r in first.records] != [r.filename for r in other.records]
    assert headers <= 4 * 100 + 5 * 20      # a pool per class, not the archive


def test_without_sample_the_first_files_in_triage_order():
    records = _archive({"no-text": 2, "error": 1, "phi": 2, "technical-only": 1})
    chosen = first_in_triage_order(records, {"/archive/phi/000001.dcm": 5}, limit=4)
    assert [r.filename for r in chosen.records] == ["/archive/phi/000001.dcm", "/archive/phi/000000.dcm",
                                                    "/archive/technical-only/000000.dcm", "/archive/error/000000.dcm"]
    assert chosen.left_out == 2 and chosen.sample_size is None


def _ocr(frame: int, text: str, box: Box = Box(10, 5, 80, 14), pii: int = 1, overlay: int = -1) -> RectRow:
    return RectRow("f.dcm", box, frame, overlay, 6, text, 70, pii, "rapidocr", "pattern:time")


def test_a_clock_that_changes_every_frame_is_one_group_until_the_regions_change():
    rule = [RectRow("f.dcm", Box(0, 0, 99, 20), f, -1, OCRENGINE_DEID_RULE, "[r]", -1, -1, "r", "rule")
            for f in range(60)]
    clock = [_ocr(f, f"10:00:{f:02d}", Box(10, 5, 80 + f % 3, 14)) for f in range(60)]   # digits and width change
    name = [_ocr(f, "DOE^JOHN", Box(10, 30, 80, 40)) for f in range(20, 40)]             # a name on frames 20-39
    cleared = [_ocr(f, "10:00:59", Box(10, 5, 80, 14), pii=0) for f in (59,)]             # a verdict that differs
    summary = [RectRow("f.dcm", None, f, -1, 6, "all text", 70, 1) for f in range(60)]
    groups = group_planes(rule + clock[:59] + name + cleared + summary, {-1: 60})
    assert [(g.frame, g.frames_label) for g in groups] == [(0, "0–19, 40–58"), (20, "20–39"), (59, "59")]
    texts = {r.rect.ocrtext: r.texts for r in groups[0].regions}
    assert texts["10:00:00"] == [f"10:00:{f:02d}" for f in (*range(20), *range(40, 59))] and texts["[r]"] == ["[r]"]
    assert sorted(r.ocrtext for r in groups[1].rects) == ["10:00:20", "DOE^JOHN", "[r]"]


def test_planes_with_nothing_found_and_results_that_come_back_fold_together():
    rows = [_ocr(f, "A") for f in (0, 1, 5, 6)] + [_ocr(0, "ov", overlay=0)]
    groups = group_planes(rows, {-1: 8, 0: 2})
    assert [(g.overlay, g.frame, g.frames_label, len(g.rects)) for g in groups] == [
        (-1, 0, "0–1, 5–6", 1), (-1, 2, "2–4, 7", 0), (0, 0, "0", 1), (0, 1, "1", 0)]
    assert group_planes([], {-1: 1})[0].rects == []                           # a text-free file still has its plane


def test_an_87_frame_cine_with_the_same_regions_on_every_frame_shows_one_picture(shared, tmp_path: Path):
    cine = str(shared / "corpus" / CINE)
    rows = [RectRow(cine, Box(20, 10, 300, 40), f, -1, 6, "GE Healthcare 4C", 70, 0, "rapidocr", "vocabulary")
            for f in range(87)]
    rows += [RectRow(cine, Box(0, 0, 974, 60), f, -1, OCRENGINE_DEID_RULE, "[deid.dicom:GE top]", -1, -1,
                     "deid.dicom:GE top", "named by a rule, not read") for f in range(87)]
    with AuditDB(tmp_path / "db") as db:
        db.write_file(FileRecord(cine, "done", n_planes=87, n_regions=87, has_phi=False), rows)
    out = tmp_path / "cine"
    summary = write_report(tmp_path / "db", out)
    page = (out / "index.html").read_text()
    assert summary.pictures == 2 and len(list((out / "images").iterdir())) == 2      # one thumbnail + its full size
    assert re.findall(r'data-frames="([^"]+)"', page) == ["0–86"]
    assert page.count("<tr class=") == 2 and "deid.dicom:GE top" in page            # one table row per region


def test_the_seed_picks_among_signatures_of_equal_size():
    records = _archive({"phi": 12})
    one_each = {r.filename: Signature("CT", r.filename[-6:-4]) for r in records}   # twelve scanners, one file each
    drawn = {tuple(r.filename for r in stratified_sample(records, 3, seed, one_each.__getitem__).records)
             for seed in range(5)}
    assert len(drawn) > 1


def test_signatures_come_from_dcmaudit_tags_else_from_the_header(tmp_path):
    header = str(save(with_pixels(base_dataset(Modality="MR", ManufacturerModelName="Avanto"), np.zeros((8, 8), np.uint8)),
                      tmp_path / "mr.dcm"))
    lookup = SignatureLookup({"/tagged.dcm": ("US", "Vivid7"), "/untagged.dcm": ("NoModality", None)})
    assert lookup("/tagged.dcm") == Signature("US", "Vivid7") and lookup.headers_read == 0
    assert lookup(header) == Signature("MR", "Avanto") and lookup(header).label == "MR · Avanto"
    assert lookup("/untagged.dcm") == UNREADABLE and lookup.headers_read == 2     # dcmaudit's placeholder: read


def test_signatures_the_scan_stored_need_no_header_and_yield_to_dcmaudit_tags():
    lookup = SignatureLookup({"/a.dcm": ("US", "Vivid7")}, {"/a.dcm": ("US", "old"), "/b.dcm": ("CT", ""),
                                                            "/c.dcm": ("", "Avanto")})
    assert lookup("/a.dcm") == Signature("US", "Vivid7")                       # the reviewer's tool's values win
    assert lookup("/b.dcm") == Signature("CT", "no model") and lookup("/c.dcm") == Signature("no modality", "Avanto")
    assert lookup.headers_read == 0
