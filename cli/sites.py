"""``nhp sites``: where to put neighbourhood health centres (hub sites) for a plan.

Chooses ``--per-neighbourhood K`` sites in each neighbourhood (default 1), or ``--total K`` for the whole area,
from today's practice sites or a ``--candidates`` file of public estate, minimising the resident- or need-weighted
straight-line distance (p-median, solved exactly); writes one row per site (``.csv``) or the catchments
(``.geojson``) and prints the solver's report: wall time and proven optimality gap.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cli import _common
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo import export
from geo.access.candidates import read_candidates
from geo.access.layer import PRACTICE_KM
from geo.access.siting import DEFAULT_PER_NEIGHBOURHOOD, DEFAULT_WEIGHT, WEIGHTS, choose_sites
from geo.sources.upload_kinds import KINDS


def register(subparsers) -> None:
    """Add ``nhp sites``."""
    sites = subparsers.add_parser(
        "sites", help="choose hub sites (neighbourhood health centres) for a plan", description=__doc__.split("\n\n")[1]
    )
    sites.add_argument("plan", type=Path, help=PLAN_FILE)
    _common.add_area_arguments(sites)
    add_plan_arguments(sites)
    sites.add_argument(
        "--candidates",
        type=Path,
        help=f"candidate sites, {KINDS['candidates'].accepts()} (default: today's GP practice sites)",
    )
    how = sites.add_mutually_exclusive_group()
    how.add_argument("--per-neighbourhood", type=int, metavar="K", help="sites in each neighbourhood (default 1)")
    how.add_argument("--total", type=int, metavar="K", help="sites for the whole area, across neighbourhoods")
    sites.add_argument(
        "--weight",
        choices=sorted(WEIGHTS, reverse=True),
        default=DEFAULT_WEIGHT,
        help="weight people by need (x1 to x2 by the need score's percentile) or not (default)",
    )
    sites.add_argument("--threshold-km", type=float, default=None, help="distance counted as beyond (default 2 km)")
    sites.add_argument(
        "--out",
        type=Path,
        required=True,
        help="sites.csv or .xlsx (one row per site) or sites.geojson or .gpkg (catchments)",
    )
    sites.set_defaults(func=run_sites)


def run_sites(args: argparse.Namespace) -> int:
    """Choose the sites, write them and print a summary."""
    export.format_for("sites", args.out)  # a wrong extension is refused before the work
    candidates = read_candidates(args.candidates) if args.candidates else None
    atlas = _common.atlas_from_args(args)
    plan = plan_from_args(args.plan, atlas, args)
    per = args.per_neighbourhood if args.total is None else None
    start = time.perf_counter()
    result = choose_sites(
        plan,
        candidates=candidates,
        per_neighbourhood=per or (DEFAULT_PER_NEIGHBOURHOOD if args.total is None else None),
        total=args.total,
        weight=args.weight,
        threshold_km=PRACTICE_KM if args.threshold_km is None else args.threshold_km,
        data_dir=args.data_dir,
    )
    seconds = time.perf_counter() - start
    export.write("sites", result, args.out)
    problems = result.problems
    print(
        f"{atlas.area.label}: {len(result.sites)} site(s) from {result.notes['candidates']}, "
        f"{len(problems)} problem(s) solved in {seconds:.1f} s; largest optimality gap {result.max_gap:.4g} "
        f"({'proven optima' if result.max_gap == 0 else 'not all proven'})"
    )
    print(f"method: {result.notes['method']}")
    print("solvers: " + ", ".join(f"{m} x{n}" for m, n in problems.method.value_counts().items()))
    for note in problems.loc[problems.note != "", ["neighbourhood", "note"]].itertuples():
        print(f"  {note.neighbourhood}: {note.note}")
    print(
        f"beyond_threshold: residents more than {result.notes['threshold_km']:g} km from their site; "
        f"opening_order: {result.notes['opening_order']}"
    )
    print(f"wrote {args.out}")
    return 0
