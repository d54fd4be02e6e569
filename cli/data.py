"""``nhp data check [DIR]``: which official datasets a folder holds, validated, and where to get the missing ones.

Every dataset found is read with its validating reader, so a bad file stops the check with one line naming the
file, row and column (exit status 2). ``--quick`` only sniffs headers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.errors import DataError
from geo.settings import get_settings
from geo.sources import discover


def register(subparsers) -> None:
    """Add ``nhp data check``."""
    data = subparsers.add_parser("data", help="official data files: check what a folder holds")
    commands = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")
    check = commands.add_parser("check", help="list the datasets found (validated) and the ones missing")
    check.add_argument("dir", nargs="?", type=Path, help="data folder (default: NHP_DATA_DIR)")
    check.add_argument("--quick", action="store_true", help="recognise files by header only; do not read them")
    check.set_defaults(func=run_check)
    data.set_defaults(func=lambda args: data.print_help() or 0)


def run_check(args: argparse.Namespace) -> int:
    """Print the catalogue table; raise DataError (exit 2) on the first bad file."""
    directory = args.dir or get_settings().data_dir
    if directory is None:
        raise DataError("no data folder given", expected="nhp data check DIR, or set NHP_DATA_DIR")
    cat = discover(directory)
    for path, reason in cat.unreadable:
        raise DataError(reason if str(path) in reason else f"{path}: {reason}")
    if not args.quick:
        for found in cat.found:
            cat.read(found.dataset)
    rows = [(f.dataset, f.vintage or "-", "-" if f.rows is None else f"{f.rows:,}", str(f.path)) for f in cat.found]
    header = ("dataset", "vintage", "rows", "file")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")
    for path in cat.unrecognised:
        print(f"not recognised: {path}")
    for dataset, page in cat.missing():
        print(f"missing: {dataset} — download: {page}")
    return 0
