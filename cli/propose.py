"""``nhp propose``: propose neighbourhood footprints for a study area and write them out.

The output format follows the file extension (written by :func:`geo.plan.io.write_plan`): ``.csv`` is a lookup
(``lsoa_code,neighbourhood``, plus ``mnp`` with ``--mnp``); ``.geojson`` and ``.gpkg`` hold one dissolved footprint
per neighbourhood with its metrics (whole counts as integers, fields described); ``.xlsx`` is their table with a
Notes sheet. A summary table is printed:
population, deviation and LSOAs per neighbourhood, then the plan's largest deviation, share within ±5 %, local
authority crossings, contiguity and what the proposal could not meet.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from cli import _common
from cli._common import add_area_arguments
from cli.plan import _count
from geo import export
from geo.atlas.summary import practice_status
from geo.errors import DataError
from geo.export import extensions
from geo.plan.params import POPULATION_BASES
from geo.settings import get_settings

FORMATS = tuple(extensions("plan"))
NEST_LEVELS = ("lad", "utla", "icb", "none")
BUILDS = ("lsoas", "msoas", "wards", "practices", "pcns")
RESPECTS = ("practices", "wards", "none")


def register(subparsers) -> None:
    """Add ``nhp propose`` to the command line."""
    settings = get_settings()
    parser = subparsers.add_parser(
        "propose",
        help="propose neighbourhoods of about a target population, nested in local authorities",
        description=__doc__.split("\n\n")[1],
    )
    add_area_arguments(parser)
    # Defaults are None: ProposalParams.from_settings fills them, the one place settings become parameters.
    parser.add_argument("--target", type=int, help=f"people per neighbourhood (default {settings.target_population})")
    parser.add_argument("--tolerance", type=float, help=f"allowed deviation, e.g. 0.1 (default {settings.tolerance})")
    parser.add_argument(
        "--build-from",
        default="lsoas",
        help="building blocks: lsoas, msoas, wards, a FILE of your own units (an lsoa_code,unit CSV "
        "or polygons), all kept whole (place-based); or whole GP practices / PCNs (list-based)",
    )
    parser.add_argument(
        "--neighbourhoods",
        help="how many instead of how big: N for the whole area (spread over "
        "the --nest places by population, at least one each) or CODE=N,CODE=N for every place",
    )
    parser.add_argument(
        "--min-size",
        type=float,
        help="smallest neighbourhood (people); with --max-size replaces --target and --tolerance",
    )
    parser.add_argument("--max-size", type=float, help="largest neighbourhood (people)")
    parser.add_argument(
        "--nest",
        default="lad",
        help="nesting unit: lad, utla, icb, none, or a geography FILE "
        "(polygons or an lsoa_code,unit CSV, e.g. proposed unitaries)",
    )
    parser.add_argument(
        "--population",
        default=None,
        choices=POPULATION_BASES,
        help="population counted (default: resident; list for --build-from practices/pcns)",
    )
    parser.add_argument(
        "--practices",
        default="whole",
        choices=["whole", "ignore"],
        help="keep each GP practice's LSOAs together (whole) or not",
    )
    parser.add_argument(
        "--respect",
        default="practices",
        help="keep whole: practices (default), wards, or the units of a geography FILE (an "
        "lsoa_code,unit CSV or polygons: care localities, police neighbourhoods), splitting one only "
        "when balance needs it and reporting each split (with --build-from practices|pcns: every practice "
        "whose site is in one ward or unit goes to one neighbourhood, PCNs kept whole too); or none",
    )
    parser.add_argument("--compactness", type=float, default=1.0, help="weight of compact shapes (0 ignores)")
    parser.add_argument(
        "--access-weight",
        type=float,
        default=0.0,
        help="prefer footprints whose people are near one common hub (0 ignores; e.g. 3): boundary moves towards "
        "each neighbourhood's best practice site, within the band; the summary then "
        "compares balance and distance to the best practice site with the same seed's plan without it",
    )
    parser.add_argument("--seed", type=int, help=f"random seed: same seed, same plan (default {settings.seed})")
    parser.add_argument("--time-budget", type=float, help=f"seconds (default {settings.proposal_time_budget:g})")
    parser.add_argument("--algorithm", default="default", help="proposal algorithm (default: tree-bisection)")
    parser.add_argument("--mnp", action="store_true", help="also group neighbourhoods into MNP areas")
    parser.add_argument("--mnp-target", type=int, default=settings.mnp_target_population, help="people per MNP area")
    parser.add_argument("--mnp-nest", default="utla", choices=["lad", "utla", "icb", "none"], help="MNP nesting")
    parser.add_argument(
        "--out", type=Path, help="output file: .csv lookup, .geojson or .gpkg footprints, .xlsx workbook"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Propose, write the output and print the summary; return the exit status."""
    from geo.propose import (
        ProposalParams,
        group_mnp,
        propose,
    )  # lazy: nhp --help start-up: multiprocessing, 36 modules, 0.25 s
    from geo.propose.counts import parse_counts  # lazy: nhp --help start-up: geo.propose, 36 modules, 0.5 s

    if args.out is not None and args.out.suffix.lower() not in FORMATS:
        raise DataError(
            f"cannot write {args.out.suffix or 'a file without an extension'}",
            file=args.out,
            expected="a " + ", ".join(FORMATS[:-1]) + " or " + FORMATS[-1] + " file",
        )
    params = ProposalParams.from_settings(
        target=args.target,
        tolerance=args.tolerance,
        population=args.population,
        nest=args.nest if args.nest in NEST_LEVELS else "custom",
        respect=args.respect if args.respect in RESPECTS else "custom",
        build_from=args.build_from if args.build_from in BUILDS else "custom",
        neighbourhoods=parse_counts(args.neighbourhoods) if args.neighbourhoods else None,
        min_size=_whole(args.min_size),
        max_size=_whole(args.max_size),
        practices=args.practices,
        compactness_weight=args.compactness,
        access_weight=args.access_weight,
        seed=args.seed,
        time_budget=args.time_budget,
    )
    atlas = _common.atlas_from_args(args)
    if args.nest not in NEST_LEVELS:  # a user geography (proposed unitaries, say): read and checked first
        from geo.plan.geography import read_geography  # lazy: nhp --help start-up: 1 module, 23 ms
        from geo.propose.wards import nest_in  # lazy: nhp --help start-up: geo.propose, 36 modules, 0.5 s

        atlas = nest_in(atlas, read_geography(args.nest, atlas))
    atlas = with_user_geographies(atlas, args)
    plan = propose(atlas, params, algorithm=args.algorithm, name=f"proposal seed {params.seed}")
    mnp = (
        group_mnp(
            atlas,
            plan.assignment,
            target=args.mnp_target,
            nest=args.mnp_nest,
            seed=params.seed,
            tolerance=params.tolerance,
            # MNP areas group whole neighbourhoods by their footprints; a list plan's lists ~ registered
            population="registered" if params.population == "list" else params.population,
        )
        if args.mnp
        else None
    )
    made = plan.provenance
    print(
        f"{atlas.area.label}: {len(plan.neighbourhoods)} neighbourhoods from {len(atlas.lsoas):,} LSOAs "
        f"({made.method}, seed {made.seed}, {made.seconds:.1f} s)"
    )
    if made.stopped_early:
        print(
            f"STOPPED EARLY: the time budget of {params.time_budget:g} s ended the search; this is the best plan "
            "found by then, and a longer budget (--time-budget) may give a different one"
        )
    print(format_table(plan, mnp))
    print(format_summary(plan.summary(), plan.unmet))
    for hint in nest_hints(plan, params.nest):
        print(hint)
    print(format_practices(atlas))
    print(format_made(plan))
    effect = made.params.get("access")
    if effect:
        from geo.access.hubs import effect_lines  # lazy: nhp --help start-up: 1 module, 6 ms

        print("\n".join(effect_lines(effect)))
    if args.out is not None:
        write_output(plan, plan.assignment, mnp, args.out)
        print(f"wrote {args.out}")
    return 0


