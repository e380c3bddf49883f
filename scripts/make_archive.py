#!/usr/bin/env python3
"""Write an archive of N DICOM files in a mix of classes, like a PACS export, with gt.json (ground truth).

    python scripts/make_archive.py --out DIR [--n 10000] [--mix series=0.86,radiograph=0.03,...] [--per-series 20]
                                   [--seed 1] [--corpus PATH]

``--mix`` gives each class's share of the N files (shares are normalised; the counts are rounded by largest
remainder); the default, DEFAULT_MIX, is mostly CT/MR/PT slice series, as a PACS export is. The classes (CLASSES),
each written under ``DIR/<class>/``:

- ``series``: text-free series of ``--per-series`` CT, MR and PT/NM slices (one size per series); a share of the
  series (COMPRESSIONS) is stored RLE Lossless, JPEG-LS lossless or JPEG 2000 lossless where pydicom has the encoder.
- ``radiograph``: text-free single CR, DX, RF, XA or MG images, compressed alike.
- ``cine``, ``capture``, ``text``: files of ``scripts/make_synthetic.py`` (SYNTHETIC_CASES: its cine cases, its
  screen and scanned captures, its burned-in text cases), with its GT boxes; its case is kept in ``notes``.
- ``text-free``: series of uncompressed slices of every usable source, as this script always wrote
  (``--mix text-free=1`` writes what it wrote before, under ``DIR/text-free/``).

The text-free slices come from the greyscale anatomy images (CT, MR, PT/NM, CR, DX, RF, XA, MG, OT/SC) among the
text-free rows of ``../shared/corpus/MANIFEST.md`` (``python -m dicom_ocr.bench text-free``), less EXCLUDED; the
middle frame of each is used. Each series takes one source (round-robin in a seeded order) and writes slices that
drift like neighbouring slices of one body (zoom, rotation and a smooth elastic warp moving with the slice), each
shifted a few pixels and given its own gain, offset and noise, with the source's header, size, dtype and bits.
``DIR/gt.json`` (the format of ../shared/gt/FORMAT.md) lists every file with its class as ``case``. The same seed
writes byte-identical files.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import importlib.util
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import get_encoder
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
    generate_uid,
)

from dicom_ocr.bench.textfree import CORPUS, LOGO, text_free_files

CASE = "text-free"                                                    # the class this script always wrote
CLASSES = ("series", "radiograph", "cine", "capture", "text", CASE)
DEFAULT_MIX = "series=0.86,radiograph=0.03,cine=0.02,capture=0.02,text=0.07"      # a PACS export
SYNTHETIC = Path(__file__).with_name("make_synthetic.py")
SYNTHETIC_CASES = {"cine": ("cine-static", "cine-clock"), "capture": ("scale-glyphs", "label-line", "form"),
                   "text": ("varied", "small-7px", "green-on-grey", "low-contrast", "dark-on-light", "monochrome1",
                            "overlay-60xx", "overlay-highbit", "jpeg", "header-match", "header-mismatch", "marker")}
COMPRESSIONS = {ExplicitVRLittleEndian: 0.55, RLELossless: 0.15, JPEGLSLossless: 0.15, JPEG2000Lossless: 0.15}
ANATOMY = frozenset({"CT", "MR", "PT", "NM", "CR", "DX", "RF", "XA", "MG", "OT", "SC"})  # Modality of usable sources
EXCLUDED = {"leadtools-flowers": "a photo of flowers", "TestPattern_RGB": "a test pattern",   # by path: not usable
            "Issue44/Monochrome1-Jpeg.dcm": "an 'R' marker (the manifest says no text)"}
COUNTS = frozenset({"PT", "NM"})       # counting modalities: noise grows with the counts, like Poisson noise
DROPPED = ("NumberOfFrames", "FrameIncrementPointer", "SmallestImagePixelValue", "LargestImagePixelValue",
           "PixelPaddingValue", "PixelPaddingRangeLimit", "IconImageSequence")   # wrong or meaningless once rewritten
MODALITIES = {"series": frozenset({"CT", "MR", "PT", "NM"}), "radiograph": frozenset({"CR", "DX", "RF", "XA", "MG"}),
              CASE: ANATOMY}     # the sources of each class of text-free slices
UID_PREFIX = "1.2.826.0.1.3680043.8.498."
MAX_SHIFT = 6.0        # px, per-slice jitter; at most 0.5% of the smaller side
WAVES = 3              # sinusoids per axis of the elastic displacement field
GRID = 17              # the field is drawn on GRID x GRID points, then resized: it is low-frequency anyway


@dataclass(frozen=True)
class Source:
    """One real text-free image: its header (pixel data, overlays and curves removed) and the frame used."""

    path: str             # corpus-relative, as in the manifest
    header: Dataset
    pixels: np.ndarray    # 2-D stored values
    frame: int

    @property
    def limits(self) -> tuple[int, int]:
        """The stored range: what BitsStored and PixelRepresentation allow."""
        bits = int(self.header.BitsStored)
        return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if self.pixels.dtype.kind == "i" else (0, 2 ** bits - 1)

    @property
    def span(self) -> float:
        """The range of values the image uses (the scale of offsets and noise)."""
        return max(float(self.pixels.max()) - float(self.pixels.min()), 1.0)


@dataclass(frozen=True)
class Drift:
    """How one series moves along its slices: zoom and rotation ramps, elastic waves, jitter and noise level."""

    zoom: tuple[float, float]       # scale at the first and last slice (>= 1, raised further to keep borders filled)
    angle: tuple[float, float]      # degrees at the first and last slice
    waves: np.ndarray               # (2 axes, WAVES, 5): amplitude px, cycles along x, cycles along y, phase, phase step
    jitter: float                   # px, largest per-slice shift
    noise: float                    # Gaussian sigma, share of the source's span


def strip(ds: Dataset) -> Dataset:
    """``ds`` without pixel data, overlays (60xx), curves (50xx), group lengths and the DROPPED elements."""
    for elem in list(ds):
        group = elem.tag.group
        if elem.tag.element == 0 or group == 0x7FE0 or (group >> 8 in (0x50, 0x60) and group % 2 == 0):
            del ds[elem.tag]
    for keyword in DROPPED:
        ds.pop(keyword, None)
    return ds


def load_source(corpus: Path, path: str) -> Source | str:
    """The source at corpus-relative ``path``, or why it is skipped."""
    ds = pydicom.dcmread(corpus / path, force=True)
    if "TransferSyntaxUID" not in ds.file_meta:        # a file without preamble and meta: say how it was read
        implicit, _ = ds.original_encoding
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian if implicit else ExplicitVRLittleEndian
    if ds.get("Modality") not in ANATOMY:
        return f"not anatomy ({ds.get('Modality') or 'no modality'})"
    if ds.get("PhotometricInterpretation") not in ("MONOCHROME1", "MONOCHROME2"):
        return f"not greyscale ({ds.get('PhotometricInterpretation')})"
    try:
        pixels = ds.pixel_array
    except Exception as exc:  # noqa: BLE001  (any decoder failure: the source is skipped)
        print(f"make_archive: skipped {path}: cannot decode ({type(exc).__name__}: {exc})", file=sys.stderr)
        return "cannot decode"
    frame = len(pixels) // 2 if pixels.ndim == 3 else 0
    return Source(path, strip(ds), pixels[frame] if pixels.ndim == 3 else pixels, frame)


def load_sources(corpus: Path) -> tuple[list[Source], dict[str, str]]:
    """The usable text-free sources of ``corpus`` in manifest order, and the skipped files with the reason."""
    sources, skipped = [], {}
    with warnings.catch_warnings():    # pydicom's complaints about the sources' headers (misspelt character sets,
        warnings.simplefilter("ignore", UserWarning)    # overlong values): the copies keep those values as they are
        for path, visible in text_free_files(corpus).items():
            why = "a logo" if visible == LOGO else next((why for name, why in EXCLUDED.items() if name in path), "")
            source = why or load_source(corpus, path)
            if isinstance(source, Source):
                sources.append(source)
            else:
                skipped[path] = source
    return sources, skipped


def draw_drift(rng: np.random.Generator, shape: tuple[int, int]) -> Drift:
    """Random but smooth motion for one series of images of ``shape``."""
    side = min(shape)
    zoom = rng.uniform(1.0, 1.03)
    angle = rng.uniform(-1.0, 1.0)
    waves = np.stack([rng.uniform(0.002 * side, 0.005 * side, (2, WAVES)), rng.uniform(-1.5, 1.5, (2, WAVES)),
                      rng.uniform(-1.5, 1.5, (2, WAVES)), rng.uniform(0, 2 * math.pi, (2, WAVES)),
                      rng.uniform(0.1, 0.3, (2, WAVES))], axis=-1)
    return Drift((zoom, zoom + rng.uniform(0.01, 0.04)), (angle, angle + rng.uniform(-1.5, 1.5)), waves,
                 min(MAX_SHIFT, 0.005 * side), rng.uniform(0.005, 0.02))


def displacement(drift: Drift, k: int, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The elastic displacement (dx, dy) in px of slice ``k``: low-frequency waves whose phases move with ``k``."""
    v, u = np.mgrid[0:1:GRID * 1j, 0:1:GRID * 1j]
    fields = []
    for axis in drift.waves:
        field = sum(a * np.sin(2 * np.pi * (fu * u + fv * v) + phase + step * k) for a, fu, fv, phase, step in axis)
        fields.append(cv2.resize(field.astype(np.float32), shape[::-1], interpolation=cv2.INTER_CUBIC))
    return fields[0], fields[1]


