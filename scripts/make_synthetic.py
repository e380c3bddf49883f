#!/usr/bin/env python3
"""Write DICOM files with burned-in text and their exact ground truth (the format of ../shared/gt/FORMAT.md).

    python scripts/make_synthetic.py --out DIR --n N --seed S [--forms M] [--real R]

Backgrounds are real images from pydicom's test files, pydicom-data and deid-data (cropped to regions free of their own
burned-in text); text is rendered with PIL from the TrueType fonts under /usr/share/fonts. Every file gets a ``case``
(see CASES) so a benchmark can report scores per case. Boxes are tight around every pixel the text changed (glyphs
with antialiasing of alpha >= INK, and their outline where one is drawn; the set bits for overlays), one per line.
File ``i`` depends only on (seed, i), the installed fonts and the data packages: the same seed writes byte-identical
files and an identical gt.json.

``--forms M`` adds M scanned paper forms (case ``form``, after the N files): printed labels and rules, handwritten
entries in handwriting fonts, a signature scribble and sometimes a stamp, tilted, blurred and JPEG-compressed.

``--real R`` adds R files of the classes seen in real archives (REAL_CASES, in turn by file index, after the forms):
``marker`` (a lead marker L or R, sometimes on a plate, with the technologist's initials, turned and/or mirrored,
sometimes cut by the image edge, on a radiograph), ``scale-glyphs`` (lone 7-12 px depth digits beside their ticks,
orientation letters, stacked units and a placeholder clock around an ultrasound sector), ``label-line`` (a 600+ px
specimen label across the top of a slide scan, endoscopy frame or photograph) and ``anatomy-blobs`` (no text: discs
and rings, some shaped like O, 0, D or 6, on CT and MR). Without these options the output is what it always was.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixels import apply_color_lut, pack_bits
from pydicom.uid import (
    ExplicitVRLittleEndian,
    JPEGBaseline8Bit,
    MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
    MultiFrameTrueColorSecondaryCaptureImageStorage,
    SecondaryCaptureImageStorage,
    generate_uid,
)

log = logging.getLogger("make_synthetic")

CASES = ("varied", "small-7px", "green-on-grey", "low-contrast", "dark-on-light", "monochrome1", "overlay-60xx",
         "overlay-highbit", "cine-static", "cine-clock", "jpeg", "header-match", "header-mismatch", "no-text")
FONT_DIR = Path("/usr/share/fonts")
HANDWRITING_DIRS = ("breip", "ecolier-court", "femkeklaver", "fifthhorseman", "humor-sans")   # fonts of the forms only
INK = 0.25           # antialiasing fainter than this is not drawn: every changed pixel is text, inside its box
UID_PREFIX = "1.2.826.0.1.3680043.8.498."


@dataclass(frozen=True)
class Source:
    """A real image used as background; ``crop`` (top, left, bottom, right, exclusive) avoids its own text."""

    name: str
    file: str
    package: str = "pydicom"        # "pydicom" (test files and pydicom-data) or "deid"
    crop: tuple[int, int, int, int] | None = None
    cine: bool = False


SOURCES = (
    Source("CT_small", "CT_small.dcm"),
    Source("MR_small", "MR_small.dcm"),
    Source("CT-693", "693_UNCR.dcm"),
    Source("MR2", "MR2_UNCR.dcm"),
    Source("MR-abdomen", "MR-SIEMENS-DICOM-WithOverlays.dcm"),
    Source("NM-whole-body", "JPEG2000_UNC.dcm"),
    Source("CR-chest", "RG1_UNCR.dcm"),
    Source("CR-leg", "RG3_UNCR.dcm", crop=(0, 0, 1300, 1760)),
    Source("US-grey", "ultrasounds/GREYSCALE_IMAGE.dcm", "deid", crop=(90, 130, 705, 895)),
    Source("US-echo", "ultrasounds/RGB_IMAGE.dcm", "deid", crop=(90, 60, 730, 890)),
    Source("US-doppler", "US1_UNCR.dcm", crop=(100, 50, 345, 595)),
    Source("US-palette", "OBXXXX1A.dcm", crop=(60, 340, 270, 770)),
    Source("US-cine", "ultrasounds/ultrasound-multiframe.dcm", "deid", crop=(95, 95, 520, 650), cine=True),
    Source("MR-cine", "emri_small.dcm", cine=True),
    Source("photo-1", "dicom-cookies/image1.dcm", "deid"),     # photographs (of a specimen on a dark cloth)
    Source("photo-3", "dicom-cookies/image3.dcm", "deid"),
    Source("photo-5", "dicom-cookies/image5.dcm", "deid"),
)
GREY_SOURCES = ("CT_small", "MR_small", "CT-693", "MR2", "MR-abdomen", "NM-whole-body", "CR-chest", "CR-leg", "US-grey")
COLOUR_SOURCES = ("US-echo", "US-doppler", "US-palette")

FIRST = ("JOHN", "MARY", "AHMED", "LI", "SOFIA", "PIERRE", "AMARA", "KENJI", "OLGA", "CARLOS", "FATIMA", "JAMES",
         "NOOR", "ELENA", "DAVID", "GRACE", "YUSUF", "HANNA", "LUCAS", "MEI")
LAST = ("SMITH", "GARCIA", "NGUYEN", "MUELLER", "ROSSI", "OKAFOR", "TANAKA", "IVANOVA", "DUBOIS", "KOWALSKI",
        "HASSAN", "JOHANSSON", "PATEL", "OBRIEN", "SANTOS", "FISCHER", "WONG", "MARTIN", "ADEYEMI", "LARSEN")
INSTITUTIONS = ("ST. MARY MEDICAL CENTER", "CITY GENERAL HOSPITAL", "NORTHSIDE IMAGING", "Riverside Clinic",
                "UNIVERSITY HOSPITAL EAST", "Lakeview Radiology", "MERCY HEALTH", "County Memorial Hospital")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BRIGHT = ((255, 255, 255), (255, 255, 0), (0, 255, 0), (0, 255, 255), (255, 160, 0), (200, 200, 200), (255, 80, 80))


@dataclass
class Person:
    first: str
    last: str
    pid: str
    birth: tuple[int, int, int]
    sex: str
    study: tuple[int, int, int]
    clock: tuple[int, int, int]
    institution: str
    accession: str
    physician: str

    @property
    def age(self) -> int:
        return self.study[0] - self.birth[0] - (self.study[1:] < self.birth[1:])


@dataclass
class Line:
    text: str
    phi: bool
    frames: tuple[int, ...] | None = None   # None: on every frame; else the frames it is drawn on


@dataclass
class Sample:
    """One synthetic file before writing: its dataset, GT entry and the drawn ink per (frame, overlay) plane."""

    name: str
    dataset: Dataset
    entry: dict
    ink: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)


# ---------------------------------------------------------------- backgrounds

def _source_path(source: Source) -> Path:
    if source.package == "deid":
        import deid_data
        return Path(deid_data.__file__).parent / "data" / source.file
    found = get_testdata_file(source.file, download=False)
    if found is None:
        raise FileNotFoundError(f"{source.file}: install pydicom-data")
    return Path(found)


@lru_cache(maxsize=None)
def load_source(name: str) -> np.ndarray:
    """Frames x rows x columns [x 3] float32 in [0, 1], as displayed (MONOCHROME1 inverted, colour as RGB)."""
    source = next(s for s in SOURCES if s.name == name)
    ds = pydicom.dcmread(_source_path(source))
    pixels = ds.pixel_array
    frames = int(ds.get("NumberOfFrames") or 1)
    photometric = ds.PhotometricInterpretation
    if photometric == "PALETTE COLOR":
        pixels = apply_color_lut(pixels, ds)    # YBR pixels come as RGB already
    if frames == 1:
        pixels = pixels[None]
    if source.crop:
        top, left, bottom, right = source.crop
        pixels = pixels[:, top:bottom, left:right]
    low, high = (0, 255) if pixels.dtype == np.uint8 else np.percentile(pixels, (0.5, 99.5))
    pixels = pixels.astype(np.float32)
    display = np.clip((pixels - low) / max(high - low, 1e-6), 0, 1)
    return 1 - display if photometric == "MONOCHROME1" else display


def resize(frame: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Resize a float [0, 1] grey or RGB frame."""
    if frame.ndim == 2:
        image = Image.fromarray(frame.astype(np.float32)).resize((columns, rows), Image.BILINEAR)
        return np.asarray(image, np.float32).clip(0, 1)
    channels = [resize(np.ascontiguousarray(frame[..., c]), rows, columns) for c in range(3)]
    return np.stack(channels, axis=-1)