def _whole(value):
    return None if value is None else (int(value) if float(value).is_integer() else value)


def with_user_geographies(atlas, args: argparse.Namespace):
    """Put the blocks (``--build-from msoas|wards|FILE``) and the units kept whole (``--respect FILE``) on the atlas,
    each read and checked before any work is done."""
    from geo.plan.geography import read_geography  # lazy: nhp --help start-up: 1 module, 23 ms
    from geo.propose import blocks  # lazy: nhp --help start-up: multiprocessing, 36 modules, 0.25 s

    if args.build_from == "msoas":
        table, source = blocks.read_msoas(getattr(args, "data_dir", None))
        atlas = blocks.with_blocks(atlas, blocks.msoa_blocks(atlas.lsoas, table, source))
    elif args.build_from == "wards":
        atlas = blocks.with_blocks(atlas, blocks.ward_blocks(atlas.lsoas))
    elif args.build_from not in BUILDS:
        atlas = blocks.with_blocks(atlas, blocks.custom_blocks(read_geography(args.build_from, atlas)))
    if args.respect not in RESPECTS:
        from geo.propose.wards import respect_in  # lazy: nhp --help start-up: geo.propose, 36 modules, 0.5 s

        atlas = respect_in(atlas, read_geography(args.respect, atlas))
    return atlas


