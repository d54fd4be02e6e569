"""``nhp rename``: rename neighbourhoods of a plan file and write the renamed plan.

``nhp rename plan.csv --area QK1 --set "E06000016-N03=Belgrave and Rushey Mead" --out named.csv`` renames one
neighbourhood; ``--auto`` names every neighbourhood after its wards first (:mod:`geo.plan.naming`). A name that
is not in the plan, a bad name or two neighbourhoods with one name is one error, and nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import _common
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo import export
from geo.errors import PlanError
from geo.plan.naming import neighbourhood_names


def register(subparsers) -> None:
    """Add ``nhp rename``."""
    parser = subparsers.add_parser(
        "rename", help="rename neighbourhoods of a plan file", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("plan", type=Path, help=PLAN_FILE)
    _common.add_area_arguments(parser)
    parser.add_argument(
        "--set",
        dest="names",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="rename neighbourhood OLD to NEW (repeatable)",
    )
    parser.add_argument("--auto", action="store_true", help="first name every neighbourhood after its wards")
    parser.add_argument("--out", type=Path, required=True, help="renamed plan: .csv, .geojson or .gpkg")
    add_plan_arguments(parser)
    parser.set_defaults(func=run)


def parse_names(pairs: list[str]) -> dict[str, str]:
    """Return ``{old: new}`` from ``OLD=NEW`` strings (split at the first ``=``).

    Examples
    --------
    >>> parse_names(["N1=Abbey", "N2 = Belgrave and Rushey Mead"])
    {'N1': 'Abbey', 'N2': 'Belgrave and Rushey Mead'}
    """
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip():
            raise PlanError(f"--set '{pair}' is not OLD=NEW", column="--set", expected="--set \"OLD=NEW\"")
        if old.strip() in out:
            raise PlanError(
                f"neighbourhood '{old.strip()}' is renamed twice",
                column="--set",
                expected="each neighbourhood at most once",
            )
        out[old.strip()] = new.strip()
    return out


def run(args: argparse.Namespace) -> int:
    """Rename, write and say what changed."""
    mapping = parse_names(args.names)
    if not mapping and not args.auto:
        raise PlanError("nothing to rename", column="--set", expected="--set \"OLD=NEW\" or --auto")
    atlas = _common.atlas_from_args(args)
    plan = plan_from_args(args.plan, atlas, args)
    if args.auto:  # --set names win over the automatic ones; both refer to the plan file's names
        mapping = {**neighbourhood_names(plan), **mapping}
    plan = plan.rename(mapping)
    export.write("plan", plan, args.out)
    changed = sum(1 for old, new in mapping.items() if old != new)
    print(f"renamed {changed} of {len(plan.neighbourhoods)} neighbourhoods; wrote {args.out}")
    return 0
