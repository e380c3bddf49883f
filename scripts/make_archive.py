#!/usr/bin/env python3
"""Write archive-like series of text-free DICOM slices made from the corpus's real text-free images, with gt.json.

    python scripts/make_archive.py --out DIR [--n 560] [--per-series 20] [--seed 1] [--corpus PATH]

Measures false alarms on real anatomy. The sources are the greyscale anatomy images (CT, MR, PT/NM, CR, DX, RF, XA,
MG, OT/SC) among the text-free rows of ``../shared/corpus/MANIFEST.md`` (``python -m dicom_ocr.bench text-free``), less
EXCLUDED; the middle frame of each is used. Each series takes one source (round-robin in a seeded order) and writes
``--per-series`` slices that drift like neighbouring slices of one body (zoom, rotation and a smooth elastic warp moving
with the slice), each shifted a few pixels and given its own gain, offset and noise, with the source's header, size,
dtype and bits, uncompressed (Explicit VR Little Endian), to ``DIR/series_NNN/slice_NNN.dcm``. ``DIR/gt.json`` (the
format of ../shared/gt/FORMAT.md) lists every file as text-free, case ``text-free``. The same seed writes
byte-identical files.
"""
from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid

from dicom_ocr.bench.textfree import CORPUS, LOGO, text_free_files

CASE = "text-free"
ANATOMY = frozenset({"CT", "MR", "PT", "NM", "CR", "DX", "RF", "XA", "MG", "OT", "SC"})  # Modality of usable sources
EXCLUDED = {"leadtools-flowers": "a photo of flowers", "TestPattern_RGB": "a test pattern",   # by path: not usable
            "Issue44/Monochrome1-Jpeg.dcm": "an 'R' marker (the manifest says no text)"}
COUNTS = frozenset({"PT", "NM"})       # counting modalities: noise grows with the counts, like Poisson noise
DROPPED = ("NumberOfFrames", "FrameIncrementPointer", "SmallestImagePixelValue", "LargestImagePixelValue",
           "PixelPaddingValue", "PixelPaddingRangeLimit", "IconImageSequence")   # wrong or meaningless once rewritten
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


def series_uid(seed: int, series: int, what: str) -> str:
    """A UID that depends only on (seed, series, what)."""
    return generate_uid(UID_PREFIX, [f"make_archive/{seed}/{series}/{what}"])


def slice_header(source: Source, pixels: np.ndarray, seed: int, series: int, k: int) -> Dataset:
    """The source's header for slice ``k`` of a series: new UIDs, numbers and position, pixels set, file meta."""
    ds = copy.deepcopy(source.header)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.StudyInstanceUID = series_uid(seed, series, "study")
    ds.SeriesInstanceUID = series_uid(seed, series, "series")
    ds.FrameOfReferenceUID = series_uid(seed, series, "frame of reference")
    ds.SOPInstanceUID = series_uid(seed, series, f"slice {k}")
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesNumber = series + 1
    ds.InstanceNumber = k + 1
    orientation = np.array(ds.get("ImageOrientationPatient") or (1, 0, 0, 0, 1, 0), dtype=float)
    normal = np.cross(orientation[:3], orientation[3:])
    step = float(ds.get("SliceThickness") or 0) or 1.0
    position = np.array(ds.get("ImagePositionPatient") or (0, 0, 0), dtype=float) + k * step * normal
    ds.ImagePositionPatient = [f"{v:.3f}" for v in position]
    ds.SliceLocation = f"{float(position @ normal):.3f}"
    ds.BurnedInAnnotation = "NO"
    ds.set_pixel_data(pixels, ds.PhotometricInterpretation, int(ds.BitsStored), generate_instance_uid=False)
    return ds


def text_free_series(source: Source, out: Path, seed: int, series: int, slices: int) -> list[dict]:
    """Write series ``series``: ``slices`` text-free slices of ``source``; return their GT entries."""
    rng = np.random.default_rng([seed, series])
    drift = draw_drift(rng, source.pixels.shape)
    image = source.pixels.astype(np.float32)
    entries = []
    for k in range(slices):
        ds = slice_header(source, text_free_slice(source, image, drift, k, slices, rng), seed, series, k)
        entries.append(write(ds, out, Path(f"series_{series:03d}") / f"slice_{k:03d}.dcm",
                             f"source: {source.path} (frame {source.frame})"))
    return entries


def write(ds: Dataset, out: Path, path: Path, notes: str) -> dict:
    """Save ``ds`` at ``out``/``path``; its GT entry (text-free: no boxes)."""
    (out / path).parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(out / path, enforce_file_format=True)
    return {"path": path.as_posix(), "sha256": hashlib.sha256((out / path).read_bytes()).hexdigest(),
            "text_present": False, "frames": 1, "boxes": [], "case": CASE, "notes": notes}


def generate(out: Path, n: int, per_series: int, seed: int, corpus: Path = CORPUS) -> tuple[dict, list[str], dict]:
    """Write ``n`` slices in series of ``per_series`` and ``out``/gt.json; return the GT document, the sources used
    and the skipped corpus files with the reason."""
    sources, skipped = load_sources(corpus)
    if not sources:
        raise SystemExit(f"make_archive: no usable text-free source in {corpus}")
    order = np.random.default_rng(seed).permutation(len(sources))
    entries, used = [], []
    for series, first in enumerate(range(0, n, per_series)):
        source = sources[order[series % len(sources)]]
        used.append(source.path)
        entries += text_free_series(source, out, seed, series, min(per_series, n - first))
    gt = {"version": 1, "root": ".",
          "description": f"Text-free archive series (scripts/make_archive.py --n {n} --per-series {per_series} "
                         f"--seed {seed}) from real text-free corpus images; paths are relative to the directory of "
                         "this file (use --root DIR). No file has text: every rect is a false alarm.",
          "partial": False, "seed": seed, "cases": [CASE], "files": entries}
    (out / "gt.json").write_text(json.dumps(gt, indent=1) + "\n")
    return gt, list(dict.fromkeys(used)), skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=560, help="slices in all")
    parser.add_argument("--per-series", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    if args.n < 1 or args.per_series < 1:
        parser.error("--n and --per-series must be positive")
    start = time.perf_counter()
    gt, used, skipped = generate(args.out, args.n, args.per_series, args.seed, args.corpus)
    series = len({Path(e["path"]).parent for e in gt["files"]})
    print(f"{series} series, {len(gt['files'])} slices from {len(used)} sources ({len(skipped)} text-free files "
          f"skipped) in {time.perf_counter() - start:.1f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