def format_made(plan) -> str:
    """Return what the plan was built from and, for a number of neighbourhoods, each place's ideal size."""
    from geo.propose.counts import (
        ideal_lines,
        place_balance_line,
    )  # lazy: nhp --help start-up: geo.propose, 36 modules, 0.5 s

    made = plan.provenance.params
    blocks = made.get("blocks")
    lines = (
        [f"building blocks: {blocks['count']:,} {blocks['title']} ({blocks['source']}), each kept whole"]
        if blocks
        else []
    )
    grouped = made.get("grouped")
    if grouped:  # wards (or a user's units) kept whole in a list build: the rule, and its groups
        lines.append(grouped["rule"])
    ideals = made.get("ideal_sizes")
    if ideals:
        lines.append(
            f"ideal size of each place (its total / its count), tolerance ±{100 * plan.tolerance:g} % around it:"
        )
        lines += [f"  {line}" for line in ideal_lines(ideals)]
        lines.append(place_balance_line(plan))
    return "\n".join(lines)


def format_table(plan, mnp: pd.Series | None = None) -> str:
    """Return the per-neighbourhood table (population, deviation %, LSOAs, and MNP area) as aligned text."""
    table = plan.neighbourhood_table()
    lines = [
        f"{'neighbourhood':<18} {'population':>11} {'dev %':>7} {'LSOAs':>6}" + ("  MNP" if mnp is not None else "")
    ]
    for row in table.itertuples():
        deviation = "n/p" if row.deviation_pct != row.deviation_pct else f"{row.deviation_pct:+.1f}"
        line = f"{row.name:<18} {_count(row.population):>11} {deviation:>7} {row.lsoas:>6}"
        lines.append(line + (f"  {mnp.get(row.name, '')}" if mnp is not None else ""))
    return "\n".join(lines)


def _against(summary: dict) -> str:
    """ " against each place's ideal (place total / its count)" for a counted plan; nothing for a target's."""
    against = summary.get("deviation_from", "the target")
    return "" if against == "the target" else f" against {against}"


def format_summary(summary: dict, unmet: list[str]) -> str:
    """Return the plan-level lines and what could not be met."""
    lines = [
        f"counted on {summary.get('population_basis', 'resident')} population; "
        f"max |deviation|{_against(summary)} {summary['max_abs_deviation_pct']:.1f} %; within ±5 %: "
        f"{summary['within_5_pct']:.0f}%; "
        f"within ±10 %: {summary['within_10_pct']:.0f}%",
        f"contiguous: {'yes' if summary['contiguous'] else 'no ' + ', '.join(summary['non_contiguous'])}; "
        f"LA crossings: {summary['la_crossings']}; practice splits: {summary['practice_splits']}; "
        f"mean Polsby-Popper: {summary['mean_polsby_popper']:.2f}",
        _alignment_line(summary),
    ]
    if unmet:
        lines.append("could not meet:")
        lines += [f"  - {line}" for line in unmet]
    return "\n".join(lines)


#: The nesting level above each, offered when a whole place is too small for a neighbourhood of its own.
_NEXT_NEST = {"lad": ("utla", "icb"), "utla": ("icb",)}


