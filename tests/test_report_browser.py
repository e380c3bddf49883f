"""A report of a real scan (a cine, a text-free cine, an overlay, a truncated file) as headless Chromium shows it."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from dicom_ocr.cli import main
from dicom_ocr.reports import PHI_WARNING

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/setup.sh installs it)")
FILES = {"cine": "examples_ybr_color.dcm",            # US, 30 frames, text in the top left corner
         "text-free": "emri_small.dcm",               # MR, 10 frames, no text
         "overlay": "examples_overlay.dcm",           # MR with a 60xx overlay
         "failed": "emri_small_jpeg_2k_lossless_too_short.dcm"}   # truncated inside the pixel data
WINDOW = (1200, 2600)


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={tmp / 'profile'}", f"--window-size={WINDOW[0]},{WINDOW[1]}", *args],
                          capture_output=True, text=True, timeout=120, check=True)


def _screenshot(tmp: Path, url: str, name: str) -> np.ndarray:
    _chromium(tmp, f"--screenshot={tmp / name}", url)
    return cv2.imread(str(tmp / name))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The four files scanned by the real CLI with the cheapest engine setting (Tesseract on the plain plane)."""
    tmp = tmp_path_factory.mktemp("browser")
    paths = {kind: get_testdata_file(name, download=False) for kind, name in FILES.items()}
    if None in paths.values():
        pytest.skip("pydicom's test files are not all here")
    assert main(["scan", *paths.values(), "--db", str(tmp / "db"), "--ocr", "tesseract:plain", "-q"]) == 1  # one fails
    return tmp, paths


def test_the_report_shows_every_file_once_with_its_plane_groups(scanned):
    tmp, paths = scanned
    out = tmp / "spotcheck"
    assert main(["report", "--db", str(tmp / "db"), "--out", str(out), "--sample", "4", "--seed", "1"]) == 0
    dom = _chromium(tmp, "--dump-dom", (out / "index.html").as_uri()).stdout
    assert PHI_WARNING in dom
    sections = re.findall(r'<section class="file ([a-z-]+)" id="[^"]+">\s*<p><span[^>]*>[^<]*</span> '
                          r'<code class="path">([^<]+)</code>', dom)
    assert sorted(path for _, path in sections) == sorted(paths.values())    # each file once
    triage = {path: kind for kind, path in sections}
    assert triage[paths["failed"]] == "error" and triage[paths["text-free"]] == "no-text"
    figures = {path: re.findall(r'data-overlay="(-?\d+)" data-frames="([^"]+)"', body)
               for path, body in zip(re.findall(r'<code class="path">([^<]+)</code>', dom),
                                     re.split(r'<section class="file', dom)[1:])}
    assert figures[paths["cine"]] == [("-1", "0–29")]                        # 30 frames, one picture
    assert figures[paths["text-free"]] == [("-1", "0–9")]                    # shown although nothing was found
    assert ("0", "0") in figures[paths["overlay"]] and figures[paths["failed"]] == []
    assert "truncated inside the pixel data" in dom
    assert re.search(r'id="sample-method">A random sample of <b>4</b> of 4 files', dom)
    for bar in re.findall(r'<a href="#(bar-[a-z]+-[a-z0-9-]+)" class="bar', dom):   # every bar links to its list
        assert f'id="{bar}"' in dom


def test_pictures_are_drawn_on_screen_and_open_full_size(scanned):
    tmp, _ = scanned
    page, bare = tmp / "page.html", tmp / "bare.html"
    assert main(["report", "--db", str(tmp / "db"), "--out", str(page)]) == 0
    assert main(["report", "--db", str(tmp / "db"), "--out", str(bare), "--no-images"]) == 0
    assert page.stat().st_size < 1_000_000
    shot = _screenshot(tmp, page.as_uri(), "page.png")
    no_pictures = _screenshot(tmp, bare.as_uri(), "bare.png")
    banner = shot[10:40, 100:1000].reshape(-1, 3)
    assert tuple(np.median(banner, axis=0)) == (0xdd, 0xdd, 0xff)            # the PHI warning's pink (BGR) on top
    dark = (shot.max(axis=2) < 40).sum()
    assert dark - (no_pictures.max(axis=2) < 40).sum() > 100_000           # dark medical images on screen
    first_zoom = re.search(r'id="(zoom-[^"]+)"', page.read_text()).group(1)
    zoomed = _screenshot(tmp, f"{page.as_uri()}#{first_zoom}", "zoom.png")
    assert zoomed.mean() < 60 < shot.mean()                                  # the full-size view covers the page
