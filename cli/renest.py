"""``nhp renest``: make an agreed plan nest in a new geography (proposed unitaries) moving as few people as possible.

``nhp renest agreed.csv --area QK1 --into unitaries.csv --out renested.csv`` keeps each neighbourhood's part in the
unit holding most of its people and gives every other part to a neighbouring neighbourhood of its unit (or makes
it a neighbourhood of its own), keeping contiguity and, where it can, the band; it lists every moved LSOA with
its people and reports the people moved against a lower bound (:mod:`geo.propose.renest`). The agreed plan file is
never changed: the result is written to a new file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import _common
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo import export
from geo.disclosure import suppress
from geo.errors import DataError
from geo.sources.upload_kinds import KINDS
from geo.writers import write_table


def register(subparsers) -> None:
    """Add ``nhp renest``."""
    parser = subparsers.add_parser(
        "renest", help="make a plan nest in a new geography, moving fewest people", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("plan", type=Path, help=f"the agreed {PLAN_FILE}")
    _common.add_area_arguments(parser)
    parser.add_argument(
        "--into", required=True, help=f"the new geography: las, wards, pcns or a FILE, {KINDS['geography'].accepts()}"
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="the re-nested plan: .csv, .geojson or .gpkg (a new file; never the agreed plan)",
    )
    parser.add_argument(
        "--no-rebalance",
        action="store_true",
        help="move only what nesting needs (no moves of LSOAs, or of whole practices in a plan of practices, between "
        "neighbourhoods of one unit to bring them into the band)",
    )
    parser.add_argument("--moves", type=Path, help="also write every moved LSOA to this CSV")
    add_plan_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Re-nest, write the new plan and print what moved; return the exit status."""
    from geo.plan.geography import geography  # lazy: nhp --help start-up: 1 module, 23 ms
    from geo.propose.renest import renest, renested_plan  # lazy: nhp --help start-up: geo.propose, 37 modules, 0.4 s

    if args.out.resolve() == args.plan.resolve():
        raise DataError(
            "the re-nested plan would overwrite the agreed plan", file=args.out, expected="a new file for --out"
        )
    export.format_for("plan", args.out)
    atlas = _common.atlas_from_args(args)
    plan = plan_from_args(args.plan, atlas, args)
    into = geography(atlas, args.into)
    result = renest(plan, into, rebalance=not args.no_rebalance)
    new = renested_plan(plan, into, result, name=args.out.stem)
    print(format_report(plan, new, result, into))
    if args.moves is not None:
        write_table(result.moved, args.moves)  # the one CSV writer: formula-safe names, whole counts
        print(f"wrote {args.moves}")
    export.write("plan", new, args.out)
    print(f"wrote {args.out}")
    return 0


def format_report(plan, new, result, into) -> str:
    """Return the re-nesting report: people moved against the bound, every moved LSOA, and what was not kept."""
    s = new.summary()
    shown = result.published()  # margins of their parts, as every total leaves the process
    lines = [
        f"{plan.name} nested in {into.title}: {len(plan.neighbourhoods)} -> {len(new.neighbourhoods)} "
        f"neighbourhoods; {len(result.moved)} {'practice' if 'practice_code' in result.moved else 'LSOA'}(s) moved, "
        f"{_count(shown['people_moved'], shown['people_moved_rounded_to'])} people "
        f"(lower bound {_count(shown['lower_bound'], shown['lower_bound_rounded_to'])})",
        f"max |deviation| {s['max_abs_deviation_pct']:.1f} %; within ±5 %: {s['within_5_pct']:.0f}%; within "
        f"±10 %: {s['within_10_pct']:.0f}%; contiguous: "
        f"{'yes' if s['contiguous'] else 'no ' + ', '.join(s['non_contiguous'])}",
    ]
    if len(result.moved):
        moved = result.moved
        key = "practice_code" if "practice_code" in moved.columns else "lsoa_code"
        what = "practices" if key == "practice_code" else "LSOAs"
        lines.append(f"moved {what} (from -> to, unit, people):")
        frame = plan.atlas.practices if key == "practice_code" else plan.atlas.lsoas
        names = frame.get("practice_name" if key == "practice_code" else "lsoa_name")
        for code, old, to, unit, people in zip(
            moved[key], moved["from"], moved["to"], moved["unit"], moved["population"]
        ):
            label = f" {names[code]}" if names is not None else ""
            people = suppress(float(people))  # a practice's list can be 1 to 7
            lines.append(f"  {code}{label}: {old} -> {to}, {into.name_of(unit)}, {_count(people, 1)}")
    if result.notes:
        lines.append("could not keep:")
        lines += [f"  - {n}" for n in result.notes]
    return "\n".join(lines)


def _count(value, rounded_to: int) -> str:
    """A published count as the report prints it: a suppressed one as "suppressed", a rounded one said so.

    Examples
    --------
    >>> _count(5450.0, 10), _count(None, 10), _count(1500.0, 1)
    ('5,450 (rounded to 10)', 'suppressed', '1,500')
    """
    if value is None or value != value:
        return "suppressed"
    return f"{value:,.0f}" + (f" (rounded to {rounded_to})" if rounded_to > 1 else "")
