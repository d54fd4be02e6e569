"""Benchmark: list-based proposals (whole practices, whole PCNs) against today's PCNs and the LSOA-built proposal.

Usage (needs the official files; takes the folder from NHP_DATA_DIR or --data-dir)::

    NHP_DATA_DIR=/work/shared/data/raw python bench/list_based.py             # QK1, QPM, E10000025, England
    python bench/list_based.py --areas QK1 --skip-england                      # LLR only

Every area is loaded once and solved with the same inputs (target 50,000, ±10 %, nested in local authorities,
seed 1) four ways: ``--build-from practices``, ``--build-from pcns``, today's PCNs (the October 2025
practice-to-PCN map as a list-based plan) and the LSOA-built proposal. Each plan is scored by its own
``summary()``: wall time of the proposal (not the atlas load), share of neighbourhoods within ±5 % and ±10 % of the
target, largest and second-largest deviation, LA crossings, alignment (share of residents registered with their
neighbourhood's own practices), footprint pieces (neighbourhoods whose place footprint is not one piece), practices
split; for the exact solves, how many nesting units were proven optimal (of those with more
than one neighbourhood; heuristic and unproven units are counted) and the slowest unit. One markdown table is
printed, headed by the load average of the (shared) machine.

Targets (issue 26): all England from whole practices within 10 s wall on 2 cores. The seconds column is wall time;
beside it the CPU seconds of the process and its pool workers, and the load average just after (the machine may
be shared). The exact solver's limits are counts, so the plans depend only on the seed, never on the load.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from geo.atlas import load_atlas
from geo.plan import Plan
from geo.plan.params import PlanParams
from geo.propose import ProposalParams, propose
from geo.propose.pcns import pcn_plan_assignment

TARGET = 50_000
AREAS = ("QK1", "QPM", "E10000025")
METHODS = ("practices", "pcns", "today's PCNs", "lsoas")
HEADER = (
    "| area | built from | seconds | hoods | within ±5 % | within ±10 % | max abs dev % | 2nd dev % "
    "| LA crossings | alignment % | footprint pieces | practices split | units proven optimal | slowest unit |"
)


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (the solver's pool workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(atlas, method: str, seed: int, budget: float):
    """Return (plan, seconds) for one method on ``atlas``."""
    start = time.perf_counter()
    if method == "today's PCNs":
        plan = Plan.from_practices(atlas, pcn_plan_assignment(atlas), PlanParams(target=TARGET, population="list"))
    elif method == "lsoas":
        plan = propose(atlas, ProposalParams(target=TARGET, seed=seed, time_budget=budget))
    else:
        plan = propose(
            atlas, ProposalParams(target=TARGET, build_from=method, nest="lad", seed=seed, time_budget=budget)
        )
    return plan, time.perf_counter() - start


def drop_empty_practices(atlas) -> list[str]:
    """Mark in-area practices with no registrations and no list as outside the area; return their codes.

    ``Plan.from_practices`` leaves such practices out too (they have no list to count); the bench does it first so
    every method sees the same practices, and says so.
    """
    practices = atlas.practices
    inside = practices["in_area"].fillna(False).astype(bool)
    patients = atlas.registrations.groupby("practice_code")["patients"].sum().reindex(practices.index).fillna(0)
    lists = pd.to_numeric(practices["list_size"], errors="coerce").fillna(0)
    empty = inside & (patients <= 0) & (lists <= 0)
    practices.loc[empty, "in_area"] = False
    return sorted(practices.index[empty].astype(str))


def solve_columns(plan) -> tuple[str, str]:
    """``proven/units`` over units split into more than one neighbourhood, and the slowest unit (exact solves)."""
    report = list(getattr(plan.provenance, "solve", None) or ())
    if not report:
        return "–", "–"
    split = [r for r in report if r["status"] != "single"]
    proven = sum(str(r["status"]).startswith("optimal") for r in split)
    others = sorted({str(r["status"]) for r in split if not str(r["status"]).startswith("optimal")})
    slow = max(report, key=lambda r: r["seconds"])
    note = f"{proven}/{len(split)}" + (f" (others: {', '.join(others)})" if others else "")
    gaps = [(r["gap"], r["name"]) for r in split if "gap" in r]
    if gaps:  # heuristic units: how far their largest deviation may be from the best possible
        gap, name = max(gaps)
        note += f"; heuristic gap to a lower bound at most {100 * gap:.1f} pp ({name})"
    return note, f"{slow['name']} ({slow['nodes']} nodes, k={slow['k']}, {slow['status']}): {slow['seconds']:.2f} s"


def second_deviation(plan) -> float:
    """The second-largest absolute deviation, in per cent, on the plan's own population basis."""
    devs = sorted((abs(v / plan.target - 1) for v in plan["population"].values()), reverse=True)
    return 100 * devs[1] if len(devs) > 1 else float("nan")