def background(rng: np.random.Generator, name: str, largest: int, frames: int = 1) -> np.ndarray:
    """A random window of source ``name``, resized so its longer side is ``largest``; frames x rows x columns [x 3]."""
    stack = load_source(name)
    rows, columns = stack.shape[1:3]
    height, width = (max(8, int(rows * rng.uniform(0.7, 1.0))), max(8, int(columns * rng.uniform(0.7, 1.0))))
    height, width = min(height, 2 * width), min(width, 2 * height)   # no strips: text needs room
    top, left = int(rng.integers(0, rows - height + 1)), int(rng.integers(0, columns - width + 1))
    start = int(rng.integers(0, len(stack) - frames + 1))
    scale = largest / max(height, width)
    out_rows, out_columns = max(32, round(height * scale)), max(32, round(width * scale))
    window = stack[start:start + frames, top:top + height, left:left + width]
    return np.stack([resize(np.ascontiguousarray(f), out_rows, out_columns) for f in window])


# ---------------------------------------------------------------- text

@lru_cache(maxsize=1)
def font_files() -> tuple[str, ...]:
    """The installed TrueType/OpenType printed fonts, sorted (math and handwriting fonts excluded)."""
    files = [p for p in FONT_DIR.rglob("*") if p.suffix.lower() in (".ttf", ".otf") and "math" not in p.name.lower()
             and p.parent.name not in HANDWRITING_DIRS]
    if not files:
        raise FileNotFoundError(f"no .ttf/.otf fonts under {FONT_DIR}: apt-get install fonts-dejavu-core")
    return tuple(sorted(str(p) for p in files))


@lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def render(text: str, font: str, size: int, antialias: bool) -> np.ndarray | None:
    """Alpha (float32, 0 or INK..1) of ``text``, cropped to what is drawn; None when nothing is."""
    face = _font(font, size)
    left, top, right, bottom = face.getbbox(text)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    draw = ImageDraw.Draw(canvas)
    draw.fontmode = "L" if antialias else "1"
    draw.text((2 - left, 2 - top), text, fill=255, font=face)
    alpha = np.asarray(canvas, np.float32) / 255
    alpha[alpha < INK] = 0
    if ink_box(alpha) is None:
        return None
    ys, xs = np.nonzero(alpha)
    return np.pad(alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1], 1)   # room for an outline


def ink_box(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) inclusive around alpha >= INK, or None."""
    ys, xs = np.nonzero(alpha >= INK)
    if len(ys) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


class Layout:
    """Stacks lines in the four corners of a plane without overlap."""

    def __init__(self, rows: int, columns: int, rng: np.random.Generator):
        self.rows, self.columns, self.rng = rows, columns, rng
        self.margin = int(rng.integers(2, 12))
        self.cursor = {"tl": self.margin, "tr": self.margin, "bl": rows - self.margin, "br": rows - self.margin}
        self.taken: list[tuple[int, int, int, int]] = []

    def place(self, size: tuple[int, int], corner: str, gap: int) -> tuple[int, int] | None:
        """Top-left (row, column) for a (height, width) block in ``corner``, or None when it does not fit."""
        height, width = size
        if width > self.columns - 2 * self.margin:
            return None
        top = self.cursor[corner] if corner[0] == "t" else self.cursor[corner] - height
        left = self.margin if corner[1] == "l" else self.columns - self.margin - width
        if top < self.margin or top + height > self.rows - self.margin:
            return None
        rect = (left - 2, top - 2, left + width + 1, top + height + 1)
        if any(r[0] <= rect[2] and rect[0] <= r[2] and r[1] <= rect[3] and rect[1] <= r[3] for r in self.taken):
            return None
        self.taken.append(rect)
        self.cursor[corner] = top + height + gap if corner[0] == "t" else top - gap
        return top, left


# ---------------------------------------------------------------- identities and lines

def _date(rng: np.random.Generator, first_year: int, last_year: int) -> tuple[int, int, int]:
    return int(rng.integers(first_year, last_year + 1)), int(rng.integers(1, 13)), int(rng.integers(1, 29))


def person(rng: np.random.Generator) -> Person:
    return Person(first=str(rng.choice(FIRST)), last=str(rng.choice(LAST)),
                  pid=str(rng.integers(10 ** 6, 10 ** 9)).zfill(int(rng.choice([7, 8, 10]))),
                  birth=_date(rng, 1930, 2015), sex=str(rng.choice(["M", "F"])), study=_date(rng, 2016, 2025),
                  clock=(int(rng.integers(7, 20)), int(rng.integers(0, 60)), int(rng.integers(0, 60))),
                  institution=str(rng.choice(INSTITUTIONS)), accession=f"A{rng.integers(10 ** 5, 10 ** 7)}",
                  physician=f"Dr. {rng.choice(LAST).title()}")


def _fmt_date(rng: np.random.Generator, date: tuple[int, int, int]) -> str:
    y, m, d = date
    return str(rng.choice([f"{m:02d}/{d:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}-{MONTHS[m - 1]}-{y}",
                           f"{y}/{m:02d}/{d:02d}", f"{d:02d}.{m:02d}.{y}"]))


def _fmt_clock(rng: np.random.Generator, clock: tuple[int, int, int]) -> str:
    h, m, s = clock
    return str(rng.choice([f"{h:02d}:{m:02d}:{s:02d}", f"{(h - 1) % 12 + 1}:{m:02d}:{s:02d} {'AM' if h < 12 else 'PM'}",
                           f"{h:02d}:{m:02d}"]))


def header_lines(rng: np.random.Generator, p: Person) -> list[Line]:
    """PHI lines whose values are also in the DICOM header (name, ID, dates, time)."""
    name = str(rng.choice([f"{p.last}, {p.first}", f"{p.first} {p.last}", f"{p.last}^{p.first}",
                           f"Name: {p.last} {p.first}", f"{p.last},{p.first}"]))
    pid = str(rng.choice([p.pid, f"ID: {p.pid}", f"MRN {p.pid}", f"PID {p.pid}"]))
    return [Line(name, True), Line(pid, True), Line(f"DOB: {_fmt_date(rng, p.birth)}", True),
            Line(f"{_fmt_date(rng, p.study)} {_fmt_clock(rng, p.clock)}", True)]


def phi_lines(rng: np.random.Generator, p: Person) -> list[Line]:
    others = [Line(str(rng.choice([f"{p.age:03d}Y {p.sex}", f"Age {p.age} {p.sex}", f"{p.age}Y/{p.sex}"])), True),
              Line(p.institution, True), Line(f"Acc: {p.accession}", True), Line(p.physician, True)]
    lines = header_lines(rng, p) + others
    keep = rng.choice(len(lines), size=int(rng.integers(2, 6)), replace=False)
    return [lines[i] for i in sorted(keep)]


def technical_lines(rng: np.random.Generator) -> list[Line]:
    r = rng.integers
    pool = [f"MI {r(1, 15) / 10:.1f} TIS {r(1, 15) / 10:.1f}", str(rng.choice(["C5-1", "L12-5", "S5-1", "6C1 HD"])),
            f"Depth {r(4, 25)}cm", f"kVp {r(70, 141)}", f"W:{r(50, 2000)} L:{r(-500, 500)}", "L", "R",
            f"mAs {r(5, 400)}", f"{r(10, 60)}Hz", f"Gain {r(20, 80)}", f"ST {r(5, 100) / 10:.1f}mm",
            f"Im: {r(1, 50)}/{r(50, 200)}", f"Se: {r(1, 20)}", "THI", f"FOV {r(15, 50)}cm", "AP", "PORTABLE",
            f"2D {r(30, 100)}%", f"DR {r(40, 80)}", "SUPINE"]
    keep = rng.choice(len(pool), size=int(rng.integers(1, 5)), replace=False)
    return [Line(pool[i], False) for i in sorted(keep)]


# ---------------------------------------------------------------- drawing

@dataclass
class Style:
    fonts: tuple[str, ...]
    sizes: tuple[int, int]
    antialias: bool
    colour: str       # "bright", "green", "low", "dark"


def _colour(rng: np.random.Generator, style: Style, under: np.ndarray, rgb: bool) -> np.ndarray:
    """Text colour in display units ([0, 1], 3 values when ``rgb``) for a line over ``under``: legible (bright text
    turns dark over a light region and dark text bright over a dark one), except in the low-contrast style."""
    mean = float(under.mean())
    bright = np.array(BRIGHT[int(rng.integers(len(BRIGHT)))]) / 255 if rgb else np.full(3, rng.uniform(0.85, 1.0))
    dark = np.full(3, rng.uniform(0.0, 0.15))
    delta = rng.uniform(0.10, 0.18)
    if style.colour == "green":
        value = np.array([0, rng.uniform(0.75, 1.0), rng.uniform(0, 0.3)]) if mean < 0.6 else np.array([0, 0.4, 0])
    elif style.colour == "low":
        value = np.full(3, mean + delta if mean + delta <= 1 else mean - delta)
    elif style.colour == "dark":
        value = dark if mean > 0.35 else bright
    else:
        value = bright if mean < 0.55 else dark
    return value.astype(np.float32) if rgb else np.float32(value.mean())


def _legible(under: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> bool:
    """Whether nearly all of a line's pixels differ clearly (0.3 in luminance) from what lies under them."""
    grey = under.mean(axis=-1) if under.ndim == 3 else under
    return float(np.mean(np.abs(grey[alpha > 0] - float(np.mean(colour))) >= 0.3)) >= 0.9


