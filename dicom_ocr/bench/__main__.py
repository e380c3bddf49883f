"""``python -m dicom_ocr.bench COMMAND ...``: one subcommand per measurement module."""
from __future__ import annotations

import argparse
import os
from types import ModuleType

from .. import bench
from . import archive, cost, dbwrite, engines, forms, peers, rejudge, rows, score, stages, textfree, triage

COMMANDS: dict[str, ModuleType] = {"score": score, "cost": cost, "engines": engines, "stages": stages, "peers": peers,
                                   "db": dbwrite, "forms": forms, "text-free": textfree, "rejudge": rejudge,
                                   "rows": rows, "triage": triage, "archive": archive}


def parser() -> argparse.ArgumentParser:
    """The harness's parser: each command's description is its module's docstring."""
    main_parser = argparse.ArgumentParser(prog="python -m dicom_ocr.bench", description=bench.__doc__,
                                          formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        doc = module.__doc__ or ""
        summary = doc.partition(": ")[2].partition("\n")[0]          # "name: what it measures" -> what it measures
        sub = commands.add_parser(name, help=summary, description=doc,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
