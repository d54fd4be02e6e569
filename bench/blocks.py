"""Benchmark: neighbourhoods the way ICBs draw them (a number per place, from MSOAs, LSOAs or whole practices),
beside the default 50k plans and today's PCNs.

Usage (needs the official files; takes the folder from NHP_DATA_DIR or --data-dir)::

    NHP_DATA_DIR=/work/shared/data/raw python bench/blocks.py                  # QK1 (12) and QPM (9)
    python bench/blocks.py --areas QK1=12 --england                            # also England from MSOAs (timed)

Each area is loaded once and solved, nested in upper-tier authorities, seed 1: ``--neighbourhoods N`` from MSOAs
and from LSOAs; whole practices with a target of the lists' total over N (the list-based proposer takes a target,
not yet a count); the default LSOA plan (50,000 ± 10 %, nested in districts); and today's PCNs. Columns: wall time
of the proposal, neighbourhoods, largest deviation and shares within ±5 % / ±10 % (of each place's ideal size for
the counted plans, else of the plan's target), pieces (dissolved parts of all footprints; one per neighbourhood when
contiguous), practices split, alignment of list and place, and coterminosity with electoral wards (share of people
where neighbourhood and ward agree) with the number of wards split. Helpers come from ``bench/list_based.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from list_based import drop_empty_practices  # noqa: E402

from geo.atlas import load_atlas  # noqa: E402
from geo.plan import Plan  # noqa: E402
from geo.plan.coterminosity import coterminosity  # noqa: E402
from geo.plan.params import PlanParams  # noqa: E402
from geo.propose import ProposalParams, propose  # noqa: E402
from geo.propose.counts import place_deviation  # noqa: E402
from geo.propose.pcns import pcn_plan_assignment  # noqa: E402

AREAS = ("QK1=12", "QPM=9")
HEADER = (
    "| area | plan | seconds | hoods | max abs dev % | within ±5 % | within ±10 % | pieces | practices split "
    "| alignment % | wards coterminosity % (split) |"
)


def plans(atlas, count: int, seed: int, budget: float):
    """Yield ``(label, plan, seconds)`` for every method of the table."""
    common = {"nest": "utla", "seed": seed, "time_budget": budget}
    for build in ("msoas", "lsoas"):
        start = time.perf_counter()
        plan = propose(atlas, ProposalParams(neighbourhoods=count, build_from=build, **common))
        yield f"{count} from {build}", plan, time.perf_counter() - start
    lists = float(atlas.practices.loc[atlas.practices.in_area.fillna(False).astype(bool), "list_size"].sum())
    start = time.perf_counter()
    plan = propose(atlas, ProposalParams(target=round(lists / count), build_from="practices", **common))
    yield f"practices, target {lists / count:,.0f}", plan, time.perf_counter() - start
    start = time.perf_counter()
    plan = propose(atlas, ProposalParams(target=50_000, seed=seed, time_budget=budget))
    yield "default 50k (lsoas, nest lad)", plan, time.perf_counter() - start
    start = time.perf_counter()
    plan = Plan.from_practices(atlas, pcn_plan_assignment(atlas), PlanParams(target=50_000, population="list"))
    yield "today's PCNs", plan, time.perf_counter() - start


def row(area: str, label: str, plan, seconds: float) -> str:
    s = plan.summary()
    dev = place_deviation(plan)
    if dev is not None:
        worst, in5, in10 = 100 * dev.abs().max(), (dev.abs() <= 0.05).mean(), (dev.abs() <= 0.10).mean()
    else:
        worst, in5, in10 = s["max_abs_deviation_pct"], s["within_5_pct"], s["within_10_pct"]
    pieces = int(plan.neighbourhood_table()["parts"].sum())
    wards = coterminosity(plan, "wards")
    cut = "; cut by the time budget" if plan.provenance.stopped_early else ""
    return (
        f"| {area} | {label} | {seconds:.2f}{cut} | {s['neighbourhoods']} | {worst:.1f} | {in5:.0%} | {in10:.0%} "
        f"| {pieces} | {s['practice_splits']} | {s['alignment_pct']:.1f} | {100 * wards.index:.1f} "
        f"({len(wards.split_units)}) |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("NHP_DATA_DIR"))
    parser.add_argument("--areas", nargs="*", default=list(AREAS), help="AREA=COUNT (default: QK1=12 QPM=9)")
    parser.add_argument("--england", action="store_true", help="also time England from MSOAs at 50,000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-budget", type=float, default=600.0)
    args = parser.parse_args(argv)
    if not args.data_dir:
        print("set NHP_DATA_DIR (or --data-dir) to the folder of official files", file=sys.stderr)
        return 2
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"nest utla, seed {args.seed}; {os.cpu_count()} cores, load average {load}\n")
    print(HEADER)
    print("|" + "---|" * (HEADER.count(" | ") + 1))
    for spec in args.areas:
        area, _, count = spec.partition("=")
        atlas = load_atlas(area, data_dir=args.data_dir)
        drop_empty_practices(atlas)
        propose(atlas, ProposalParams(neighbourhoods=int(count), build_from="msoas", nest="utla"))  # warm caches
        for label, plan, seconds in plans(atlas, int(count), args.seed, args.time_budget):
            print(row(area, label, plan, seconds), flush=True)
    if args.england:
        atlas = load_atlas("england", data_dir=args.data_dir)
        for build in ("msoas", "lsoas"):
            start = time.perf_counter()
            plan = propose(atlas, ProposalParams(build_from=build, seed=args.seed, time_budget=args.time_budget))
            s = plan.summary()
            print(
                f"\nEngland from {build} (50,000 ± 10 %, nest lad): {time.perf_counter() - start:.1f} s, "
                f"{s['neighbourhoods']} neighbourhoods, within ±10 %: {s['within_10_pct']:.0f}%, "
                f"max |dev| {s['max_abs_deviation_pct']:.1f} %, contiguous: {s['contiguous']}",
                flush=True,
            )
    print(f"\nload average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