def _outline(alpha: np.ndarray) -> np.ndarray:
    """A 1-px halo around the glyphs (3 x 3 maximum of ``alpha``, outside them), as scanners draw on busy images."""
    padded = np.pad(alpha, 1)
    rows, columns = alpha.shape
    grown = np.max([padded[dy:dy + rows, dx:dx + columns] for dy in range(3) for dx in range(3)], axis=0)
    return np.where(alpha > 0, 0, grown)


def _blend(region: np.ndarray, alpha: np.ndarray, colour: np.ndarray | np.float32) -> None:
    a = alpha[..., None] if region.ndim == 3 else alpha
    region[...] = region * (1 - a) + colour * a


def draw_lines(rng: np.random.Generator, planes: np.ndarray | None, shape: tuple[int, int], n_frames: int,
               lines: list[Line], style: Style, overlay: int, draw: bool) -> tuple[list[dict], dict]:
    """Composite ``lines`` into ``planes`` (frames x rows x columns [x 3], display units; None for an overlay whose
    ink is returned only); returns the GT boxes and the ink per (frame, overlay)."""
    rows, columns = shape
    layout = Layout(rows, columns, rng)
    ink: dict[tuple[int, int], np.ndarray] = {}
    boxes = []
    corners = ("tl", "tr", "bl", "br")
    for line in lines:
        font = str(rng.choice(style.fonts))
        size = int(rng.integers(style.sizes[0], style.sizes[1] + 1))
        corner = corners[int(rng.integers(4))]
        frames = list(line.frames) if line.frames is not None else [-1]
        texts = [line.text if f < 0 else line.text.format(frame=f) for f in frames]
        alphas = [render(text, font, size, style.antialias) for text in texts]
        room = columns - 2 * layout.margin
        widest = max(a.shape[1] for a in alphas if a is not None) if any(a is not None for a in alphas) else 0
        if widest > room and size * room // widest >= style.sizes[0]:
            size = size * room // widest   # shrink a line too wide for the plane
            alphas = [render(text, font, size, style.antialias) for text in texts]
        if any(a is None for a in alphas):
            continue
        height = max(a.shape[0] for a in alphas)
        width = max(a.shape[1] for a in alphas)
        first = corners.index(corner)
        for corner in corners[first:] + corners[:first]:
            spot = layout.place((height, width), corner, gap=max(2, size // 4))
            if spot is not None:
                break
        if spot is None:
            continue
        top, left_edge = spot
        for f, alpha in zip(frames, alphas):
            h, w = alpha.shape
            left = left_edge + (width - w if corner[1] == "r" else 0)
            targets = range(n_frames) if f < 0 else [f]
            drawn = alpha
            if planes is not None:
                under = planes[targets[0], top:top + h, left:left + w]
                colour = _colour(rng, style, under, planes.ndim == 4)
                halo = _outline(alpha) if style.colour != "low" and not _legible(under, alpha, colour) else None
                drawn = alpha if halo is None else np.maximum(alpha, halo)
                if draw:
                    for t in targets:
                        region = planes[t, top:top + h, left:left + w]
                        if halo is not None:
                            _blend(region, halo, np.float32(0.0 if np.mean(colour) > 0.5 else 1.0))
                        _blend(region, alpha, colour)
            for t in targets:
                plane_ink = ink.setdefault((t, overlay), np.zeros(shape, np.float32))
                np.maximum(plane_ink[top:top + h, left:left + w], drawn, out=plane_ink[top:top + h, left:left + w])
            box = ink_box(drawn)
            boxes.append({"frame": f if n_frames > 1 else 0, "overlay": overlay, "left": left + box[0],
                          "top": top + box[1], "right": left + box[2], "bottom": top + box[3],
                          "text": line.text if f < 0 else line.text.format(frame=f), "phi": line.phi})
    return boxes, ink


# ---------------------------------------------------------------- DICOM writing

def _phi_first(lines: list[Line]) -> list[Line]:
    """``lines`` with the first PHI line moved to the front: placed first, it always finds room."""
    phi = next((i for i, line in enumerate(lines) if line.phi), None)
    return lines if phi is None else [lines[phi]] + lines[:phi] + lines[phi + 1:]


def _uid(seed: int, index: int, what: str) -> str:
    return generate_uid(UID_PREFIX, entropy_srcs=[str(seed), str(index), what])


def dataset(seed: int, index: int, header: Person, modality: str) -> Dataset:
    """A header without pixels; :func:`set_sop_class` completes it once they are set."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPInstanceUID = _uid(seed, index, "sop")
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = _uid(seed, index, "study")
    ds.SeriesInstanceUID = _uid(seed, index, "series")
    ds.Modality = modality
    ds.PatientName = f"{header.last}^{header.first}"
    ds.PatientID = header.pid
    ds.PatientBirthDate = "%04d%02d%02d" % header.birth
    ds.PatientSex = header.sex
    ds.PatientAge = f"{header.age:03d}Y"
    ds.StudyDate = "%04d%02d%02d" % header.study
    ds.StudyTime = "%02d%02d%02d" % header.clock
    ds.InstitutionName = header.institution
    ds.AccessionNumber = header.accession
    ds.ReferringPhysicianName = header.physician.removeprefix("Dr. ").upper()
    ds.BurnedInAnnotation = "YES"
    return ds


def set_sop_class(ds: Dataset) -> None:
    """Secondary Capture, multi-frame true colour / grey byte / grey word as the pixels require."""
    if int(ds.get("NumberOfFrames") or 1) == 1:
        sop = SecondaryCaptureImageStorage
    elif ds.SamplesPerPixel == 3:
        sop = MultiFrameTrueColorSecondaryCaptureImageStorage
    elif ds.BitsAllocated == 8:
        sop = MultiFrameGrayscaleByteSecondaryCaptureImageStorage
    else:
        sop = MultiFrameGrayscaleWordSecondaryCaptureImageStorage
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = sop


def set_pixels(ds: Dataset, stored: np.ndarray, photometric: str, bits_stored: int) -> None:
    """Uncompressed pixels, frames x rows x columns [x 3] (a single frame is written without NumberOfFrames)."""
    frames = stored.shape[0]
    ds.Rows, ds.Columns = stored.shape[1:3]
    ds.SamplesPerPixel = 3 if stored.ndim == 4 else 1
    if ds.SamplesPerPixel == 3:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = stored.dtype.itemsize * 8
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = bits_stored, bits_stored - 1, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = stored.astype(stored.dtype.newbyteorder("<")).tobytes()
    ds["PixelData"].VR = "OW" if ds.BitsAllocated > 8 else "OB"


def set_jpeg(ds: Dataset, frame: np.ndarray, quality: int) -> None:
    """One uint8 grey or RGB frame as JPEG Baseline (RGB as YBR_FULL_422)."""
    buffer = io.BytesIO()
    rgb = frame.ndim == 3
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality, subsampling=1 if rgb else 0)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.Rows, ds.Columns = frame.shape[:2]
    ds.SamplesPerPixel = 3 if rgb else 1
    if rgb:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = "YBR_FULL_422" if rgb else "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"


def add_overlay(ds: Dataset, index: int, bits: np.ndarray, bit_position: int | None = None) -> None:
    """Overlay ``index`` (group 0x6000 + 2 index): 60xx OverlayData from ``bits``, or declared in ``bit_position``."""
    group = 0x6000 + 2 * index
    ds.add_new((group, 0x0010), "US", bits.shape[0])
    ds.add_new((group, 0x0011), "US", bits.shape[1])
    ds.add_new((group, 0x0022), "LO", "burned-in annotation")
    ds.add_new((group, 0x0040), "CS", "G")
    ds.add_new((group, 0x0050), "SS", [1, 1])
    if bit_position is None:
        ds.add_new((group, 0x0100), "US", 1)
        ds.add_new((group, 0x0102), "US", 0)
        ds.add_new((group, 0x3000), "OW", pack_bits(bits.astype(np.uint8).ravel()))
    else:
        ds.add_new((group, 0x0100), "US", ds.BitsAllocated)
        ds.add_new((group, 0x0102), "US", bit_position)


def to_stored(display: np.ndarray, bits: int, monochrome1: bool = False) -> np.ndarray:
    """Display units [0, 1] to stored integers of ``bits`` bits (uint8 or uint16)."""
    top = (1 << bits) - 1
    values = np.rint(np.clip(1 - display if monochrome1 else display, 0, 1) * top)
    return values.astype(np.uint8 if bits <= 8 else np.uint16)


# ---------------------------------------------------------------- cases

def _background_for(rng: np.random.Generator, case: str) -> tuple[str, np.ndarray]:
    """The source name and the background planes (display units) of a file of ``case``."""
    grey_only = case in ("green-on-grey", "monochrome1", "overlay-60xx", "overlay-highbit")
    if case.startswith("cine"):
        source = str(rng.choice(["US-cine", "MR-cine"]))
        planes = background(rng, source, int(rng.integers(256, 449)), int(rng.integers(6, 11)))
    else:
        source = str(rng.choice(GREY_SOURCES if grey_only or rng.random() < 0.6 else COLOUR_SOURCES))
        planes = background(rng, source, int(rng.integers(320, 769)))
    if planes.ndim == 4 and (grey_only or rng.random() < 0.2):
        planes = planes @ np.array([0.299, 0.587, 0.114], np.float32)
    return source, planes


def _encode(ds: Dataset, rng: np.random.Generator, case: str, planes: np.ndarray, overlay_bits: np.ndarray,
            overlay: int, draw: bool) -> None:
    """Store ``planes`` in ``ds`` as ``case`` wants, with ``overlay_bits`` as overlay ``overlay`` in overlay cases."""
    if case == "jpeg":
        set_jpeg(ds, to_stored(planes[0], 8), quality=int(rng.integers(70, 96)))
    elif planes.ndim == 4:
        set_pixels(ds, to_stored(planes, 8), "RGB", 8)
    elif case == "overlay-highbit":
        bit = int(rng.integers(12, 16))
        stored = to_stored(planes, 12)
        if draw:
            stored |= overlay_bits.astype(np.uint16)[None] << bit
        set_pixels(ds, stored, "MONOCHROME2", 12)
        add_overlay(ds, overlay, overlay_bits, bit_position=bit)
    else:
        bits = int(rng.choice([8, 12, 16]))
        mono1 = case == "monochrome1"
        set_pixels(ds, to_stored(planes, bits, mono1), "MONOCHROME1" if mono1 else "MONOCHROME2", bits)
        if case == "overlay-60xx":
            add_overlay(ds, overlay, overlay_bits if draw else np.zeros_like(overlay_bits))
    set_sop_class(ds)


def build(seed: int, index: int, case: str | None = None, draw: bool = True) -> Sample:
    """File ``index`` of set ``seed`` (case by round robin unless given); ``draw=False`` leaves the text out of the
    pixels (same background, same GT) so tests can see exactly which pixels the text changed."""
    case = case or CASES[index % len(CASES)]
    rng = np.random.default_rng([seed, index, CASES.index(case)])
    fonts = font_files()
    style = Style(fonts=tuple(str(f) for f in rng.choice(fonts, size=min(3, len(fonts)), replace=False)),
                  sizes=(9, 40), antialias=bool(rng.random() < 0.75), colour="bright")
    source, planes = _background_for(rng, case)
    n_frames = len(planes)
    if case == "green-on-grey":
        if planes.ndim == 3:
            planes = np.repeat(planes[..., None], 3, axis=-1)
        style.colour = "green"
    elif case == "small-7px":
        style.sizes = (7, 8)
    elif case == "low-contrast":
        style.sizes, style.colour = (12, 28), "low"
    elif case == "dark-on-light":
        planes, style.colour = 1 - planes, "dark"
    elif case in ("overlay-60xx", "overlay-highbit"):
        style.antialias = False

    patient = person(rng)
    header = person(rng) if case == "header-mismatch" else patient
    if case == "no-text":
        lines = []
    elif case == "header-match":
        lines = header_lines(rng, patient) + technical_lines(rng)
    else:
        lines = phi_lines(rng, patient) + technical_lines(rng)
    lines = _phi_first([lines[i] for i in rng.permutation(len(lines))])
    if case == "cine-clock":   # placed first, so they always find room
        h, m, s = patient.clock
        lines[:0] = [Line(f"{h:02d}:{m:02d}:{{frame:02d}}.{s % 10}", True, frames=tuple(range(n_frames))),
                     Line("Fr {frame}", False, frames=tuple(range(n_frames)))]

    overlay = -1
    if case in ("overlay-60xx", "overlay-highbit"):
        overlay = int(rng.integers(0, 3))
    shape = planes.shape[1:3]
    boxes, ink = draw_lines(rng, planes if overlay < 0 else None, shape, n_frames, lines, style, overlay, draw)

    ds = dataset(seed, index, header, source[:2])
    _encode(ds, rng, case, planes, ink.get((0, overlay), np.zeros(shape)) >= INK, overlay, draw)
    if overlay >= 0:
        for key in list(ink):
            ink[key] = (ink[key] >= INK).astype(np.float32)

    name = f"{index:04d}-{case}.dcm"
    entry = {"path": name, "sha256": "", "text_present": bool(boxes), "frames": n_frames,
             "rows": int(shape[0]), "columns": int(shape[1]), "case": case, "header_match": case != "header-mismatch",
             "boxes": boxes,
             "notes": f"background {source}; fonts {', '.join(Path(f).stem for f in style.fonts)}; "
                      f"sizes {style.sizes[0]}-{style.sizes[1]} px; {'antialiased' if style.antialias else 'aliased'}"}
    return Sample(name, ds, entry, ink)


# ---------------------------------------------------------------- scanned forms

FORM_CASE = "form"
FORM_TITLES = ("REQUEST FOR IMAGING EXAMINATION", "CONSENT TO CONTRAST MEDIUM", "REFERRAL FOR RADIOLOGY",
               "Request for Ultrasound", "Patient Consent Form")
HISTORY = ("chest pain 3 days", "fall, ? fracture L wrist", "SOB on exertion", "follow up nodule", "RUQ pain",
           "headache, rule out bleed", "post op check", "cough 2 weeks, fever")


@lru_cache(maxsize=1)
def handwriting_fonts() -> tuple[str, ...]:
    """The installed handwriting fonts (scripts/setup.sh installs them), sorted."""
    files = sorted(str(p) for d in HANDWRITING_DIRS for p in (FONT_DIR / "truetype" / d).glob("*.ttf"))
    if not files:
        raise FileNotFoundError("no handwriting fonts: apt-get install fonts-dkg-handwriting fonts-breip ...")
    return tuple(files)


THIN_HANDS = ("Ecolier", "femkeklaver")   # hairline cursive, outlined letters: written larger, with a pen stroke


def handwrite(text: str, font: str, size: int, pen: int) -> np.ndarray | None:
    """Alpha of handwritten ``text`` (like :func:`render`, with a pen ``pen`` pixels wide around the strokes)."""
    if any(thin in Path(font).stem for thin in THIN_HANDS):
        size, pen = int(size * 1.4), max(pen, 1)
    face = _font(font, size)
    left, top, right, bottom = face.getbbox(text, stroke_width=pen)
    canvas = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(canvas).text((2 - left, 2 - top), text, fill=255, font=face, stroke_width=pen, stroke_fill=255)
    alpha = np.asarray(canvas, np.float32) / 255
    alpha[alpha < INK] = 0
    if ink_box(alpha) is None:
        return None
    ys, xs = np.nonzero(alpha)
    return alpha[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _form_fields(rng: np.random.Generator, p: Person) -> list[tuple[str, str]]:
    """(printed label, handwritten entry) pairs of one form; the entry "" is the signature line."""
    fields = [("Patient name:", str(rng.choice([f"{p.first.title()} {p.last.title()}", f"{p.last.title()}, {p.first.title()}"]))),
              ("Date of birth:", _fmt_date(rng, p.birth)), ("Hospital no.:", p.pid),
              ("Clinical history:", str(rng.choice(HISTORY))), ("Referring doctor:", p.physician),
              ("Date:", _fmt_date(rng, p.study))]
    keep = sorted(rng.choice(len(fields), size=int(rng.integers(3, len(fields) + 1)), replace=False))
    return [fields[i] for i in keep] + [("Signature:", "")]


def signature(rng: np.random.Generator, height: int, width: int, stroke: float) -> np.ndarray:
    """Alpha of a procedural signature: a few smooth looping strokes, each taking up where the last one ended (the
    pen lifted, not moved away), drawn 4x larger and reduced (antialiased)."""
    big = Image.new("L", (4 * width, 4 * height), 0)
    draw = ImageDraw.Draw(big)
    t = np.linspace(0, 1, 400)
    strokes = int(rng.integers(1, 4))
    for k in range(strokes):
        start, span = max(0.0, k / strokes - 0.05), 1 / strokes + 0.05
        x = start + span * t + sum(rng.uniform(0.01, 0.04) * np.sin(rng.uniform(10, 40) * t + rng.uniform(0, 6))
                                   for _ in range(2))
        y = 0.5 + sum(rng.uniform(0.1, 0.3) * np.sin(rng.uniform(8, 40) * t + rng.uniform(0, 6)) for _ in range(2))
        points = np.stack([np.clip(x, 0.02, 0.98) * 4 * width, np.clip(y, 0.05, 0.95) * 4 * height], axis=1)
        draw.line([tuple(q) for q in points], fill=255, width=max(1, round(4 * stroke)), joint="curve")
    alpha = np.asarray(big.resize((width, height), Image.LANCZOS), np.float32) / 255
    return np.where(alpha < INK, 0, alpha).astype(np.float32)


def stamp(rng: np.random.Generator, text: str, font: str, radius: int) -> np.ndarray:
    """Alpha of a round stamp: two rings with ``text`` and a date across the middle, turned by a random angle."""
    size = 2 * radius + 4
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((2, 2, size - 3, size - 3), outline=255, width=3)
    draw.ellipse((10, 10, size - 11, size - 11), outline=255, width=1)
    face = _font(font, max(8, radius // 5))
    for k, word in enumerate(text.split()[:3]):
        draw.text((size // 2, size // 2 + (k - 1) * (radius // 4)), word, fill=255, font=face, anchor="mm")
    canvas = canvas.rotate(float(rng.uniform(-30, 30)), resample=Image.BILINEAR)
    alpha = np.asarray(canvas, np.float32) / 255
    return np.where(alpha < INK, 0, alpha).astype(np.float32)


def _scanned(alpha: np.ndarray, angle: float, blur: float) -> np.ndarray:
    """A page-sized alpha layer as the scanner saw it: turned by ``angle`` degrees and blurred."""
    import cv2
    rows, columns = alpha.shape
    turn = cv2.getRotationMatrix2D((columns / 2, rows / 2), angle, 1.0)
    out = cv2.warpAffine(alpha, turn, (columns, rows), flags=cv2.INTER_LINEAR)
    if blur:
        out = cv2.GaussianBlur(out, (0, 0), blur)
    return np.where(out < INK, 0, out).astype(np.float32)


def build_form(seed: int, index: int) -> Sample:
    """File ``index`` of set ``seed``: a scanned paper form (secondary capture, Modality OT, ConversionType SD) with
    its exact boxes (printed labels not PHI; handwritten entries, the signature and the stamp PHI)."""
    rng = np.random.default_rng([seed, index, 1000])
    p = person(rng)
    rows = int(rng.integers(800, 1101))
    columns = int(rows * rng.uniform(0.68, 0.78))
    printed, hands = str(rng.choice(font_files())), handwriting_fonts()
    hand = str(rng.choice(hands))
    angle, blur = float(rng.uniform(-1.5, 1.5)), float(rng.choice([0, 0.5, 0.8, 1.0]))
    layers: list[tuple[np.ndarray, str, bool, float]] = []     # page alpha, text, phi, ink darkness
    rules = np.zeros((rows, columns), np.float32)

    def put(alpha: np.ndarray, top: int, left: int, text: str, phi: bool, darkness: float) -> None:
        layer = np.zeros((rows, columns), np.float32)
        h, w = min(alpha.shape[0], rows - top), min(alpha.shape[1], columns - left)
        layer[top:top + h, left:left + w] = alpha[:h, :w]
        layers.append((layer, text, phi, darkness))

    margin = columns // 12
    heading = str(rng.choice(FORM_TITLES))
    title = render(heading, printed, max(14, rows // 45), True)
    put(title, margin, margin, heading, False, 0.9)
    row, label_size, hand_size = margin + title.shape[0] + rows // 20, max(11, rows // 70), max(16, rows // 40)
    pitch = (rows - row - 2 * margin) // 8
    entries_left = columns // 3
    for label, entry in _form_fields(rng, p):
        alpha = render(label, printed, label_size, True)
        baseline = row + pitch // 2
        put(alpha, baseline - alpha.shape[0], margin, label, False, 0.9)
        rules[baseline + 2:baseline + 3, entries_left - 10:columns - margin] = 1.0      # the printed rule
        if entry:
            written = handwrite(entry, hand, int(hand_size * rng.uniform(0.85, 1.2)), int(rng.integers(0, 2)))
            if written is not None:
                written = written[:, :columns - margin - entries_left]
                put(written, baseline - written.shape[0] + int(rng.integers(-2, 3)),
                    entries_left + int(rng.integers(0, 30)), entry, True, float(rng.uniform(0.7, 0.95)))
        else:
            height, width = int(hand_size * rng.uniform(1.6, 2.6)), int(columns * rng.uniform(0.25, 0.4))
            put(signature(rng, height, width, rng.uniform(1.2, 2.2)), baseline - height + height // 6,
                entries_left + int(rng.integers(0, 40)), "[signature]", True, float(rng.uniform(0.7, 0.95)))
        row += pitch
    if rng.random() < 0.6:
        radius = int(columns * rng.uniform(0.08, 0.12))
        ring = stamp(rng, p.institution, printed, radius)
        put(ring, rows - margin - ring.shape[0], margin, "[stamp]", True, float(rng.uniform(0.45, 0.7)))

    paper = rng.uniform(0.88, 0.97) - rng.uniform(0, 0.05) * np.linspace(0, 1, columns)[None] \
        + rng.normal(0, 0.01, (rows, columns))
    page = paper.astype(np.float32)
    _blend(page, _scanned(rules, angle, blur), np.float32(0.15))
    boxes = []
    for layer, text, phi, darkness in layers:
        seen = _scanned(layer, angle, blur)
        _blend(page, seen, np.float32(1 - darkness))
        box = ink_box(seen)
        if box is not None:
            boxes.append({"frame": 0, "overlay": -1, "left": box[0], "top": box[1], "right": box[2], "bottom": box[3],
                          "text": text, "phi": phi})

    ds = dataset(seed, index, p, "OT")
    ds.ConversionType = "SD"
    set_jpeg(ds, to_stored(page, 8), quality=int(rng.integers(60, 90)))
    set_sop_class(ds)
    name = f"{index:04d}-{FORM_CASE}.dcm"
    entry = {"path": name, "sha256": "", "text_present": True, "frames": 1, "rows": rows, "columns": columns,
             "case": FORM_CASE, "header_match": True, "boxes": boxes,
             "notes": f"scanned form; printed {Path(printed).stem}, handwriting {Path(hand).stem}; tilt {angle:.2f} deg, "
                      f"blur {blur}"}
    return Sample(name, ds, entry)


# ---------------------------------------------------------------- classes seen in real archives (--real)

REAL_CASES = ("marker", "scale-glyphs", "label-line", "anatomy-blobs")
XRAY_SOURCES = ("CR-chest", "CR-leg")
US_SOURCES = ("US-grey", "US-doppler", "US-palette", "US-cine")    # US-echo is all but empty
SECTION_SOURCES = ("CT_small", "MR_small", "CT-693", "MR2", "MR-abdomen")
PHOTO_SOURCES = ("photo-1", "photo-3", "photo-5")
INITIALS = "ABCDEFGHJKLMNOPRSTVW"
ORIENTATION = "HADFLXTPR"
UNIT_STACKS = ("CM/S", "CS")
STAINS = ("H&E", "PAS", "Ki-67", "CD20", "Masson trichrome", "Giemsa", "GMS", "Congo red")
SITES = ("Site: colon, sigmoid", "Skin, left forearm", "Gastric antrum bx", "Prostate core R2", "Liver core",
         "Breast, 10 o'clock", "Lymph node, axillary")
BLOBS = ("disc", "ring", "O", "0", "D", "6")
BLOB_SHARES = (0.35, 0.25, 0.1, 0.1, 0.1, 0.1)
BLOB_ASPECTS = {"O": (1.0, 1.0), "0": (0.55, 0.75), "D": (0.6, 0.8), "6": (0.55, 0.7)}    # width / height
Colour = np.ndarray | np.float32      # a grey value or an RGB triple, display units


@lru_cache(maxsize=1)
def bold_fonts() -> tuple[str, ...]:
    """The upright bold sans and mono fonts (lead markers are cut in such type)."""
    return tuple(f for f in font_files() if Path(f).stem.endswith("Bold") and "Serif" not in f)


@lru_cache(maxsize=1)
def screen_fonts() -> tuple[str, ...]:
    """The upright regular and bold sans and mono fonts (scanner screens)."""
    slanted = ("Oblique", "Italic", "ExtraLight", "Serif")
    return tuple(f for f in font_files() if not any(word in f for word in slanted))


@lru_cache(maxsize=256)
def size_for(font: str, height: int, antialias: bool) -> int:
    """The largest font size whose digit ``0`` is at most ``height`` pixels tall."""
    size = height
    while render("0", font, size + 1, antialias).shape[0] - 2 <= height:
        size += 1
    return size


def _window(shape: tuple[int, ...], size: tuple[int, ...], top: int, left: int
            ) -> tuple[tuple[slice, slice], tuple[slice, slice]] | None:
    """The part of a ``size`` block at (top, left) inside a plane of ``shape``: (plane slices, block slices)."""
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + size[0], shape[0]), min(left + size[1], shape[1])
    if y0 >= y1 or x0 >= x1:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))


@dataclass
class Sheet:
    """A single frame being drawn on (rows x columns [x 3], display units), with its GT boxes and drawn ink."""

    image: np.ndarray
    draw: bool
    boxes: list[dict] = field(default_factory=list)
    ink: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.ink = np.zeros(self.image.shape[:2], np.float32)

    def under(self, size: tuple[int, int], top: int, left: int) -> np.ndarray:
        """The pixels a ``size`` block at (top, left), which overlaps the image, would cover."""
        inside, _ = _window(self.ink.shape, size, top, left)
        return self.image[inside]

    def put(self, layers: list[tuple[np.ndarray, Colour]], top: int, left: int, text: str, phi: bool) -> float:
        """Blend ``layers`` (alpha, colour; alphas of one shape) with their corner at (top, left), cut to the image,
        and box their visible ink as one glyph group; returns the share of the ink that is visible."""
        union = np.max([alpha for alpha, _ in layers], axis=0)
        window = _window(self.ink.shape, union.shape, top, left)
        if window is None:
            return 0.0
        inside, part = window
        seen = union[part]
        if self.draw:
            for alpha, colour in layers:
                _blend(self.image[inside], alpha[part], colour)
        np.maximum(self.ink[inside], seen, out=self.ink[inside])
        box = ink_box(seen)
        if box is None:
            return 0.0
        y, x = int(inside[0].start), int(inside[1].start)
        self.boxes.append({"frame": 0, "overlay": -1, "left": x + box[0], "top": y + box[1], "right": x + box[2],
                           "bottom": y + box[3], "text": text, "phi": phi})
        return float(np.count_nonzero(seen) / np.count_nonzero(union))


def _contrast(rng: np.random.Generator, under: np.ndarray) -> Colour:
    """A legible text colour over ``under`` (bright over dark, dark over light), as in the other cases."""
    return _colour(rng, Style((), (0, 0), True, "bright"), under, under.ndim == 3)


def _place(alpha: np.ndarray, shape: tuple[int, int], top: int, left: int) -> np.ndarray:
    """``alpha`` put into a zero canvas of ``shape`` at (top, left)."""
    canvas = np.zeros(shape, np.float32)
    canvas[top:top + alpha.shape[0], left:left + alpha.shape[1]] = alpha
    return canvas


# marker

def _near_edge(rng: np.random.Generator, extent: int, size: int) -> int:
    """A start for a ``size`` block along an axis of ``extent``, near one end (lead markers sit at the edges)."""
    offset = int(rng.integers(4, max(5, extent // 8)))
    return int(np.clip(offset if rng.random() < 0.5 else extent - size - offset, 0, max(0, extent - size)))


def _marker_group(rng: np.random.Generator, letter: str, initials: str, height: int, plate: str
                  ) -> tuple[list[np.ndarray], np.ndarray]:
    """Upright alphas of a lead marker: [plate, letter] (the plate empty when ``plate`` is "none") and the initials
    beside it, all of one canvas shape."""
    font = str(rng.choice(bold_fonts()))
    mark = render(letter, font, round(height / 0.73), True)      # capitals are ~0.73 of the font size
    tag = render(initials, font, max(8, round(height * rng.uniform(0.4, 0.7) / 0.73)), True)
    board = np.zeros_like(mark)
    if plate != "none":
        pad = max(2, round(height * rng.uniform(0.12, 0.3)))
        plate_image = Image.new("L", (mark.shape[1] + 2 * pad, mark.shape[0] + 2 * pad), 0)
        ImageDraw.Draw(plate_image).rounded_rectangle((0, 0, plate_image.width - 1, plate_image.height - 1),
                                                      radius=int(rng.integers(0, pad + 1)), fill=255)
        board = np.asarray(plate_image, np.float32) / 255
        mark = _place(mark, board.shape, pad, pad)
    gap = int(rng.integers(2, max(3, height // 3)))
    shape = (max(board.shape[0], tag.shape[0]), board.shape[1] + gap + tag.shape[1])
    tag_top = int(rng.choice([0, (shape[0] - tag.shape[0]) // 2, shape[0] - tag.shape[0]]))
    mark_top = (shape[0] - board.shape[0]) // 2
    return ([_place(board, shape, mark_top, 0), _place(mark, shape, mark_top, 0)],
            _place(tag, shape, tag_top, board.shape[1] + gap))


def _marker(rng: np.random.Generator, p: Person, draw: bool) -> tuple[Sheet, str, str]:
    """A radiograph with a lead marker (letter not PHI, initials PHI), turned by a multiple of 90 degrees
    (anticlockwise) and/or mirrored, sometimes with the initials cut by the image edge."""
    source = str(rng.choice(XRAY_SOURCES))
    sheet = Sheet(background(rng, source, int(rng.integers(600, 1025)))[0], draw)
    rows, columns = sheet.ink.shape
    letter, plate = str(rng.choice(["L", "R"])), str(rng.choice(["none", "dark", "light"], p=[0.5, 0.25, 0.25]))
    initials = "".join(rng.choice(list(INITIALS), size=int(rng.integers(2, 4))))
    height = max(14, round(min(rows, columns) * rng.uniform(0.03, 0.07)))
    turns, mirror = int(rng.integers(4)), bool(rng.random() < 0.4)
    mark, tag = _marker_group(rng, letter, initials, height, plate)

    def turned(alpha: np.ndarray) -> np.ndarray:
        alpha = np.rot90(alpha, turns)
        return np.ascontiguousarray(alpha[:, ::-1] if mirror else alpha)

    mark, tag = [turned(a) for a in mark], turned(tag)
    size = tag.shape
    top, left = _near_edge(rng, rows, size[0]), _near_edge(rng, columns, size[1])
    cut = rng.random() < 0.3
    if cut:   # the image edge beyond the initials runs through them, leaving ``share`` of their extent
        share = rng.uniform(0.15, 0.85)
        ty, tx = np.nonzero(tag)
        my, mx = np.nonzero(np.maximum(*mark))
        if abs(tx.mean() - mx.mean()) > abs(ty.mean() - my.mean()):
            first, last = tx.min(), tx.max() + 1
            left = columns - round(first + share * (last - first)) if tx.mean() > mx.mean() \
                else -round(last - share * (last - first))
        else:
            first, last = ty.min(), ty.max() + 1
            top = rows - round(first + share * (last - first)) if ty.mean() > my.mean() \
                else -round(last - share * (last - first))
    if plate == "none":
        lead = _contrast(rng, sheet.under(size, top, left))
        layers, tag_colour = [(mark[1], lead)], lead
    else:
        dark, light = np.float32(rng.uniform(0.0, 0.15)), np.float32(rng.uniform(0.8, 1.0))
        layers = [(mark[0], dark if plate == "dark" else light), (mark[1], light if plate == "dark" else dark)]
        tag_colour = _contrast(rng, sheet.under(size, top, left))
    sheet.put(layers, top, left, letter, False)
    visible = sheet.put([(tag, tag_colour)], top, left, initials, True)
    notes = (f"background {source}; marker {letter} {initials}, letter {height} px, "
             f"{'no plate' if plate == 'none' else plate + ' plate'}; turned {90 * turns} deg anticlockwise"
             f"{', mirrored' if mirror else ''}")
    if cut:
        notes += f"; initials cut by the image edge, {visible:.0%} of their ink visible"
        notes += " (under 40%)" if visible < 0.4 else ""
    return sheet, source[:2], notes


# scale-glyphs

def _scan_area(rng: np.random.Generator, rows: int, columns: int) -> tuple[np.ndarray, str]:
    """Mask (0..1) of an ultrasound image area, a sector (curved probe) or a rectangle (linear probe), leaving 44 px
    on either side for the depth scale and the colour bar; and the probe kind."""
    top = rows * rng.uniform(0.05, 0.12)
    yy, xx = np.mgrid[0:rows, 0:columns].astype(np.float32)
    if rng.random() < 0.25:
        left, right = columns * rng.uniform(0.16, 0.25), columns * rng.uniform(0.75, 0.84)
        edge = np.minimum.reduce([xx - left, right - xx, yy - top, rows * rng.uniform(0.88, 0.96) - yy])
        return np.clip(edge + 0.5, 0, 1), "linear"
    half, centre = np.radians(rng.uniform(28, 42)), columns * rng.uniform(0.48, 0.54)
    inner = rows * rng.uniform(0.02, 0.12)
    apex = top - inner
    outer = min(rows * 0.96 - apex, (min(centre, columns - centre) - 44) / np.sin(half))
    dy, dx = yy - apex, xx - centre
    radius = np.hypot(dx, dy)
    edge = np.minimum.reduce([radius - inner, outer - radius, (half - np.abs(np.arctan2(dx, dy))) * radius])
    return np.clip(edge + 0.5, 0, 1), "sector"


def _free_spot(rng: np.random.Generator, free: np.ndarray, taken: list[tuple[int, int, int, int]],
               size: tuple[int, int], lowest: int) -> tuple[int, int] | None:
    """Top-left of a ``size`` block wholly on ``free`` pixels (3 px around it too), not near ``taken`` blocks, with
    its top above row ``lowest`` if it can; None when none is found."""
    rows, columns = free.shape
    height, width = size
    for attempt in range(400):
        bottom = lowest if attempt < 200 else rows
        top = int(rng.integers(3, max(4, min(bottom, rows - height - 3))))
        left = int(rng.integers(3, max(4, columns - width - 3)))
        rect = (top - 3, left - 3, top + height + 3, left + width + 3)
        if rect[2] <= rows and rect[3] <= columns and free[max(0, rect[0]):rect[2], max(0, rect[1]):rect[3]].all() \
                and not any(r[0] < rect[2] and rect[0] < r[2] and r[1] < rect[3] and rect[1] < r[3] for r in taken):
            taken.append(rect)
            return top, left
    return None


def _stack(text: str, font: str, size: int, antialias: bool) -> np.ndarray:
    """Alpha of ``text`` written one character per row, centred."""
    glyphs = [render(c, font, size, antialias) for c in text]
    width = max(g.shape[1] for g in glyphs)
    return np.concatenate([np.pad(g, ((0, 0), ((width - g.shape[1]) // 2, (width - g.shape[1] + 1) // 2)))
                           for g in glyphs])


def _colour_bar(height: int, width: int, rgb: bool) -> np.ndarray:
    """A velocity colour bar (yellow-red over blue-cyan) or a grey map bar (white over black)."""
    t = np.linspace(0, 1, height)
    if not rgb:
        return np.repeat((1 - t)[:, None], width, axis=1).astype(np.float32)
    stops = (0, 0.25, 0.5, 0.75, 1)
    channels = [np.interp(t, stops, c) for c in ((1, 0.9, 0.05, 0, 0), (1, 0.1, 0.05, 0.3, 1), (0.3, 0, 0.05, 0.9, 1))]
    return np.repeat(np.stack(channels, -1)[:, None], width, axis=1).astype(np.float32)


def _depth_scale(rng: np.random.Generator, sheet: Sheet, area: np.ndarray, glyph: tuple[str, int, bool],
                 colour: Colour, taken: list[tuple[int, int, int, int]]) -> str:
    """Draw a depth scale down the left of ``area``: a dot or tick per centimetre (graphics, drawn with or without
    the text), the digits 0, 5, 10 (15) beside every fifth; returns the kind of tick."""
    image = sheet.image
    inside = np.nonzero(area.max(axis=1) > 0.5)[0]
    steps = 5 * int(rng.integers(2, 4))
    depth_rows = inside[0] + np.round(np.arange(steps + 1) * (inside[-1] - inside[0]) * rng.uniform(0.85, 1) / steps)
    edges = np.array([int(np.argmax(area[int(y)] > 0.5)) for y in depth_rows]) - int(rng.integers(3, 7))
    if rng.random() < 0.5:
        edges[:] = edges.min()        # a straight column of ticks beside the sector, else along its edge
    tick = str(rng.choice(["dot", "tick"]))
    for k, (y, x) in enumerate(zip(depth_rows.astype(int), edges)):
        major = k % 5 == 0
        length = (int(rng.integers(4, 8)) if major else 2) if tick == "tick" else (3 if major else 2)
        thickness = length if tick == "dot" else (2 if major and glyph[1] > 12 else 1)
        image[y - thickness // 2:y - thickness // 2 + thickness, x - length:x] = colour
        taken.append((y - 3, x - length - 3, y + thickness + 3, x + 3))
        if not major:
            continue
        digit = render(str(k), *glyph)
        top, left = y - digit.shape[0] // 2, x - length - int(rng.integers(2, 5)) - digit.shape[1]
        if left >= 0:
            sheet.put([(digit, colour)], top, left, str(k), False)
            taken.append((top - 3, left - 3, top + digit.shape[0] + 3, x + 3))
    return tick


def _scale_glyphs(rng: np.random.Generator, p: Person, draw: bool) -> tuple[Sheet, str, str]:
    """An ultrasound sector with the lone small glyphs of its screen: depth digits beside ticks, a colour bar with
    its units stacked beside it (graphics drawn with or without the text), orientation letters, another stack, a
    placeholder clock (all not PHI) and one PHI date line."""
    source = str(rng.choice(US_SOURCES))
    planes = background(rng, source, int(rng.integers(560, 801)))
    if planes.ndim == 4 and rng.random() < 0.25:
        planes = planes @ np.array([0.299, 0.587, 0.114], np.float32)
    image = planes[0]
    rows, columns = image.shape[:2]
    area, probe = _scan_area(rng, rows, columns)
    image *= area[..., None] if image.ndim == 3 else area
    sheet, rgb = Sheet(image, draw), image.ndim == 3
    font, antialias, height = str(rng.choice(screen_fonts())), bool(rng.random() < 0.5), int(rng.integers(7, 13))
    glyph = (font, size_for(font, height, antialias), antialias)
    main = int(rng.integers(len(BRIGHT)))

    def colour() -> Colour:
        if rgb:
            return np.array(BRIGHT[main if rng.random() < 0.7 else int(rng.integers(len(BRIGHT)))], np.float32) / 255
        return np.float32(rng.uniform(0.6, 1))

    taken: list[tuple[int, int, int, int]] = []
    tick = _depth_scale(rng, sheet, area, glyph, colour(), taken)
    free = area == 0
    units = [str(u) for u in rng.permutation(UNIT_STACKS)[:int(rng.integers(1, 3))]]
    first = _stack(units[0], *glyph)
    bar = _colour_bar(int(rng.integers(max(first.shape[0], 50), max(first.shape[0], 130) + 1)),
                      int(rng.integers(5, 10)), rgb)
    gap = int(rng.integers(2, 6))
    spot = _free_spot(rng, free, taken, (bar.shape[0], first.shape[1] + gap + bar.shape[1]), rows // 2)
    if spot is not None:
        top, left = spot
        image[top:top + bar.shape[0], left + first.shape[1] + gap:left + first.shape[1] + gap + bar.shape[1]] = bar
        sheet.put([(first, colour())], top + (bar.shape[0] - first.shape[0]) // 2, left, units[0], False)
    texts = [(u, _stack(u, *glyph), False) for u in units[1:]]
    texts += [(str(c), render(str(c), *glyph), False)
              for c in rng.choice(list(ORIENTATION), size=int(rng.integers(1, 4)), replace=False)]
    date = f"{_fmt_date(rng, p.study)} {_fmt_clock(rng, p.clock)}" if rng.random() < 0.5 else _fmt_date(rng, p.study)
    texts += [("--:--:--", render("--:--:--", *glyph), False), (date, render(date, *glyph), True)]
    for text, alpha, phi in texts:
        spot = _free_spot(rng, free, taken, alpha.shape, rows // 3)
        if spot is not None:
            sheet.put([(alpha, colour())], *spot, text, phi)
    notes = (f"background {source}, {probe} probe; font {Path(font).stem} at {glyph[1]} px (digits {height} px "
             f"high); {'antialiased' if antialias else 'aliased'}; depth {tick}s")
    return sheet, "US", notes


# label-line

def _stained(rng: np.random.Generator, grey: np.ndarray) -> np.ndarray:
    """An H&E-like slide scan from a grey section: glass where it is dark, eosin pink to haematoxylin purple in the
    tissue and a speckle of nuclei."""
    import cv2
    tissue = np.clip((grey - rng.uniform(0.12, 0.3)) / 0.15, 0, 1)[..., None]
    dots = (rng.random(grey.shape) < rng.uniform(0.003, 0.01)).astype(np.float32)
    nuclei = np.clip(cv2.GaussianBlur(dots, (0, 0), 1.2) * 6, 0, 1)[..., None] * tissue
    glass, eosin, haem = (np.array(c, np.float32) for c in ((0.96, 0.95, 0.97), (0.92, 0.55, 0.72), (0.35, 0.18, 0.5)))
    stain = eosin + (haem - eosin) * 0.6 * grey[..., None]
    return (glass * (1 - tissue) + stain * tissue) * (1 - nuclei) + haem * 0.8 * nuclei


def specimen_label(rng: np.random.Generator, p: Person) -> str:
    """A specimen label line of 60-120 characters: number, name, block, stain and date, and more fields."""
    number = f"S{p.study[0] % 100:02d}-{int(rng.integers(1, 10 ** 5)):05d}"
    fields = [str(rng.choice([f"Specimen: {number}", f"Case {number}", f"Acc# {p.accession}"])),
              str(rng.choice([f"{p.last}, {p.first}", f"{p.last}^{p.first}", f"{p.first} {p.last}"])),
              f"Block {rng.choice(list('ABCDEF'))}{rng.integers(1, 10)}", str(rng.choice(STAINS)),
              _fmt_date(rng, p.study)]
    extra = [f"MRN {p.pid}", f"DOB {_fmt_date(rng, p.birth)}", p.institution, p.physician, str(rng.choice(SITES)),
             f"Slide {rng.integers(1, 9)}/{rng.integers(9, 20)}", f"{p.age}Y {p.sex}"]
    separator, target = str(rng.choice(["  ", " | ", "   ", " / "])), int(rng.integers(60, 121))
    for i in rng.permutation(len(extra)):
        if len(separator.join(fields)) >= target:
            break
        if len(separator.join(fields + [extra[i]])) <= 120:
            fields.append(extra[i])
    return separator.join(fields)


def _label_line(rng: np.random.Generator, p: Person, draw: bool) -> tuple[Sheet, str, str]:
    """A slide scan, endoscopy frame or photograph with a long PHI specimen label across the top, on a band the
    scanner drew (a graphic) or over the picture, with a halo where it would not be legible."""
    look = str(rng.choice(["slide", "endoscopy", "photo"]))
    largest = int(rng.integers(900, 1401))
    if look == "slide":
        source = str(rng.choice(SECTION_SOURCES))
        image = _stained(rng, background(rng, source, largest)[0])
    else:
        source = str(rng.choice(PHOTO_SOURCES))
        image = background(rng, source, largest)[0]
    rows, columns = image.shape[:2]
    if columns < 800:
        rows, columns = round(rows * 800 / columns), 800
        image = resize(image, rows, columns)
    if look == "endoscopy":     # reddened, seen through a round scope
        yy, xx = np.mgrid[0:rows, 0:columns]
        scope = np.hypot(yy - rows / 2, xx - columns / 2) <= min(rows, columns) * rng.uniform(0.48, 0.6)
        image = image * np.array([1.0, 0.7, 0.65], np.float32) * scope[..., None]
    sheet = Sheet(np.ascontiguousarray(image, np.float32), draw)
    text, font = specimen_label(rng, p), str(rng.choice(font_files()))
    margin = int(rng.integers(4, 21))
    room = columns - 2 * margin
    width = rng.uniform(640, min(room, 1300))
    size = max(9, round(20 * width / render(text, font, 20, True).shape[1]))
    alpha = render(text, font, size, True)
    while alpha.shape[1] > room:
        size -= 1
        alpha = render(text, font, size, True)
    left = margin if rng.random() < 0.6 else (columns - alpha.shape[1]) // 2
    band = rng.random() < 0.5
    if band:       # a strip the scanner drew behind the label
        shade = np.float32(rng.choice([rng.uniform(0, 0.1), rng.uniform(0.9, 1)]))
        sheet.image[:alpha.shape[0] + 2 * margin] = shade
    under = sheet.under(alpha.shape, margin, left)
    colour = _contrast(rng, under)
    layers = [(alpha, colour)]
    if not _legible(under, alpha, colour):
        layers.insert(0, (_outline(alpha), np.float32(0.0 if np.mean(colour) > 0.5 else 1.0)))
    sheet.put(layers, margin, left, text, True)
    notes = (f"{look} background {source}; font {Path(font).stem} at {size} px; {len(text)} characters"
             f"{', on a band' if band else ''}{', with a halo' if len(layers) > 1 else ''}")
    return sheet, {"slide": "SM", "endoscopy": "ES", "photo": "XC"}[look], notes


# anatomy-blobs

def blob(rng: np.random.Generator, kind: str, height: int) -> np.ndarray:
    """Alpha of a round anatomy-like shape ``height`` pixels tall: a disc or ring (any aspect and angle) or a ring
    shaped like an O, 0, D or 6 by accident (near upright); sharp or soft-edged."""
    width = max(4, round(height * rng.uniform(*BLOB_ASPECTS.get(kind, (0.5, 1.6)))))
    stroke = max(1, round(height * rng.uniform(0.1, 0.3)))
    s, pad = 4, 2 * stroke + 4          # drawn 4x larger and reduced (antialiased)
    big = Image.new("L", (s * (width + 2 * pad), s * (height + 2 * pad)), 0)
    pen = ImageDraw.Draw(big)
    x0, y0, x1, y1 = s * pad, s * pad, s * (pad + width), s * (pad + height)
    if kind == "disc":
        pen.ellipse((x0, y0, x1, y1), fill=255)
    elif kind == "D":
        pen.chord((2 * x0 - x1, y0, x1, y1), 270, 90, outline=255, width=s * stroke)
    elif kind == "6":       # a ring at the bottom, its tail curving up to the top
        pen.ellipse((x0, y1 - (x1 - x0), x1, y1), outline=255, width=s * stroke)
        middle, reach = y1 - (x1 - x0) / 2, 0.85 * (x1 - x0)
        pen.arc((x0, y0, x0 + 2 * reach, 2 * middle - y0), 180, 270, fill=255, width=s * stroke)
    else:
        pen.ellipse((x0, y0, x1, y1), outline=255, width=s * stroke)
    angle = rng.uniform(0, 360) if kind in ("disc", "ring") else rng.uniform(-12, 12)
    big = big.rotate(float(angle), resample=Image.BICUBIC, expand=True)
    small = big.resize((max(1, big.width // s), max(1, big.height // s)), Image.BOX)
    if rng.random() < 0.7:
        small = small.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.7, 2.5))))
    return np.asarray(small, np.float32) / 255


def _anatomy_blobs(rng: np.random.Generator, p: Person, draw: bool) -> tuple[Sheet, str, str]:
    """A CT or MR section with round bright and dark blobs and rings, some shaped like letters or digits: no text."""
    source = str(rng.choice(SECTION_SOURCES))
    image = background(rng, source, int(rng.integers(320, 769)))[0]
    rows, columns = image.shape
    kinds = [str(k) for k in rng.choice(BLOBS, size=int(rng.integers(5, 15)), p=BLOB_SHARES)]
    for kind in kinds:
        alpha = blob(rng, kind, int(rng.integers(8, 30) if rng.random() < 0.6 else rng.integers(25, 71)))
        inside, part = _window(image.shape, alpha.shape, int(rng.integers(-4, rows - 4)), int(rng.integers(-4, columns - 4)))
        region, part = image[inside], alpha[part]
        bright = (float(region.mean()) < 0.5) != (rng.random() < 0.2)
        value = np.float32(rng.uniform(0.75, 1.0) if bright else rng.uniform(0.0, 0.2))
        _blend(region, part * np.float32(rng.uniform(0.4, 1.0)), value)
    return Sheet(image, draw), source[:2], f"background {source}; blobs {' '.join(kinds)}"


REAL_DRAWERS = {"marker": _marker, "scale-glyphs": _scale_glyphs, "label-line": _label_line,
                "anatomy-blobs": _anatomy_blobs}


def build_real(seed: int, index: int, case: str | None = None, draw: bool = True) -> Sample:
    """File ``index`` of set ``seed`` of one of REAL_CASES (in turn by index unless given); ``draw`` as in
    :func:`build`."""
    case = case or REAL_CASES[index % len(REAL_CASES)]
    rng = np.random.default_rng([seed, index, 2000 + REAL_CASES.index(case)])
    p = person(rng)
    sheet, modality, notes = REAL_DRAWERS[case](rng, p, draw)
    ds = dataset(seed, index, p, modality)
    if sheet.image.ndim == 3:
        set_pixels(ds, to_stored(sheet.image[None], 8), "RGB", 8)
    else:
        bits = 8 if case == "scale-glyphs" else int(rng.choice([10, 12, 16]))
        mono1 = case == "marker" and rng.random() < 0.4
        set_pixels(ds, to_stored(sheet.image[None], bits, mono1), "MONOCHROME1" if mono1 else "MONOCHROME2", bits)
    set_sop_class(ds)
    rows, columns = sheet.ink.shape
    name = f"{index:04d}-{case}.dcm"
    entry = {"path": name, "sha256": "", "text_present": bool(sheet.boxes), "frames": 1, "rows": rows,
             "columns": columns, "case": case, "header_match": True, "boxes": sheet.boxes, "notes": notes}
    return Sample(name, ds, entry, {(0, -1): sheet.ink})


def write(sample: Sample, out: Path) -> dict:
    path = out / sample.name
    sample.dataset.save_as(path, enforce_file_format=True)
    sample.entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sample.entry


def generate(out: Path, n: int, seed: int, forms: int = 0, real: int = 0) -> dict:
    """Write ``n`` files, then ``forms`` scanned forms, then ``real`` files of REAL_CASES, and ``out``/gt.json;
    return the GT document."""
    out.mkdir(parents=True, exist_ok=True)
    entries = [write(build(seed, i), out) for i in range(n)]
    entries += [write(build_form(seed, i), out) for i in range(n, n + forms)]
    entries += [write(build_real(seed, i), out) for i in range(n + forms, n + forms + real)]
    asked = f"--n {n} --seed {seed}" + (f" --forms {forms}" if forms else "") + (f" --real {real}" if real else "")
    gt = {"version": 1, "root": ".",
          "description": f"Synthetic burned-in text (scripts/make_synthetic.py {asked}); paths are "
                         "relative to the directory of this file (use --root DIR). Complete GT: every drawn line is "
                         "boxed (every pixel the text changed), so precision is meaningful.",
          "partial": False, "seed": seed,
          "cases": list(CASES) + ([FORM_CASE] if forms else []) + (list(REAL_CASES) if real else []), "files": entries}
    (out / "gt.json").write_text(json.dumps(gt, indent=1) + "\n")
    return gt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--forms", type=int, default=0, metavar="M", help="also write M scanned forms (case form)")
    parser.add_argument("--real", type=int, default=0, metavar="R",
                        help="also write R files of the classes seen in real archives, after the forms (cases "
                             + ", ".join(REAL_CASES) + ", in turn)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    gt = generate(args.out, args.n, args.seed, args.forms, args.real)
    counts: dict[str, int] = {}
    for entry in gt["files"]:
        counts[entry["case"]] = counts.get(entry["case"], 0) + 1
    boxes = sum(len(e["boxes"]) for e in gt["files"])
    print(f"{len(gt['files'])} files, {boxes} boxes in {time.perf_counter() - start:.1f} s -> {args.out}")
    print(", ".join(f"{case} {count}" for case, count in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