def nest_hints(plan, nest: str) -> list[str]:
    """Lines offering the sensible nest to a place too small for one neighbourhood (the Isles of Scilly, Rutland).

    A neighbourhood that is a whole place of the nesting level and falls below the band could join a neighbour at
    the level above (a district within its county, or anything within the ICB); the hint names that level and the
    neighbour it would most likely join, and changes nothing.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, lad_width=1, population=[3000, 20000, 20000, 20000])
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["a", "b", "c", "d"])), target=20_000)
    >>> nest_hints(plan, "lad")  # doctest: +ELLIPSIS
    ['hint: Grid District 0 (3,000 people) is below the band on its own; --nest utla would let it join ...']
    """
    levels = _NEXT_NEST.get(nest)
    if not levels:
        return []
    lsoas = plan.atlas.lsoas
    code, name = f"{nest}_code", f"{nest}_name"
    if code not in lsoas.columns:
        return []
    low = plan.params.band[0]
    # The decision and the line read the published population (a margin of its parts; NaN, suppressed, is below
    # the band): a decision on the exact one, with the band's edge set a few people above a published total,
    # would say whether a small practice's list was above or below it.
    shown = plan.neighbourhood_table().set_index("name")["population"]
    members = pd.DataFrame({"hood": plan.assignment.to_numpy(), "place": lsoas[code].to_numpy()}, index=lsoas.index)
    hints = []
    for place, group in members.groupby("place", sort=True):
        hoods = group.hood.unique()
        if len(hoods) != 1 or (members.hood == hoods[0]).sum() != len(group) or shown[hoods[0]] >= low:
            continue
        population = float(shown[hoods[0]])
        place_name = str(lsoas.loc[group.index[0], name])
        level = next(
            (
                lv
                for lv in levels
                if f"{lv}_code" in lsoas.columns
                and lsoas.loc[lsoas[code] != place, f"{lv}_code"].eq(lsoas.loc[group.index[0], f"{lv}_code"]).any()
            ),
            None,
        )
        if level is None:
            continue
        neighbours = [
            plan.assignment.iloc[j]
            for i in range(len(lsoas))
            if lsoas.index[i] in group.index
            for j in plan.atlas.adjacency[i].indices
            if plan.assignment.iloc[j] != hoods[0]
        ]
        near = f" (most likely with {pd.Series(neighbours).mode().iloc[0]})" if neighbours else ""
        hints.append(
            f"hint: {place_name} ({_count(population)} people) is below the band on its own; "
            f"--nest {level} would let it join a neighbouring place{near}"
        )
    return hints


def format_practices(atlas) -> str:
    """How many practices and patients (today's lists) are in the area's plans, and out and why.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> format_practices(grid_atlas(4, 4))
    'practices: 4 in plans (23,238 patients on their lists)'
    """

    def patients(value) -> str:
        return "suppressed" if value is None or pd.isna(value) else f"{value:,.0f}"

    table = practice_status(atlas).set_index("status")
    inside = table.loc["in_plan"] if "in_plan" in table.index else None
    line = (
        f"practices: {int(inside.practices) if inside is not None else 0} in plans "
        f"({patients(inside.patients if inside is not None else 0)} patients on their lists)"
    )
    out = table.drop(index="in_plan", errors="ignore")
    if len(out):
        line += "; left out: " + "; ".join(
            f"{int(row.practices)} {status.replace('_', ' ')} ({patients(row.patients)} patients)"
            for status, row in out.iterrows()
        )
    return line


def _alignment_line(summary: dict) -> str:
    """List and place: alignment, and how much of each practice's list lives in its own neighbourhood."""
    share = summary.get("practice_home_share") or {}
    median, p10 = share.get("median"), share.get("p10")
    spread = (
        (
            f"; share of each practice's list living in its neighbourhood: median {median:.0f} %, "
            f"10th percentile {p10:.0f} %"
        )
        if median is not None and p10 is not None
        else ""
    )
    return (
        f"built from {summary.get('built_from', 'lsoas')}; alignment of list and place: "
        + ("not published" if summary['alignment_pct'] is None else f"{summary['alignment_pct']:.1f} %")
        + spread
    )


def write_output(plan, assignment: pd.Series, mnp: pd.Series | None, path: Path) -> None:
    """Write the plan to ``path`` in the format its extension names (the one plan writer), with each
    neighbourhood's MNP area if any."""
    export.write("plan", plan, path, columns=None if mnp is None else {"mnp": mnp.to_dict()})
