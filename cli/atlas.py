"""``nhp atlas summary|info``: the study area's LSOA atlas as the table HWB papers quote, and how it was built."""

from __future__ import annotations

import json
import sys

from cli._common import add_area_arguments, atlas_from_args
from geo.atlas.summary import GROUPINGS, atlas_summary, closed_practices, practice_status, practices_out


def register(subparsers) -> None:
    atlas = subparsers.add_parser("atlas", help="build the LSOA atlas of a study area and summarise it")
    commands = atlas.add_subparsers(dest="atlas_command", metavar="ACTION", required=True)

    summary = commands.add_parser("summary", help="LSOAs, population and IMD quintile mix per local authority")
    add_area_arguments(summary)
    summary.add_argument("--by", choices=sorted(GROUPINGS), default="lad", help="grouping (default lad)")
    summary.add_argument("--format", choices=["table", "csv", "json"], default="table")
    summary.set_defaults(func=run_summary)

    info = commands.add_parser("info", help="sources, registration bridging and island links of the atlas")
    add_area_arguments(info)
    info.add_argument("--format", choices=["table", "json"], default="table")
    info.set_defaults(func=run_info)


def run_summary(args) -> int:
    atlas = atlas_from_args(args)
    table = atlas_summary(atlas, by=args.by)
    caption = (
        f"{atlas.area.label}: LSOA {atlas.vintage} geography, IMD {atlas.imd_edition} national quintiles "
        f"(1 = most deprived). Sources: {atlas.source_note()}"
    )
    if args.format == "csv":
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif args.format == "json":
        payload = {
            "area": atlas.area.label,
            "vintage": atlas.vintage,
            "imd_edition": atlas.imd_edition,
            "rows": table.iloc[:-1].to_dict(orient="records"),
            "total": table.iloc[-1].to_dict(),
            "sources": {k: v.__dict__ for k, v in atlas.sources.items()},
            "registrations_bridging": atlas.bridge_report.as_dict(),
        }
        print(json.dumps(payload, indent=2, default=str))
    else:
        print(table.to_string(index=False))
        print(f"\n{caption}")
    return 0


def run_info(args) -> int:
    atlas = atlas_from_args(args)
    info = {
        "area": atlas.area.label,
        "kind": atlas.area.kind,
        "vintage": atlas.vintage,
        "imd_edition": atlas.imd_edition,
        "lsoas": len(atlas.lsoas),
        "practices": len(atlas.practices),
        "practices_by_status": _records(practice_status(atlas)),
        "practices_out": _records(practices_out(atlas)),
        "closed_since_home_lsoas": _closed(atlas),
        "resident_population": int(atlas.lsoas.resident_population.sum()),
        "registered_population": round(float(atlas.lsoas.registered_population.sum())),
        "registrations_bridging": atlas.bridge_report.as_dict(),
        "island_links": [f"{a} - {b}" for a, b in atlas.bridges],
        "sources": {k: f"{v.label} ({v.vintage}) {v.file}".strip() for k, v in atlas.sources.items()},
    }
    if args.format == "json":
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                print(f"{key}:")
                for row in value:
                    print("  " + ", ".join(f"{k}: {_text(v)}" for k, v in row.items()))
            elif isinstance(value, dict):
                print(f"{key}:")
                for k, v in value.items():
                    print(f"  {k}: {v}")
            else:
                print(f"{key}: {value}")
    return 0


def _text(value) -> str:
    return "suppressed" if value is None else (f"{value:,.0f}" if isinstance(value, float) else str(value))


def _records(table) -> list[dict]:
    """Rows as plain values: a suppressed count (NaN) becomes ``None`` (JSON null, "suppressed" in the table)."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]


def _closed(atlas) -> dict:
    """Residents registered in July 2023 at practices closed since: in no plan, today on other practices' lists."""
    table = closed_practices(atlas)
    total = _records(table.iloc[-1:])[0]
    return {
        "practices": total["practices"],
        "patients": total["patients"],
        "by_local_authority": {f"{r['lad_name']} ({r['lad_code']})": r["patients"] for r in _records(table.iloc[:-1])},
        "in_plans": "no: today they are on the lists of the practices they moved to",
    }
