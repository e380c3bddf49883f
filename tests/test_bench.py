"""python -m dicom_ocr.bench: score (a real scan of a tiny synthetic set, scored by shared/bench/score.py, reported per
case), peers, text-free, stages and archive (a tiny archive scanned by the old and the new code)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dicom_ocr.bench import archive, peers, score, stages, textfree
from dicom_ocr.bench.__main__ import COMMANDS, main
from dicom_ocr.bench.scorer import REPO, default_scorer
from dicom_ocr.bench.timing import TIME
from dicom_ocr.store.files import FileFacts

from scriptmodules import SCRIPTS, load_script

SCORER = default_scorer()          # $DICOM_OCR_SCORER, else ../shared/bench/score.py beside the repository
CASES = ["varied", "small-7px", "green-on-grey", "low-contrast", "dark-on-light", "monochrome1"]
RATES = ("recall_all", "recall_phi", "mean_coverage", "file_recall", "file_false_alarm", "precision")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    subprocess.run([sys.executable, str(SCRIPTS / "make_synthetic.py"), "--out", str(out), "--n", "6", "--seed", "2"],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def run(synthetic, tmp_path_factory):
    if not SCORER.exists():
        pytest.skip("../shared/bench/score.py is not here")
    out = tmp_path_factory.mktemp("bench") / "result.json"
    command = [sys.executable, "-m", "dicom_ocr.bench", "score", "--gt", str(synthetic / "gt.json"), "--root",
               str(synthetic), "--ocr", "tesseract:top", "--jobs", "1", "--out", str(out), "--scorer", str(SCORER)]
    markdown = subprocess.run(command, check=True, capture_output=True, text=True, timeout=120, cwd=REPO).stdout
    return markdown, json.loads(out.read_text()), json.loads((synthetic / "gt.json").read_text())


def test_one_row_per_case_with_scores_in_range(run):
    _, result, gt = run
    assert [g["group"] for g in result["groups"]] == CASES
    assert sum(g["files"] for g in result["groups"]) == result["n_files"] == 6
    assert sum(g["boxes"] for g in result["groups"]) == result["n_gt_boxes"] == sum(len(f["boxes"]) for f in gt["files"])
    for row in [result, *result["groups"]]:
        for key in RATES:
            assert row[key] is None or 0.0 <= row[key] <= 1.0, (row.get("group"), key, row[key])
        assert row["over_redaction_pct"] is None or 0.0 <= row["over_redaction_pct"] <= 100.0
    assert result["recall_all"] > 0  # tesseract reads at least some of the large, high-contrast lines


def test_case_rows_add_up_to_the_scorer_totals(run):
    _, result, _ = run
    covered = sum(round(g["recall_all"] * g["boxes"]) for g in result["groups"] if g["boxes"])
    assert covered == round(result["recall_all"] * result["n_gt_boxes"])


def test_speed_and_memory_are_measured(run):
    _, result, _ = run
    assert result["exit_status"] == 0
    assert result["wall_s"] > 0 and result["planes"] >= 6
    assert result["files_per_s"] == pytest.approx(6 / result["wall_s"])
    assert result["frames_per_s"] == pytest.approx(result["planes"] / result["wall_s"])
    assert result["cpu_s"] > 0
    if TIME.exists():
        assert 10 < result["peak_rss_mib"] < 4096


def test_markdown_table_has_overall_and_case_rows(run):
    markdown, result, _ = run
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| case | files | GT boxes | recall all")
    assert rows[1].startswith("| **all** | 6 | ")
    assert [r.split(" | ")[0][2:] for r in rows[2:]] == CASES
    assert "files/s" in markdown and "peak RSS" in markdown


def test_groups_fall_back_to_folders_and_count_phi_separately():
    gt = {"files": [
        {"path": "a/1.dcm", "boxes": [{"phi": True}, {"phi": False}]},
        {"path": "a/2.dcm", "boxes": [], "text_present": False},
        {"path": "b/3.dcm", "boxes": [{"phi": True}]},
    ]}
    per_file = [
        dict(path="a/1.dcm", text_present=True, n_pred=2, n_ocr=2, n_ocr_ok=1, coverage=[0.5, 0.9], over_pct=1.0),
        dict(path="a/2.dcm", text_present=False, n_pred=1, n_ocr=1, n_ocr_ok=0, coverage=[], over_pct=3.0),
        dict(path="b/3.dcm", text_present=True, n_pred=0, n_ocr=0, n_ocr_ok=0, coverage=[0.0], over_pct=0.0),
    ]
    a, b = score.group_scores(gt, per_file)
    assert (a["group"], a["files"], a["boxes"]) == ("a", 2, 2)
    assert (a["recall_all"], a["recall_phi"], a["mean_coverage"]) == (0.5, 0.0, 0.7)
    assert (a["file_recall"], a["file_false_alarm"], a["precision"], a["over_redaction_pct"]) == (1.0, 1.0, 1 / 3, 2.0)
    assert (b["group"], b["recall_all"], b["file_recall"], b["precision"], b["file_false_alarm"]) == ("b", 0.0, 0.0,
                                                                                                     None, None)
    gt["files"][0]["case"] = "x"
    assert [g["group"] for g in score.group_scores(gt, per_file)] == ["x", "a", "b"]
    assert [g["group"] for g in score.group_scores(gt, per_file, by="folder")] == ["a", "b"]


def test_mask_rects_cover_exactly_the_marked_pixels():
    import numpy as np
    mask = np.zeros((9, 12), bool)
    mask[1:4, 2:6] = True
    mask[3:7, 8:12] = True
    mask[5, 0] = True
    rects = peers.mask_rects(mask)
    painted = np.zeros_like(mask)
    for left, top, right, bottom in rects:
        assert not painted[top:bottom + 1, left:right + 1].any()     # no overlap
        painted[top:bottom + 1, left:right + 1] = True
    assert (painted == mask).all()
    assert (2, 1, 5, 3) in rects and len(rects) == 3


def test_deid_area_follows_clean_order_and_exclusive_max():
    results = {"results": [{"coordinates": [[0, "all"], [1, "10,0,20,5"]]}, {"coordinates": [[0, ["0,0,4,2"]]]}]}
    rects = peers.deid_cleaned_area(results, rows=8, cols=30)
    import numpy as np
    painted = np.zeros((8, 30), bool)
    for left, top, right, bottom in rects:
        painted[top:bottom + 1, left:right + 1] = True
    expected = np.ones((8, 30), bool)
    expected[0:5, 10:20] = False                                      # keepcoordinates re-opens x 10-19, y 0-4
    assert (painted == expected).all()
    assert peers.deid_cleaned_area({"results": [{"coordinates": []}]}, 8, 30) == []


def test_deid_peer_db_is_scored_on_a_real_ultrasound_file(tmp_path):
    if not SCORER.exists():
        pytest.skip("../shared/bench/score.py is not here")
    from deid.data import get_dataset
    source = Path(get_dataset("ultrasounds")) / "GREYSCALE_IMAGE.dcm"   # deid's EPIQ rule: 0,0,1024,49
    gt = {"version": 1, "files": [{"path": source.name, "text_present": True, "frames": 1, "boxes": [
        {"frame": 0, "overlay": -1, "left": 100, "top": 10, "right": 300, "bottom": 40, "text": "x", "phi": True},
        {"frame": 0, "overlay": -1, "left": 100, "top": 300, "right": 300, "bottom": 330, "text": "y", "phi": False}]}]}
    gt_path = tmp_path / "gt.json"
    gt_path.write_text(json.dumps(gt))
    result = peers.run_peer("deid", gt_path, source.parent, tmp_path / "db", "case", SCORER)
    assert result["exit_status"] == 0 and result["n_failed"] == 0
    assert result["recall_phi"] == 1.0 and result["recall_all"] == 0.5
    assert result["rects_by_engine"] == {"50": 1} and result["flagged"]["text_files"] == 1.0
    assert result["groups"][0]["group"] == "(root)"


def test_presidio_peer_runs_and_counts_multiframe_as_failure(tmp_path, synthetic):
    pytest.importorskip("presidio_image_redactor")
    if not SCORER.exists():
        pytest.skip("../shared/bench/score.py is not here")
    import shutil

    from pydicom.data import get_testdata_file
    cine = get_testdata_file("emri_small.dcm", download=False)          # 10 frames, no burned-in text
    shutil.copy(cine, tmp_path / "cine.dcm")
    shutil.copy(synthetic / "0000-varied.dcm", tmp_path / "varied.dcm")
    entry = next(f for f in json.loads((synthetic / "gt.json").read_text())["files"] if f["case"] == "varied")
    gt = {"version": 1, "files": [dict(entry, path="varied.dcm"),
                                  {"path": "cine.dcm", "text_present": False, "frames": 10, "boxes": []}]}
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    result = peers.run_peer("presidio", tmp_path / "gt.json", tmp_path, tmp_path / "db", "case", SCORER)
    assert result["exit_status"] == 0
    assert list(result["failed"]) == [str((tmp_path / "cine.dcm").resolve())]
    assert result["ner"] and set(result["rects_by_engine"]) <= {"1"}
    assert [g["group"] for g in result["groups"]] == ["varied", "(root)"]


def test_text_free_files_come_from_the_manifest_and_rects_are_counted_per_file(tmp_path):
    import sqlite3
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    header = "| file | from | licence | modality | frames | size | photometric | syntax | overlays | BIA | text visible | what |"
    rows = ["| a/blank.dcm | x | x | CT | 1 | 1 | M2 | x | no |  | no | nothing |",
            "| a/logo.dcm | x | x | XC | 1 | 1 | RGB | x | no |  | no (tiny logo) | a logo |",
            "| a/text.dcm | x | x | US | 1 | 1 | RGB | x | no |  | yes | a name |"]
    (corpus / "MANIFEST.md").write_text("\n".join([header, "|---|", *rows]) + "\n")
    files = textfree.text_free_files(corpus)
    assert files == {"a/blank.dcm": "no", "a/logo.dcm": "no (tiny logo)"}
    db = tmp_path / "db.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE DicomRects (filename, top, ocrengine)")
    con.executemany("INSERT INTO DicomRects VALUES (?, ?, ?)", [
        ("/x/a/blank.dcm", 5, 6), ("/x/a/blank.dcm", -1, 6),    # one OCR rect, one summary row
        ("/x/a/logo.dcm", 3, 60),                                # a rule row: not an OCR rect
        ("/x/a/text.dcm", 5, 6)])
    con.commit()
    assert textfree.rects_per_file(db, files) == {"a/blank.dcm": 1, "a/logo.dcm": 0}


def test_stage_times_split_a_scan_by_stage_through_the_detectors_hook(tmp_path, capsys):
    from dicomfactory import base_dataset, save, with_pixels
    from textimages import draw_lines
    image = draw_lines((128, 320), [("SMITH JOHN", (10, 40)), ("L", (280, 110))], scale=1.0)
    save(with_pixels(base_dataset(), image), tmp_path / "a.dcm")
    save(with_pixels(base_dataset(), image), tmp_path / "b.dcm")
    (tmp_path / "notes.txt").write_text("not DICOM")              # skipped, not fatal
    times = stages.measure(sorted(str(p) for p in tmp_path.iterdir()))
    assert times.planes == times.read == 2
    assert {"detect:plain", "detect:x2", "recognise"} <= set(times.stages)
    plain, enlarged = times.stages["detect:plain"], times.stages["detect:x2"]
    assert plain.calls == enlarged.calls == 2 and plain.units >= 2 * 128 * 320
    assert enlarged.units > 4 * plain.units * 0.9                              # enlarged at least x2 per side
    assert times.stages["recognise"].units >= 4                                # two lines on each plane
    assert sum(stage.seconds for stage in times.stages.values()) <= times.total
    assert main(["stages", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| detection, enlarged |" in out and "| rapidocr:lines | 2 |" in out
    assert "SMITH" not in out                                                 # never the text


def test_every_command_has_its_help(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: python -m dicom_ocr.bench {name}")


def test_text_free_report_counts_the_logo_file_apart():
    files = {"a/blank.dcm": "no", "a/clean.dcm": "no", "a/logo.dcm": "no (tiny logo)"}
    lines = textfree.report(files, {"a/blank.dcm": 2, "a/clean.dcm": 0, "a/logo.dcm": 1})
    assert lines == ["   2 rects  a/blank.dcm", "   1 rects  a/logo.dcm  (no (tiny logo))",
                     "1 of 2 text-free files have rects; the logo file: 1"]


ARCHIVE_FIGURES = ("files (scanned and recorded)", "scan wall s, --jobs 2 (exit status)", "files/hour, all (wall time)",
                   "files/hour, series (per-file seconds x 2 workers)",
                   "files/hour, radiograph (per-file seconds x 2 workers)",
                   "files/hour, text (per-file seconds x 2 workers)", "s per plane read, files with text",
                   "s per plane read, files without text", "peak RSS MiB, largest process",
                   "peak RSS MiB, largest worker (sampled)",
                   "peak worker RSS MiB per 1,000 files done, in order (sampled)", "DB MiB per 1,000 files",
                   "resume of the finished scan, wall s (exit status)", "status wall s (exit status)",
                   "report --sample 50 wall s (exit status)", "recall, boxes (coverage >= 0.8)", "recall, PHI boxes",
                   "file recall, files with text", "file false alarm, files without text")


@pytest.fixture(scope="module")
def archive_printed(tmp_path_factory) -> str:
    """What the archive command prints on 4 files, old = this checkout, new with an engine option."""
    make_archive = load_script("make_archive")
    if not SCORER.exists() or not make_archive.CORPUS.is_dir():
        pytest.skip("../shared is not here")
    out = tmp_path_factory.mktemp("archive")
    make_archive.main(["--out", str(out), "--n", "4", "--per-series", "2", "--mix", "series=2,radiograph=1,text=1"])
    command = [sys.executable, "-m", "dicom_ocr.bench", "archive", str(out), "--old", str(REPO), "--jobs", "2",
               "--scorer", str(SCORER), "--engine-option", "rapidocr.max_detect_pixels=2200000"]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=900, cwd=REPO).stdout


def archive_tables(printed: str) -> dict[str, dict[str, str]]:
    """The printed tables, figure -> value, per version."""
    tables: dict[str, dict[str, str]] = {}
    for line in printed.splitlines():
        if line.startswith("### "):
            version = tables.setdefault(line[4:].partition(":")[0], {})
        elif line.startswith("| ") and not line.startswith("| figure "):
            figure, value = line[2:-2].split(" | ")
            version[figure] = value
    return tables


def test_archive_prints_every_figure_for_both_versions(archive_printed):
    tables = archive_tables(archive_printed)
    assert list(tables) == ["old", "new"]
    headings = [line for line in archive_printed.splitlines() if line.startswith("### ")]
    assert "--engine-option" not in headings[0]
    assert headings[1].endswith("--engine-option rapidocr.max_detect_pixels=2200000")
    for table in tables.values():
        assert tuple(table) == ARCHIVE_FIGURES
        assert "n/a" not in table.values(), table
        assert table["files (scanned and recorded)"] == "4 (4)"
        assert all(table[figure].endswith("(0)") for figure in ARCHIVE_FIGURES if figure.endswith("(exit status)"))
        assert float(table["resume of the finished scan, wall s (exit status)"].split()[0]) < \
            float(table["scan wall s, --jobs 2 (exit status)"].split()[0])
        assert 10 < float(table["peak RSS MiB, largest worker (sampled)"]) <= float(table["peak RSS MiB, largest process"]) + 1
        assert float(table["peak worker RSS MiB per 1,000 files done, in order (sampled)"]) == \
            pytest.approx(float(table["peak RSS MiB, largest worker (sampled)"]), abs=0.6)
        for figure in ARCHIVE_FIGURES[-4:]:
            assert 0.0 <= float(table[figure]) <= 1.0


def test_archive_figures_split_per_file_records_by_class_and_text():
    files = {"series/a.dcm": {"case": "series", "text_present": False},
             "series/b.dcm": {"case": "series", "text_present": False},
             "text/c.dcm": {"case": "text", "text_present": True}}
    facts = {"series/a.dcm": FileFacts("/x/series/a.dcm", "done", None, 1, 0, False, 2.0),
             "series/b.dcm": FileFacts("/x/series/b.dcm", "done", None, 1, 0, False, 4.0),
             "text/c.dcm": FileFacts("/x/text/c.dcm", "done", None, 8, 3, True, 2.0)}
    assert archive.class_rates(facts, files, jobs=2) == {"series": 2400, "text": 3600}
    assert archive.seconds_per_plane(facts, files, text=False) == 3.0
    assert archive.seconds_per_plane(facts, files, text=True) == 0.25


def test_archive_worker_rss_is_split_by_the_thousand_files_done_when_sampled():
    finished = [float(second) for second in range(2500)]          # file k done at second k
    mib = 2 ** 20
    timeline = [(10.0, 100 * mib), (998.5, 300 * mib), (999.5, 200 * mib), (2400.0, 250 * mib), (9999.0, 400 * mib)]
    assert archive.rss_by_thousand(timeline, finished) == [300.0, 200.0, 400.0]    # 1,000 done at 999.5
    assert archive.rss_by_thousand([], finished[:10]) == [0.0]
