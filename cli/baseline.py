"""``nhp plan pcns``: today's primary care networks as a list-based plan, the baseline every proposal is scored
against.

Each PCN of the area (the NHS England practice-to-PCN map) becomes one neighbourhood of its whole practices; the
plan file is ``practice_code,neighbourhood`` (the PCN's name), and its place footprint is derived from where the
practices' patients live, as for any list-based plan.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import _common
from cli._plans import plan_params_from_args
from cli.propose import format_summary, format_table
from geo import export
from geo.atlas.summary import practices_out
from geo.plan import Plan
from geo.plan.params import Provenance


def register(subparsers) -> None:
    """Add ``nhp plan pcns``."""
    plan = subparsers.add_parser("plan", help="baseline plans of what exists today (nhp plan pcns)")
    kinds = plan.add_subparsers(dest="baseline", metavar="{pcns}")
    kinds.required = True
    pcns = kinds.add_parser(
        "pcns",
        help="today's PCNs as a list-based plan (practice_code,neighbourhood)",
        description=__doc__.split("\n\n")[0],
    )
    _common.add_area_arguments(pcns)
    pcns.add_argument(
        "--target", type=float, help="target population per neighbourhood (default NHP_TARGET_POPULATION)"
    )
    pcns.add_argument("--tolerance", type=float, help="allowed relative deviation (default NHP_TOLERANCE)")
    pcns.add_argument(
        "--out", type=Path, required=True, help="plan file: .csv (practice_code,neighbourhood), .geojson, .gpkg"
    )
    pcns.set_defaults(func=run_pcns)


def run_pcns(args: argparse.Namespace) -> int:
    """Write today's PCNs as a plan and print its score line."""
    from geo.propose.pcns import (
        pcn_baseline_counts,
        pcn_plan_assignment,
    )  # lazy: nhp --help start-up: geo.propose, 37 modules, 0.7 s

    export.format_for("plan", args.out)
    atlas = _common.atlas_from_args(args)
    args.population = "list"
    params = plan_params_from_args(args)
    practices = pcn_plan_assignment(atlas)
    plan = Plan.from_practices(
        atlas,
        practices,
        params,
        name="PCNs today",
        provenance=Provenance("pcns-today", source="NHS England practice-to-PCN map"),
    )
    counts = pcn_baseline_counts(atlas)
    single = (
        f" and {counts['practices_in_no_pcn']} practice(s) in no PCN, each its own neighbourhood"
        if counts["practices_in_no_pcn"]
        else ""
    )
    print(f"{atlas.area.label}: {counts['pcns']} PCNs{single}, {len(practices)} practices")
    out = practices_out(atlas)
    for row in out.itertuples():
        patients = "suppressed" if row.patients != row.patients else f"{row.patients:,.0f}"
        print(f"  left out: {row.practice_code} {row.practice_name} ({patients} patients): {row.reason}")
    print(format_table(plan))
    print(format_summary(plan.summary(), plan.unmet))
    export.write("plan", plan, args.out)
    print(f"wrote {args.out}")
    return 0
