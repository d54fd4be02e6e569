"""``nhp score`` and ``nhp compare``: score a plan file against a study area, or compare two plan files.

Both read plans with :func:`geo.plan.io.read_plan` (CSV lookups or polygon files) and print either JSON (the
document of :meth:`geo.plan.Plan.to_dict`) or a readable table whose populations are labelled with their source.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from cli import _common
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo.atlas.model import source_for
from geo.plan.compare import compare_plans


def register(subparsers) -> None:
    """Add the ``score`` and ``compare`` commands."""
    score = subparsers.add_parser("score", help="score a plan: populations, deviation, contiguity, nesting, practices")
    score.add_argument("plan", type=Path, help=PLAN_FILE)
    _plan_arguments(score)
    score.add_argument(
        "--align",
        help="also score coterminosity with wards, pcns, las and/or a geography FILE "
        "(polygons or an lsoa_code,unit CSV), comma-separated",
    )
    score.set_defaults(func=run_score)

    compare = subparsers.add_parser("compare", help="compare two plans of the same area")
    compare.add_argument("plan_a", type=Path, help="first plan file")
    compare.add_argument("plan_b", type=Path, help="second plan file")
    _plan_arguments(compare)
    compare.set_defaults(func=run_compare)


def _plan_arguments(parser: argparse.ArgumentParser) -> None:
    _common.add_area_arguments(parser)
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    add_plan_arguments(parser)


def _load(path: Path, atlas, args):
    return plan_from_args(path, atlas, args)


def run_score(args: argparse.Namespace) -> int:
    """Score one plan and print it."""
    atlas = _common.atlas_from_args(args)
    plan = _load(args.plan, atlas, args)
    aligned = []
    if getattr(args, "align", None):
        from geo.plan.coterminosity import align_all  # lazy: nhp --help start-up: 2 modules, 19 ms

        aligned = align_all(plan, args.align)
    if args.format == "json":
        body = plan.to_dict()
        if aligned:
            body["coterminosity"] = [c.to_dict() for c in aligned]
        json.dump(body, sys.stdout, indent=2)
        print()
    else:
        print(score_table(plan))
        for c in aligned:
            print("\n" + c.table())
        if len(aligned) > 1:  # several geographies: their scores side by side
            from geo.plan.coterminosity import side_by_side  # lazy: nhp --help start-up: 2 modules, 19 ms

            print("\n" + side_by_side(aligned))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    """Compare two plans and print the differences."""
    atlas = _common.atlas_from_args(args)
    diff = compare_plans(_load(args.plan_a, atlas, args), _load(args.plan_b, atlas, args))
    if args.format == "json":
        json.dump(diff, sys.stdout, indent=2)
        print()
    else:
        print(compare_table(diff))
    return 0


def score_table(plan) -> str:
    """Return the readable report of ``nhp score``."""
    s = plan.summary()
    atlas = plan.atlas
    resident = source_for(atlas, "resident")
    registered = source_for(atlas, "registered")
    imd = source_for(atlas, "imd")
    band = f"{plan.target:,} ± {100 * plan.tolerance:g}%"
    lines = [
        f"Plan {s['name']} for {atlas.area.label} (LSOA {atlas.vintage}, IMD {atlas.imd_edition})",
        f"Counting {plan.population} population against a target of {band}"
        + (f" ({s['population_basis_note']})" if s["population_basis_note"] else ""),
        "",
        f"  Neighbourhoods                         {s['neighbourhoods']}",
        *_deviation_lines(s),
        f"  Contiguous                             {'yes' if s['contiguous'] else 'no: ' + ', '.join(s['non_contiguous'])}",
        f"  Spanning more than one local authority {s['la_crossings']}",
        f"  Practices split (> {s['practice_split_threshold']:.0%} of patients or site elsewhere)  {s['practice_splits']}",
        f"  Registration leakage                   {_pct(s['registration_leakage_pct'])} of registered residents",
        f"  Alignment of list and place            {_pct(s['alignment_pct'])} of registered residents with their own "
        "neighbourhood's practices",
        f"  Built from                             {s['built_from']}"
        + (f"; list population {s['list_population']:,.0f}" if s["built_from"] != "lsoas" else ""),
        f"  Mean Polsby-Popper compactness         {s['mean_polsby_popper']:.2f}",
        f"  Constrained by local authority size    {', '.join(s['constrained']) or 'none'}",
        "",
    ]
    table = plan.neighbourhood_table()
    view = pd.DataFrame(
        {
            "neighbourhood": table["name"],
            "resident": table["resident_population"].map(_count),
            "registered": table["registered_population"].map(_count),
            "list": table["list_population"].map(_count),
            "aligned": table["alignment_pct"].map(lambda v: "" if v is None or v != v else f"{v:.0f}%"),
            "deviation": table["deviation_pct"].map(lambda v: "n/p" if v != v else f"{v:+.1f}%"),
            "LSOAs": table["lsoas"],
            "practices": table["practices"],
            "LAs": table["local_authorities"],
            "parts": table["parts"],
            "compactness": table["polsby_popper"].map("{:.2f}".format),
            "Core20 place": table["core20_pct"].map(lambda v: "n/p" if v != v else f"{v:.0f}%"),
            "Core20 list": table["core20_pct_list"].map(lambda v: "n/p" if v is None or v != v else f"{v:.0f}%"),
            "constrained": table["constrained"].map({True: "yes", False: ""}),
        }
    )
    lines.append(view.to_string(index=False))
    violations = plan.validate()
    lines += ["", f"Violations: {len(violations)}"]
    lines += [f"  - [{v.constraint}] {v.message}" for v in violations]
    lines += [
        "",
        f"resident = {resident}; registered = {registered}; Core20 = national IMD quintile 1 ({imd}): 'place' of "
        f"the footprint's {'residents' if plan.population == 'resident' else 'registered residents'}, 'list' of its "
        "practices' patients;",
        "compactness = Polsby-Popper 4πA/P² of the dissolved footprint (1 = circle).",
        f"Sources: {atlas.source_note() or 'not recorded'}",
    ]
    return "\n".join(lines)


def _deviation_lines(s: dict) -> list[str]:
    """The balance lines of the score, saying what deviations are measured from (a counted plan: each place's
    ideal)."""
    if s.get("deviation_from", "the target") == "the target":
        return [
            f"  Largest deviation from target          {s['max_abs_deviation_pct']:.1f}%",
            f"  Mean deviation from target             {s['mean_abs_deviation_pct']:.1f}%",
            f"  Within 5% / within 10% of target       {s['within_5_pct']:.0f}% / {s['within_10_pct']:.0f}%",
        ]
    return [
        f"  Deviations are against {s['deviation_from']}",
        f"  Largest deviation                      {s['max_abs_deviation_pct']:.1f}%",
        f"  Mean deviation                         {s['mean_abs_deviation_pct']:.1f}%",
        f"  Within 5% / within 10%                 {s['within_5_pct']:.0f}% / {s['within_10_pct']:.0f}%",
    ]


def compare_table(diff: dict) -> str:
    """Return the readable report of ``nhp compare``."""
    a, b = diff["plans"]["a"], diff["plans"]["b"]
    lines = [f"Comparing {a} (A) with {b} (B)"]
    if diff["note"]:
        lines.append(f"Note: {diff['note']}")
    pairs = diff["neighbourhoods"]
    lines += [
        f"{diff['neighbourhoods_changed']} of {len(pairs)} neighbourhoods changed; {diff['lsoas_moved']} LSOA(s) in "
        f"a different neighbourhood, {diff['population_moved']:,.0f} people",
        "",
    ]
    rows = [(k, _fmt(v["a"]), _fmt(v["b"]), _fmt(v["delta"])) for k, v in diff["metrics"].items()]
    lines.append(pd.DataFrame(rows, columns=["metric", "A", "B", "B - A"]).to_string(index=False))
    changed = [p for p in pairs if p["changed"]]
    if changed:
        view = pd.DataFrame(
            {
                "A": [p["a"] or "(none)" for p in changed],
                "B": [p["b"] or "(none)" for p in changed],
                "people out": [_count(p["population_out"]) for p in changed],
                "people in": [_count(p["population_in"]) for p in changed],
                "LSOAs out": [p["lsoas_out"] for p in changed],
                "LSOAs in": [p["lsoas_in"] for p in changed],
                "population A": [_count(p["population_a"]) for p in changed],
                "population B": [_count(p["population_b"]) for p in changed],
            }
        )
        lines += ["", "Neighbourhoods that changed (people who left A's and joined B's):", view.to_string(index=False)]
    if diff["moved"]:
        lines += ["", "Moved LSOAs (A -> B):"]
        lines += [f"  {m['lsoa_code']}: {m['a']} -> {m['b']}" for m in diff["moved"][:50]]
        if len(diff["moved"]) > 50:
            lines.append(f"  ... and {len(diff['moved']) - 50} more (use --format json for all)")
    return "\n".join(lines)


def _count(value) -> str:
    """A published count, or "n/p" (not published) where disclosure control withheld it."""
    return "n/p" if value is None or value != value else f"{value:,.0f}"


def _pct(value, digits: int = 1) -> str:
    """A published percentage, or "not published" where disclosure control withheld it."""
    return "not published" if value is None or value != value else f"{value:.{digits}f}%"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)
