"""Benchmark: neighbourhoods the way ICBs draw them (a number per place, from MSOAs, LSOAs or whole practices),
beside the default 50k plans and today's PCNs.

Usage (needs the official files; takes the folder from NHP_DATA_DIR or --data-dir)::

    NHP_DATA_DIR=/work/shared/data/raw python bench/blocks.py                  # QK1 (12) and QPM (9)
    python bench/blocks.py --areas QK1=12 --england                            # also England from MSOAs (timed)

Each area is loaded once and solved, nested in upper-tier authorities, seed 1: ``--neighbourhoods N`` from MSOAs,
from LSOAs and from whole practices (each place's ideal its registered lists' total over its count); the default
LSOA plan (50,000 ± 10 %, nested in districts); and today's PCNs. Columns: wall time of the proposal and the load
average when it ended, neighbourhoods, largest deviation and shares within ±5 % / ±10 % (of each place's ideal size
for the counted plans, else of the plan's target), pieces (dissolved parts of all footprints; one per neighbourhood
when contiguous), practices split, alignment of list and place, and coterminosity with electoral wards (share of
people where neighbourhood and ward agree) with the number of wards split. Each area's wall time (load and every
plan) follows its rows. Helpers come from ``bench/list_based.py``.

**Re-nesting** (``--renest``, on by default): the MSOA plan of each area is re-nested (:mod:`geo.propose.renest`) in
a user geography written as an ``lsoa_code,unit`` CSV and read back as an upload is: for QK1 the district councils'
two-unitary model of Leicestershire (North: Charnwood, Melton, North West Leicestershire; South: Blaby, Harborough,
Hinckley and Bosworth, Oadby and Wigston) beside Leicester and Rutland, for a plan drawn across the county; for
QPM the two unitaries (2021), for a plan drawn across the whole ICB (``nest none``). Printed: LSOAs and people
moved, the lower bound any re-nesting must move (each neighbourhood's people outside the unit holding most of
them), with and without rebalancing within units, and the balance after; then the plan of whole practices,
each practice nested by its site, with and without rebalancing by whole practices.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
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
    "| area | plan | seconds (load) | hoods | max abs dev % | within ±5 % | within ±10 % | pieces | practices split "
    "| alignment % | wards coterminosity % (split) |"
)
#: The user geographies re-nested into: unit -> local authority districts (QK1), or the unitaries as they are (QPM).
UNITARIES = {
    "QK1": {
        "Leicester": ("E06000016",),
        "Rutland": ("E06000017",),
        "North Leicestershire": ("E07000130", "E07000133", "E07000134"),
        "South Leicestershire": ("E07000129", "E07000131", "E07000132", "E07000135"),
    }
}


def plans(atlas, count: int, seed: int, budget: float):
    """Yield ``(label, plan, seconds)`` for every method of the table."""
    common = {"nest": "utla", "seed": seed, "time_budget": budget}
    for build in ("msoas", "lsoas", "practices"):
        start = time.perf_counter()
        plan = propose(atlas, ProposalParams(neighbourhoods=count, build_from=build, **common))
        yield f"{count} from {build}", plan, time.perf_counter() - start
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
        worst, in5, in10 = s["max_abs_deviation_pct"], s["within_5_pct"] / 100, s["within_10_pct"] / 100
    pieces = int(plan.neighbourhood_table()["parts"].sum())
    wards = coterminosity(plan, "wards")
    cut = "; cut by the time budget" if plan.provenance.stopped_early else ""
    return (
        f"| {area} | {label} | {seconds:.2f} ({os.getloadavg()[0]:.1f}){cut} | {s['neighbourhoods']} | {worst:.1f} | {in5:.0%} | {in10:.0%} "
        f"| {pieces} | {s['practice_splits']} | {s['alignment_pct']:.1f} | {100 * wards.index:.1f} "
        f"({len(wards.split_units)}) |"
    )


def unitaries_csv(atlas, area: str, folder: Path) -> Path:
    """Write the area's re-nesting geography as an ``lsoa_code,unit`` CSV (a user's file) and return its path."""
    lad = atlas.lsoas["lad_code"].astype(str)
    groups = UNITARIES.get(area)
    if groups is None:  # the upper-tier authorities as they are (QPM: North and West Northamptonshire)
        units = atlas.lsoas["utla_name"].astype(str)
    else:
        which = {code: unit for unit, codes in groups.items() for code in codes}
        units = lad.map(which)
    path = folder / f"{area.lower()}_unitaries.csv"
    units.rename("unit").rename_axis("lsoa_code").to_csv(path)
    return path


def renest_example(atlas, area: str, count: int, seed: int, budget: float, folder: Path) -> list[str]:
    """Re-nest the area's MSOA plan (drawn across the county or ICB) in its unitaries; lines to print."""
    from geo.plan.geography import read_geography
    from geo.propose.renest import renest

    nest = "utla" if area in UNITARIES else "none"
    plan = propose(
        atlas, ProposalParams(neighbourhoods=count, build_from="msoas", nest=nest, seed=seed, time_budget=budget)
    )
    path = unitaries_csv(atlas, area, folder)
    into = read_geography(path, atlas)
    lines = [f"{area}: {count} from MSOAs (nest {nest}) re-nested in {', '.join(sorted(set(into.units)))}"]
    for rebalance in (False, True):
        start = time.perf_counter()
        result = renest(plan, into, rebalance=rebalance)
        seconds = time.perf_counter() - start
        new = Plan(atlas, result.assignment, plan.params)
        s = new.summary()
        lines.append(
            f"  rebalance={rebalance}: {len(result.moved)} LSOAs, {result.people_moved:,.0f} people moved; "
            f"lower bound {result.lower_bound:,.0f} ({result.people_moved / max(result.lower_bound, 1):.2f}x); "
            f"{len(plan.neighbourhoods)} -> {s['neighbourhoods']} neighbourhoods; max |dev| "
            f"{s['max_abs_deviation_pct']:.1f} % of the mean {plan.params.target:,.0f}; within ±10 %: "
            f"{s['within_10_pct']:.0f}%; contiguous: {s['contiguous']}; {seconds:.2f} s (load {os.getloadavg()[0]:.1f})"
        )
        lines += [f"    - {n}" for n in result.notes[:6]]
    listed = propose(
        atlas, ProposalParams(neighbourhoods=count, build_from="practices", nest=nest, seed=seed, time_budget=budget)
    )
    for rebalance in (False, True):
        start = time.perf_counter()
        result = renest(listed, into, rebalance=rebalance)
        seconds = time.perf_counter() - start
        lines.append(
            f"  {count} from whole practices, rebalance={rebalance}: {len(result.moved)} practices, "
            f"{result.people_moved:,.0f} patients moved; lower bound {result.lower_bound:,.0f} "
            f"({result.people_moved / max(result.lower_bound, 1):.2f}x); {len(listed.neighbourhoods)} -> "
            f"{result.assignment.nunique()} neighbourhoods; {seconds:.2f} s (load {os.getloadavg()[0]:.1f})"
        )
        lines += [f"    - {n}" for n in result.notes[:6]]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("NHP_DATA_DIR"))
    parser.add_argument("--areas", nargs="*", default=list(AREAS), help="AREA=COUNT (default: QK1=12 QPM=9)")
    parser.add_argument("--england", action="store_true", help="also time England from MSOAs (and LSOAs) at 50,000")
    parser.add_argument("--no-renest", action="store_true", help="skip the re-nesting example")
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
    renested, folder = [], Path(tempfile.mkdtemp(prefix="nhp_bench_blocks_"))
    for spec in args.areas:
        area, _, count = spec.partition("=")
        start = time.perf_counter()
        atlas = load_atlas(area, data_dir=args.data_dir)
        drop_empty_practices(atlas)
        propose(atlas, ProposalParams(neighbourhoods=int(count), build_from="msoas", nest="utla"))  # warm caches
        for label, plan, seconds in plans(atlas, int(count), args.seed, args.time_budget):
            print(row(area, label, plan, seconds), flush=True)
        print(
            f"| {area} | wall time of the area (load, warm-up and every plan) | {time.perf_counter() - start:.1f} "
            f"({os.getloadavg()[0]:.1f}) | | | | | | | | |",
            flush=True,
        )
        if not args.no_renest:
            renested += renest_example(atlas, area, int(count), args.seed, args.time_budget, folder)
    if renested:
        print("\nRe-nesting in a user geography (people moved against the lower bound):")
        print("\n".join(renested))
    if args.england:
        atlas = load_atlas("england", data_dir=args.data_dir)
        for build in ("msoas", "lsoas"):
            start = time.perf_counter()
            plan = propose(atlas, ProposalParams(build_from=build, seed=args.seed, time_budget=args.time_budget))
            s = plan.summary()
            print(
                f"\nEngland from {build} (50,000 ± 10 %, nest lad): {time.perf_counter() - start:.1f} s "
                f"(load {os.getloadavg()[0]:.1f}), {s['neighbourhoods']} neighbourhoods, within ±10 %: "
                f"{s['within_10_pct']:.0f}%, max |dev| {s['max_abs_deviation_pct']:.1f} %, contiguous: {s['contiguous']}",
                flush=True,
            )
    import shutil

    shutil.rmtree(folder, ignore_errors=True)  # the geographies written for the example
    print(f"\nload average at the end: {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
