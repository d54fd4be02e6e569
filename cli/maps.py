"""``nhp map``: write the interactive map of a study area (and optionally a plan and UEC hotspots) as HTML."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cli import _common
from geo import export
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo.access.siting import choose_sites
from geo.errors import DataError

LAYER_CHOICES = ("imd_decile", "local_decile", "uec_rate", "hotspots", "practices", "lads")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "map",
        help="write an interactive HTML map of the atlas, a plan's footprints and UEC hotspots",
        description="Write a self-contained Leaflet map: IMD deciles, GP practices and local authorities; with "
        "--plan, the neighbourhood footprints; with --hotspots, UEC rates and Gi* hot spots.",
    )
    _common.add_area_arguments(parser)
    parser.add_argument("--plan", type=Path, help=PLAN_FILE)
    parser.add_argument("--hotspots", type=Path, help="hotspot CSV as written by the hotspots command")
    parser.add_argument("--out", type=Path, required=True, help="HTML file to write")
    parser.add_argument("--title", help="map title (default: the study area's name)")
    parser.add_argument(
        "--layers",
        default="imd_decile,local_decile,practices,lads",
        help=f"comma-separated layers from {', '.join(LAYER_CHOICES)} (default: %(default)s)",
    )
    parser.add_argument(
        "--tiles",
        choices=["none", "osm"],
        default="none",
        help="basemap: none (works offline, default) or OpenStreetMap tiles (needs network)",
    )
    parser.add_argument("--simplify", type=float, default=None, help="display simplification in metres")
    add_plan_arguments(parser)
    parser.add_argument(
        "--align",
        help="with --plan: overlay a compared footprint (wards, pcns, las or a geography "
        "FILE) and highlight the LSOAs where plan and footprint do not agree",
    )
    parser.add_argument(
        "--sites",
        type=int,
        metavar="K",
        help="with --plan: choose K hub sites per neighbourhood among today's practice sites "
        "(population-weighted p-median, as nhp sites) and draw them with their catchments",
    )
    parser.add_argument(
        "--assets-dir",
        type=Path,
        help="folder searched first for the libraries inlined into the page (default: the "
        "vendored copies in static/vendor); the map always works offline",
    )
    parser.set_defaults(func=run_map)


def run_map(args) -> int:
    from geo.maps import (
        DEFAULT_TOLERANCE_M,
        atlas_map,
        plan_map,
    )  # lazy: nhp --help start-up: folium and branca, which --help does not load

    layers = tuple(k.strip() for k in args.layers.split(",") if k.strip())
    unknown = sorted(set(layers) - set(LAYER_CHOICES))
    if unknown:
        raise DataError(f"unknown map layers {', '.join(unknown)}", expected=", ".join(LAYER_CHOICES))
    atlas = _common.atlas_from_args(args)  # looked up at call time, so tests can swap in a grid atlas
    hotspots = read_hotspots(args.hotspots) if args.hotspots else None
    options = {
        "layers": layers,
        "hotspots": hotspots,
        "title": args.title,
        "tiles": "OpenStreetMap" if args.tiles == "osm" else None,
        "tolerance_m": DEFAULT_TOLERANCE_M if args.simplify is None else args.simplify,
    }
    if args.sites is not None and not args.plan:
        raise DataError("--sites needs --plan", column="--sites", expected="--plan PLAN --sites 1")
    if args.sites is not None and not 1 <= args.sites <= 20:
        raise DataError(
            f"--sites {args.sites} is out of range", column="--sites", expected="1 to 20 sites per neighbourhood"
        )
    if args.align and not args.plan:
        raise DataError("--align needs --plan", column="--align", expected="--plan PLAN --align wards")
    if args.plan:
        plan = plan_from_args(args.plan, atlas, args)
        if args.align:
            from geo.plan.geography import geography  # lazy: nhp --help start-up: 1 module, 23 ms

            options["compare"] = geography(atlas, args.align)
        if args.sites:
            options["sites"] = choose_sites(plan, per_neighbourhood=args.sites)
        m = plan_map(atlas, plan, **options)
    else:
        m = atlas_map(atlas, **options)
    path = export.write("map", m, args.out, assets_dir=args.assets_dir)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def read_hotspots(path: Path) -> pd.DataFrame:
    """Read a hotspot CSV (``lsoa_code`` plus any of attendances, rate_per_1000, ratio, gi_z, gi_p, hotspot).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "h.csv"
    >>> _ = path.write_text("lsoa_code,rate_per_1000,hotspot\\nE01000001,301.5,high\\n")
    >>> read_hotspots(path).hotspot.tolist()
    ['high']
    """
    try:
        table = pd.read_csv(path, dtype={"lsoa_code": str, "hotspot": str}, keep_default_na=True)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"cannot read the hotspot table ({error})", file=path, expected="a CSV file") from error
    if "lsoa_code" not in table.columns:
        raise DataError(
            "no lsoa_code column", file=path, column="lsoa_code", expected="the CSV written by the hotspots command"
        )
    for column in ("attendances", "rate_per_1000", "ratio", "gi_z", "gi_p"):
        if column in table.columns and not pd.api.types.is_numeric_dtype(table[column]):
            bad = pd.to_numeric(table[column], errors="coerce").isna() & table[column].notna()
            row = int(bad.to_numpy().argmax()) + 1
            raise DataError(
                f"not a number: {table[column].iloc[row - 1]!r}",
                file=path,
                row=row,
                column=column,
                expected="a number or an empty cell (suppressed)",
            )
    table["hotspot"] = table.get("hotspot", pd.Series("", index=table.index)).fillna("")
    return table