def footprint_pieces(plan) -> str:
    """Neighbourhoods whose place footprint is in more than one piece, and the LSOAs outside their main pieces."""
    detached = plan["detached_lsoas"]
    split = sum(bool(v) for v in detached.values())
    return f"{split} split, {sum(len(v) for v in detached.values())} LSOAs"


def row(area: str, method: str, plan, seconds: float) -> str:
    s = plan.summary()
    proven, slowest = solve_columns(plan)
    cut = "; cut by the time budget" if getattr(plan.provenance, "stopped_early", False) else ""
    return (
        f"| {area} | {method} | {seconds:.2f}{cut} | {s['neighbourhoods']} | {s['within_5_pct']:.0f}% | "
        f"{s['within_10_pct']:.0f}% | {s['max_abs_deviation_pct']:.1f} | {second_deviation(plan):.1f} | "
        f"{s['la_crossings']} | {plan['alignment_pct']:.2f} | {footprint_pieces(plan)} | {s['practice_splits']} | "
        f"{proven} | {slowest} |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("NHP_DATA_DIR"))
    parser.add_argument("--areas", nargs="*", default=list(AREAS), help="area codes (default: QK1 QPM E10000025)")
    parser.add_argument("--skip-england", action="store_true", help="do not run all England")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=0, help="also list this many slowest units of each exact solve")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=600.0,
        help="proposal time budget in seconds (high, so the wall time is the solve's own)",
    )
    args = parser.parse_args(argv)
    if not args.data_dir:
        print("set NHP_DATA_DIR (or --data-dir) to the folder of official files", file=sys.stderr)
        return 2
    areas = [*args.areas, *([] if args.skip_england else ["england"])]
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"target {TARGET:,} ±10 %, nest lad, seed {args.seed}; {os.cpu_count()} cores, load average {load}\n")
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    warm = True
    for area in areas:
        atlas = load_atlas(area, data_dir=args.data_dir)
        dropped = drop_empty_practices(atlas)
        if dropped:
            print(
                f"| {area} | note | – | – | – | – | – | – | – | – | – | – | – | {len(dropped)} open practice(s) with no "
                f"registered patients and no list left out of every list-based plan (nothing to count): "
                f"{', '.join(dropped[:5])} |",
                flush=True,
            )
        if warm:  # imports and geometry caches once, so the first timing is of the algorithm
            run(atlas, args.methods[0], args.seed, args.time_budget)
            warm = False
        for method in args.methods:
            cpu = cpu_seconds()
            plan, seconds = run(atlas, method, args.seed, args.time_budget)
            cpu = cpu_seconds() - cpu
            load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
            print(
                row(area, method, plan, seconds).replace(
                    f"| {seconds:.2f}", f"| {seconds:.2f} (CPU {cpu:.2f}, load {load})", 1
                ),
                flush=True,
            )
            for r in sorted(getattr(plan.provenance, "solve", None) or (), key=lambda r: -r["seconds"])[: args.slowest]:
                print(
                    f"|  | unit {r['unit']} {r['name']} | {r['seconds']:.2f} | {r['k']} | {r['nodes']} nodes "
                    f"| {r['status']} | {100 * r['max_deviation']:.1f} | | | | | | | |",
                    flush=True,
                )
    print(f"\nload average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
