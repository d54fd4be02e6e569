"""``nhp ensemble``: thousands of plans that meet the same rules, and where one plan sits among them.

Run a chain: ``nhp ensemble --area QK1 --steps 10000 --seed 1 --out runs.parquet`` runs a seeded ReCom chain
(merge two adjacent neighbourhoods, draw a random spanning tree, cut it within the band, never across the
nesting unit) from the proposal with the same parameters (or from ``--start PLAN``) and writes one row of scores
per step. Place a plan: ``nhp ensemble --area QK1 --plan PLAN --runs runs.parquet --out placement.html`` prints
the plan's percentile on every score and draws the histograms with the plan marked (``.html`` or ``.png``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cli import _common
from cli._common import add_area_arguments
from geo import export
from geo.ensemble import SCORES, run_ensemble
from geo.ensemble.io import read_runs
from geo.ensemble.placement import format_placement, place
from geo.errors import DataError
from geo.plan import Plan
from geo.settings import get_settings


def register(subparsers) -> None:
    """Add ``nhp ensemble`` to the command line."""
    parser = subparsers.add_parser(
        "ensemble", help="run a ReCom ensemble of plans, or place a plan in one", description=__doc__.split("\n\n")[1]
    )
    add_area_arguments(parser)
    parser.add_argument(
        "--build-from",
        default="lsoas",
        choices=["lsoas", "practices", "pcns"],
        help="building blocks (ensembles recombine LSOAs: only 'lsoas')",
    )
    parser.add_argument("--target", type=int, help="people per neighbourhood (default: the settings')")
    parser.add_argument("--tolerance", type=float, help="allowed deviation, e.g. 0.1 (default: the settings')")
    parser.add_argument(
        "--population", choices=["resident", "registered"], default=None, help="population counted (default resident)"
    )
    parser.add_argument(
        "--nest",
        default="lad",
        choices=["lad", "utla", "icb", "none"],
        help="the unit a neighbourhood never crosses (default lad)",
    )
    parser.add_argument(
        "--tree",
        default="mst",
        choices=["mst", "uniform"],
        help="spanning tree: mst (GerryChain's default: minimum under random weights) or uniform (Wilson)",
    )
    parser.add_argument("--start", type=Path, help="start plan file (default: the proposal with these parameters)")
    parser.add_argument("--steps", type=int, help="ReCom steps to run")
    parser.add_argument("--seed", type=int, help="random seed: same seed, same runs (default: the settings')")
    parser.add_argument("--plan", type=Path, help="plan file to place in the ensemble of --runs")
    parser.add_argument("--runs", type=Path, help="runs file written by nhp ensemble --out runs.parquet")
    parser.add_argument("--out", type=Path, help="runs.parquet (a chain), or placement.html / .png (with --plan)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run a chain or place a plan, as the arguments say; return the exit status."""
    if args.build_from != "lsoas":
        raise DataError(
            f"ensembles recombine LSOAs: --build-from {args.build_from} is not supported",
            column="build-from",
            expected="--build-from lsoas",
        )
    if args.plan is not None or args.runs is not None:
        return _place(args)
    return _chain(args)


def _chain(args: argparse.Namespace) -> int:
    if args.steps is None:
        raise DataError("no --steps given", expected="--steps N (e.g. 10000)")
    if args.out is None:
        raise DataError("the runs are written as Parquet", expected="--out runs.parquet")
    export.format_for("ensemble", args.out)
    seed = args.seed if args.seed is not None else get_settings().seed
    atlas = _common.atlas_from_args(args)
    start = None
    if args.start is not None:
        start = Plan.from_file(args.start, atlas, name=args.start.stem)
    began = time.perf_counter()
    ensemble = run_ensemble(
        atlas,
        start,
        steps=args.steps,
        seed=seed,
        target=args.target,
        tolerance=args.tolerance,
        population=args.population,
        nest=args.nest,
        tree=args.tree,
    )
    seconds = time.perf_counter() - began
    export.write("ensemble", ensemble, args.out)
    runs = ensemble.runs
    print(
        f"{atlas.area.label}: {args.steps:,} ReCom steps from {ensemble.metadata['start']} "
        f"({len(ensemble.names)} neighbourhoods, seed {seed}, nest {args.nest}) in {seconds:.1f} s; "
        f"{int(runs.moved.sum()):,} steps recombined a pair"
    )
    print(f"{'score':<22} {'start':>10} {'p5':>10} {'median':>10} {'p95':>10}")
    for name in SCORES:
        q = runs[name].quantile([0.05, 0.5, 0.95]).tolist()
        print(f"{name:<22} {ensemble.start[name]:>10.2f} {q[0]:>10.2f} {q[1]:>10.2f} {q[2]:>10.2f}")
    print(f"wrote {args.out}")
    return 0


def _place(args: argparse.Namespace) -> int:
    if args.plan is None or args.runs is None:
        raise DataError(
            "placing a plan needs both --plan PLAN and --runs runs.parquet",
            expected="--plan PLAN --runs runs.parquet --out placement.html",
        )
    if args.out is not None:
        export.format_for("placement", args.out)
    runs, metadata = read_runs(args.runs)
    atlas = _common.atlas_from_args(args)
    plan = Plan.from_file(args.plan, atlas, name=args.plan.stem)
    placement = place(plan, runs, metadata)
    print(
        f"{plan.name} among {len(runs):,} ReCom plans of {metadata.get('area_label', '')} "
        f"(seed {metadata.get('seed')}, nest {metadata.get('nest')})"
    )
    print(format_placement(placement))
    if args.out is not None:
        export.write("placement", placement, args.out, runs=runs, metadata=metadata)
        print(f"wrote {args.out}")
    return 0
