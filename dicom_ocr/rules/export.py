"""Write what reviewers taught as a deid recipe that ``--rules`` reads back.

One ``LABEL`` per scanner signature (see :mod:`dicom_ocr.learned`), its criteria ANDed on separate lines, so deid itself
reads them the same way:

* Modality: ``equals Modality X``; dcmaudit's 'NoModality' becomes ``missing Modality``.
* Rows, Columns: ``equals``.
* ImageType: the backslash-joined values with ``equals`` (which also compares the joined value); a single value also
  needs ``notcontains ImageType \\`` so it does not match longer ImageTypes. dcmaudit's ``["NoImageType"]`` becomes
  ``missing ImageType || empty ImageType``.
* ManufacturerModelName: ``equals``; 'NoModel' becomes ``missing ManufacturerModelName || empty
  ManufacturerModelName``. dcmaudit's fallbacks (a secondary capture's model, ``Manufacturer SoftwareVersions``) are
  not expressed: such signatures match only files whose ManufacturerModelName has that value.

deid recipes have no frame or overlay field: only image-pixel rectangles (overlay -1) are written, each frame's
rectangles for every frame (``coordinates`` = every frame), merged and de-duplicated. Overlay rectangles stay with
:class:`dicom_ocr.learned.LearnedSource`. Coordinates are deid's native ``xmin,ymin,xmax,ymax`` (max exclusive),
clipped to the signature's Rows x Columns.
"""
from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from ..geometry import Box
from ..learned import LearnedRect, Signature, learned_rects
from ..store import AuditDB
from .deid_recipe import ACTIONS

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"#|\s(\+|\|\|)\s+(%s)\s" % "|".join(ACTIONS), re.IGNORECASE)


def export_recipe(db: AuditDB, path: str | Path) -> int:
    """Write the reviewed image rectangles of ``db`` as a deid recipe at ``path``; returns the number of LABELs."""
    blocks = [block for sig, rects in sorted(learned_rects(db).items()) if (block := label_block(sig, rects))]
    header = ["FORMAT dicom", "", "# Rectangles reviewers kept in dcmaudit, one LABEL per scanner signature.",
              "%filter graylist", ""]
    Path(path).write_text("\n".join(header + [line for block in blocks for line in block + [""]]), encoding="utf-8")
    log.info("wrote %d labels to %s", len(blocks), path)
    return len(blocks)


def label_block(sig: Signature, rects: tuple[LearnedRect, ...]) -> list[str]:
    """The LABEL lines for one signature; [] when it has no image rectangle inside the image or cannot be expressed."""
    criteria = signature_criteria(sig)
    boxes = image_boxes(rects, sig.rows, sig.columns)
    if criteria is None or not boxes:
        return []
    files = max(r.files for r in rects)
    name = _safe_name(f"learned {sig.modality} {sig.columns}x{sig.rows} {sig.manufacturer_model_name}")
    lines = [f"LABEL {name} # up to {files} reviewed files, ImageType {_safe_name(sig.imagetype)}"]
    lines += [f"  {criteria[0]}"] + [f"  + {c}" for c in criteria[1:]]
    lines += [f"  coordinates {b.left},{b.top},{b.right + 1},{b.bottom + 1}" for b in boxes]
    return lines


def signature_criteria(sig: Signature) -> list[str] | None:
    """deid criteria (one per line, to be ANDed) that select the files of ``sig``; None if ImageType is unreadable."""
    imagetype = _imagetype_criterion(sig.imagetype)
    if imagetype is None:
        log.warning("ImageType %r is not a JSON list; signature skipped", sig.imagetype)
        return None
    modality = "missing Modality" if sig.modality == "NoModality" else _equals("Modality", sig.modality)
    model = _equals("ManufacturerModelName", sig.manufacturer_model_name)
    if sig.manufacturer_model_name == "NoModel":
        model = "missing ManufacturerModelName || empty ManufacturerModelName"
    return [modality, _equals("Rows", str(sig.rows)), _equals("Columns", str(sig.columns)), imagetype, model]


def _imagetype_criterion(stored: str) -> str | None:
    try:
        values = json.loads(stored.replace("'", '"'))      # dcmaudit's old DBs hold a Python repr
    except ValueError:
        return None
    values = [values] if isinstance(values, str) else values
    if not isinstance(values, list) or not values:
        return None
    if values == ["NoImageType"]:
        return "missing ImageType || empty ImageType"
    criterion = _equals("ImageType", "\\".join(str(v) for v in values))
    return criterion if len(values) > 1 else f"{criterion} + notcontains ImageType \\\\"


def _equals(keyword: str, value: str) -> str:
    """``equals``: plain text unless it would break the line (a comment mark, an operator), then an escaped regex."""
    if not value.strip():
        return f"empty {keyword}"
    return f"equals {keyword} {re.escape(value) if _UNSAFE.search(value) else value}"


def _safe_name(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("#", "")).strip()


def image_boxes(rects: tuple[LearnedRect, ...], rows: int, columns: int) -> list[Box]:
    """The image-pixel (overlay -1) boxes of any frame, clipped and de-duplicated, in order."""
    boxes = (r.box.clip(rows, columns) for r in rects if r.overlay == -1)
    return sorted({b for b in boxes if b is not None})
