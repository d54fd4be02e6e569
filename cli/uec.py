"""``nhp hotspots`` (UEC hotspots as CSV/GeoJSON) and ``nhp profile`` (neighbourhood profiles as HTML/CSV/XLSX).

Without ``--uec FILE`` both use the *modelled* UEC layer (NHS England A&E totals by ICB shared out to LSOAs by
population and acute morbidity) from the data folder, and say "modelled" in their output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cli import _common


def register(subparsers) -> None:
    hot = subparsers.add_parser(
        "hotspots", help="UEC attendance rates, ratios and Getis-Ord Gi* hotspots per LSOA",
        description="Rates per 1,000 with exact 95%% CIs, ratios against the study area, Gi* hotspots with FDR "
        "control. Counts of 1 to 7 are written as empty cells.")
    _common.add_area_arguments(hot)
    _add_uec_arguments(hot)
    hot.add_argument("--format", choices=["csv", "geojson"], help="output format (default: from --out)")
    hot.add_argument("--out", type=Path, required=True, help="file to write (.csv or .geojson)")
    hot.set_defaults(func=run_hotspots)

    prof = subparsers.add_parser(
        "profile", help="neighbourhood profiles for HWB papers (HTML, CSV or XLSX)",
        description="Population, age, deprivation, practices, UEC and a footprint map for each neighbourhood.")
    prof.add_argument("plan", type=Path, help="plan: CSV lookup lsoa_code,neighbourhood (or polygons)")
    _common.add_area_arguments(prof)
    _add_uec_arguments(prof)
    prof.add_argument("--no-uec", action="store_true", help="leave out the UEC section")
    prof.add_argument("--out", type=Path, required=True, help="profiles.html, .csv or .xlsx")
    prof.set_defaults(func=run_profile)


def _add_uec_arguments(parser) -> None:
    parser.add_argument("--uec", type=Path, help="local UEC extract (CSV/XLSX, aggregated or patient-level); "
                        "default: the modelled layer from NHS England A&E totals")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad row of the extract")
    parser.add_argument("--months", type=int, default=12, help="months of the modelled layer (default 12)")
    parser.add_argument("--permutations", type=int, help="Gi* permutations (default: NHP_HOTSPOT_PERMUTATIONS)")
    parser.add_argument("--alpha", type=float, help="FDR level (default: NHP_HOTSPOT_ALPHA)")
    parser.add_argument("--seed", type=int, help="permutation seed (default: NHP_SEED)")


def _data_folder(args) -> Path | None:
    if getattr(args, "demo", False):
        from geo.demo import demo_data_dir

        return Path(demo_data_dir())
    from geo.settings import get_settings

    return args.data_dir or get_settings().data_dir


def uec_layer_from_args(args, atlas):
    """Return the UEC layer the arguments ask for: the extract given, or the modelled layer from the data folder."""
    from geo.uec import uec_layer_for

    layer = uec_layer_for(atlas, _data_folder(args), extract=args.uec, strict=args.strict, months=args.months)
    if args.uec:
        print(f"{args.uec.name}: {layer.rejection_report()}", file=sys.stderr)
    else:
        print(f"UEC layer is MODELLED (not observed): {layer.source.label}, {layer.source.vintage}", file=sys.stderr)
    return layer


def _hotspots(args, atlas):
    from geo.hotspots import find_hotspots

    layer = uec_layer_from_args(args, atlas)
    return find_hotspots(atlas, layer, alpha=args.alpha, permutations=args.permutations, seed=args.seed)


def run_hotspots(args) -> int:
    fmt = args.format or ("geojson" if args.out.suffix.lower() in (".geojson", ".json") else "csv")
    atlas = _common.atlas_from_args(args)  # looked up at call time, so tests can swap in a grid atlas
    result = _hotspots(args, atlas)
    if fmt == "geojson":
        result.to_geojson(args.out)
    else:
        result.to_csv(args.out)
    high = int((result.frame.hotspot == "high").sum())
    print(f"{args.out}: {len(result.frame)} LSOAs, {high} in {len(result.clusters)} hotspot cluster(s) "
          f"({'MODELLED' if result.layer.modelled else 'extract'} UEC data)")
    return 0


def run_profile(args) -> int:
    from geo.profiles import neighbourhood_profiles

    atlas = _common.atlas_from_args(args)
    assignment = _read_plan(args.plan, atlas)
    hotspots = None if args.no_uec else _hotspots(args, atlas)
    profiles = neighbourhood_profiles(atlas, assignment, hotspots)
    profiles.write(args.out)
    print(f"{args.out}: {len(profiles.summary)} neighbourhood profiles")
    return 0


def _read_plan(path: Path, atlas) -> pd.Series:
    try:
        from geo.plan.io import read_plan
    except ImportError:  # pragma: no cover - plan_io is part of the package; kept for partial checkouts
        frame = pd.read_csv(path, dtype=str)
        return frame.set_index(frame.columns[0])[frame.columns[1]]
    return read_plan(path, atlas)