def cover_zoom(shape: tuple[int, int], angle: float, margin: float) -> float:
    """The least zoom that keeps a rotated image shifted by up to ``margin`` px inside the source: no border fill."""
    half_y, half_x = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
    return max((cos * (half_x + margin) + sin * (half_y + margin)) / (half_x - margin),
               (sin * (half_x + margin) + cos * (half_y + margin)) / (half_y - margin))


def source_maps(drift: Drift, k: int, slices: int, shape: tuple[int, int],
                shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """cv2.remap maps of slice ``k``: where each output pixel is read in the source."""
    t = k / (slices - 1) if slices > 1 else 0.0
    angle = math.radians(drift.angle[0] + t * (drift.angle[1] - drift.angle[0]))
    margin = drift.jitter + drift.waves[..., 0].sum(axis=1).max() + 1
    zoom = max(drift.zoom[0] + t * (drift.zoom[1] - drift.zoom[0]), cover_zoom(shape, angle, margin))
    cy, cx = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    y = np.arange(shape[0], dtype=np.float32)[:, None] - np.float32(cy + shift[1])
    x = np.arange(shape[1], dtype=np.float32)[None, :] - np.float32(cx + shift[0])
    c, s = np.float32(math.cos(angle) / zoom), np.float32(math.sin(angle) / zoom)
    dx, dy = displacement(drift, k, shape)
    return np.float32(cx) + c * x + s * y + dx, np.float32(cy) - s * x + c * y + dy


def text_free_slice(source: Source, image: np.ndarray, drift: Drift, k: int, slices: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Slice ``k`` of ``slices``: ``image`` (the source as float32) warped, shifted, rescaled and noised."""
    shift = rng.uniform(-drift.jitter, drift.jitter, 2)
    map_x, map_y = source_maps(drift, k, slices, image.shape, shift)
    warped = cv2.remap(image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    low = float(source.pixels.min())
    scaled = (warped - low) * rng.uniform(0.85, 1.15) + low + rng.uniform(-0.03, 0.03) * source.span
    noise = rng.standard_normal(scaled.shape, dtype=np.float32) * np.float32(drift.noise * source.span)
    if source.header.get("Modality") in COUNTS:
        noise *= np.sqrt(np.clip(scaled - low, 0, None) / source.span)
    return np.clip(np.rint(scaled + noise), *source.limits).astype(source.pixels.dtype)


def series_uid(seed: int, key: str, what: str) -> str:
    """A UID that depends only on (seed, key, what)."""
    return generate_uid(UID_PREFIX, [f"make_archive/{seed}/{key}/{what}"])


@dataclass(frozen=True)
class Series:
    """Where one series of text-free slices goes and what makes it unique."""

    folder: Path                 # relative to the archive
    number: int                  # SeriesNumber - 1
    key: str                     # its UIDs depend on (seed, key)
    entropy: tuple[int, ...]     # seeds its random stream
    syntax: UID = ExplicitVRLittleEndian
    name: str = "slice_{k:03d}.dcm"
    case: str = CASE


def slice_header(source: Source, pixels: np.ndarray, seed: int, series: Series, k: int) -> Dataset:
    """The source's header for slice ``k`` of ``series``: new UIDs, numbers and position, pixels set (compressed in
    the series' transfer syntax), file meta."""
    ds = copy.deepcopy(source.header)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.StudyInstanceUID = series_uid(seed, series.key, "study")
    ds.SeriesInstanceUID = series_uid(seed, series.key, "series")
    ds.FrameOfReferenceUID = series_uid(seed, series.key, "frame of reference")
    ds.SOPInstanceUID = series_uid(seed, series.key, f"slice {k}")
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesNumber = series.number + 1
    ds.InstanceNumber = k + 1
    orientation = np.array(ds.get("ImageOrientationPatient") or (1, 0, 0, 0, 1, 0), dtype=float)
    normal = np.cross(orientation[:3], orientation[3:])
    step = float(ds.get("SliceThickness") or 0) or 1.0
    position = np.array(ds.get("ImagePositionPatient") or (0, 0, 0), dtype=float) + k * step * normal
    ds.ImagePositionPatient = [f"{v:.3f}" for v in position]
    ds.SliceLocation = f"{float(position @ normal):.3f}"
    ds.BurnedInAnnotation = "NO"
    ds.set_pixel_data(pixels, ds.PhotometricInterpretation, int(ds.BitsStored), generate_instance_uid=False)
    if series.syntax != ExplicitVRLittleEndian:
        ds.compress(series.syntax, generate_instance_uid=False)
    return ds


def text_free_series(source: Source, out: Path, seed: int, series: Series, slices: int) -> list[dict]:
    """Write ``series``: ``slices`` text-free slices of ``source``; return their GT entries."""
    rng = np.random.default_rng(series.entropy)
    drift = draw_drift(rng, source.pixels.shape)
    image = source.pixels.astype(np.float32)
    entries = []
    for k in range(slices):
        ds = slice_header(source, text_free_slice(source, image, drift, k, slices, rng), seed, series, k)
        notes = f"source: {source.path} (frame {source.frame})"
        if series.syntax != ExplicitVRLittleEndian:
            notes += f"; {series.syntax.name}"
        entries.append(text_free_entry(save(ds, out, series.folder / series.name.format(k=k)), series.case, notes))
    return entries


def save(ds: Dataset, out: Path, path: Path) -> dict:
    """Save ``ds`` at ``out``/``path``; the start of its GT entry (path and sha256)."""
    (out / path).parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(out / path, enforce_file_format=True)
    return {"path": path.as_posix(), "sha256": hashlib.sha256((out / path).read_bytes()).hexdigest()}


def text_free_entry(saved: dict, case: str, notes: str) -> dict:
    """The GT entry of a saved text-free single frame: no boxes."""
    return {**saved, "text_present": False, "frames": 1, "boxes": [], "case": case, "notes": notes}


# ---------------------------------------------------------------- the mix of classes

def parse_mix(text: str) -> dict[str, float]:
    """``CLASS=SHARE,...`` as shares summing to 1, in CLASSES order."""
    shares: dict[str, float] = {}
    for part in filter(None, text.split(",")):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in CLASSES:
            raise argparse.ArgumentTypeError(f"expected CLASS=SHARE with CLASS one of {', '.join(CLASSES)}: {part!r}")
        try:
            shares[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {part!r}") from None
    total = sum(shares.values())
    if min(shares.values(), default=-1) < 0 or total <= 0:
        raise argparse.ArgumentTypeError(f"shares must be >= 0 and not all 0: {text!r}")
    return {name: shares[name] / total for name in CLASSES if name in shares}


def allocate(mix: dict[str, float], n: int) -> dict[str, int]:
    """How many of ``n`` files each class of ``mix`` gets: rounded down, the rest to the largest remainders."""
    counts = {name: math.floor(share * n) for name, share in mix.items()}
    remainders = sorted(mix, key=lambda name: (counts[name] - mix[name] * n, CLASSES.index(name)))
    for name in remainders[:n - sum(counts.values())]:
        counts[name] += 1
    return {name: count for name, count in counts.items() if count}


@dataclass(frozen=True)
class Archive:
    """What every class writer needs: the output, the seed, the series length and the corpus (read when needed)."""

    out: Path
    seed: int
    per_series: int
    corpus: Path

    @cached_property
    def sources(self) -> list[Source]:
        sources, _ = load_sources(self.corpus)
        if not sources:
            raise SystemExit(f"make_archive: no usable text-free source in {self.corpus}")
        return sources


def draw_syntax(rng: np.random.Generator) -> UID:
    """A transfer syntax drawn from COMPRESSIONS; uncompressed when pydicom has no encoder for the one drawn."""
    syntax = UID(rng.choice(list(COMPRESSIONS), p=list(COMPRESSIONS.values())))
    return syntax if syntax == ExplicitVRLittleEndian or get_encoder(syntax).is_available else ExplicitVRLittleEndian


def series_of(case: str, seed: int, number: int) -> Series:
    """Series ``number`` of a slice class; ``text-free`` keeps the UIDs, random streams and syntax it always had."""
    if case == CASE:
        return Series(Path(case) / f"series_{number:03d}", number, str(number), (seed, number))
    entropy = (seed, CLASSES.index(case), number)
    syntax = draw_syntax(np.random.default_rng([*entropy, 1]))
    if case == "radiograph":
        return Series(Path(case), number, f"{case}/{number}", entropy, syntax, f"image_{number:05d}.dcm", case)
    return Series(Path(case) / f"series_{number:03d}", number, f"{case}/{number}", entropy, syntax, case=case)


def slice_class(archive: Archive, case: str, count: int) -> list[dict]:
    """``count`` text-free slices of class ``case`` in series (radiographs: one image each), sources round-robin in
    a seeded order."""
    pool = [source for source in archive.sources if source.header.get("Modality") in MODALITIES[case]]
    if not pool:
        raise SystemExit(f"make_archive: no {case} source in {archive.corpus}")
    slices = 1 if case == "radiograph" else archive.per_series
    order = np.random.default_rng(archive.seed if case == CASE else [archive.seed, CLASSES.index(case)])
    order = order.permutation(len(pool))
    entries = []
    for number, first in enumerate(range(0, count, slices)):
        series = series_of(case, archive.seed, number)
        entries += text_free_series(pool[order[number % len(pool)]], archive.out, archive.seed, series,
                                    min(slices, count - first))
    return entries


@cache
def synthetic() -> ModuleType:
    """scripts/make_synthetic.py as a module (registered in sys.modules: its dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location("make_synthetic", SYNTHETIC)
    if spec is None or spec.loader is None:
        raise SystemExit(f"make_archive: cannot load {SYNTHETIC}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def synthetic_sample(seed: int, index: int, kind: str) -> Any:
    """make_synthetic's file ``index`` of set ``seed`` of its case ``kind`` (a Sample: dataset and GT entry)."""
    make = synthetic()
    if kind == make.FORM_CASE:
        return make.build_form(seed, index)
    if kind in make.REAL_CASES:
        return make.build_real(seed, index, kind)
    return make.build(seed, index, kind)


def synthetic_class(archive: Archive, case: str, first: int, count: int) -> list[dict]:
    """``count`` files of class ``case``, make_synthetic's cases SYNTHETIC_CASES[case] in turn, with their GT boxes;
    file ``i`` of the archive is make_synthetic's file ``i`` of set ``--seed``."""
    entries = []
    for index in range(first, first + count):
        kind = SYNTHETIC_CASES[case][(index - first) % len(SYNTHETIC_CASES[case])]
        sample = synthetic_sample(archive.seed, index, kind)
        saved = save(sample.dataset, archive.out, Path(case) / f"{index:05d}-{kind}.dcm")
        entries.append({**sample.entry, **saved, "case": case,
                        "notes": f"make_synthetic case {kind}: {sample.entry['notes']}"})
    return entries


def generate(out: Path, n: int, mix: dict[str, float], per_series: int, seed: int, corpus: Path = CORPUS) -> dict:
    """Write ``n`` files in the classes of ``mix`` (in CLASSES order) and ``out``/gt.json; return the GT document."""
    archive = Archive(out, seed, per_series, corpus)
    counts = allocate(mix, n)
    entries: list[dict] = []
    for case, count in counts.items():
        if case in SYNTHETIC_CASES:
            entries += synthetic_class(archive, case, len(entries), count)
        else:
            entries += slice_class(archive, case, count)
    asked = ",".join(f"{case}={share:.4g}" for case, share in mix.items())
    gt = {"version": 1, "root": ".",
          "description": f"Archive (scripts/make_archive.py --n {n} --mix {asked} --per-series {per_series} "
                         f"--seed {seed}): text-free slice series and radiographs from real text-free corpus images, "
                         "make_synthetic's files with text; paths are relative to the directory of this file (use "
                         "--root DIR); each file's case is its class.",
          "partial": False, "seed": seed, "cases": list(counts), "counts": counts, "files": entries}
    (out / "gt.json").write_text(json.dumps(gt, indent=1) + "\n")
    return gt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=10000, help="files in all")
    parser.add_argument("--mix", type=parse_mix, default=parse_mix(DEFAULT_MIX), metavar="CLASS=SHARE,...",
                        help=f"shares of the classes {', '.join(CLASSES)} (default {DEFAULT_MIX})")
    parser.add_argument("--per-series", type=int, default=20, help="slices per series")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    if args.n < 1 or args.per_series < 1:
        parser.error("--n and --per-series must be positive")
    start = time.perf_counter()
    gt = generate(args.out, args.n, args.mix, args.per_series, args.seed, args.corpus)
    print(f"{len(gt['files'])} files ({', '.join(f'{c} {k}' for c, k in gt['counts'].items())}) in "
          f"{time.perf_counter() - start:.1f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
