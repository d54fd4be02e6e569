"""``nhp hotspots`` (UEC hotspots as CSV/GeoJSON) and ``nhp profile`` (neighbourhood profiles as PDF/HTML/CSV/XLSX).

Without ``--uec FILE`` both use the *modelled* UEC layer (NHS England A&E totals by ICB shared out to LSOAs by
population and acute morbidity) from the data folder, and say "modelled" in their output.
"""

from __future__ import annotations

import sys
from pathlib import Path


from cli import _common
from cli._plans import PLAN_FILE, add_plan_arguments, plan_from_args
from geo import export
from geo.demo import demo_data_dir
from geo.export import FORMATS
from geo.settings import get_settings
from geo.sources.upload_kinds import KINDS
from geo.writers import check_folder


def register(subparsers) -> None:
    hot = subparsers.add_parser(
        "hotspots",
        help="UEC attendance rates, ratios and Getis-Ord Gi* hotspots per LSOA",
        description="Rates per 1,000 with exact 95%% CIs, ratios against the study area, Gi* hotspots with FDR "
        "control. Counts of 1 to 7 are written as empty cells.",
    )
    _common.add_area_arguments(hot)
    _add_uec_arguments(hot)
    hot.add_argument("--format", choices=["csv", "geojson"], help="output format (default: from --out)")
    hot.add_argument("--out", type=Path, required=True, help="file to write (.csv or .geojson)")
    hot.set_defaults(func=run_hotspots)

    prof = subparsers.add_parser(
        "profile",
        help="neighbourhood profiles for HWB papers (PDF, HTML, CSV or XLSX)",
        description="Population, age, deprivation, practices, UEC and a footprint map for each neighbourhood.",
    )
    prof.add_argument("plan", type=Path, help=PLAN_FILE)
    _common.add_area_arguments(prof)
    _add_uec_arguments(prof)
    prof.add_argument("--no-uec", action="store_true", help="leave out the UEC section")
    add_plan_arguments(prof)
    prof.add_argument("--plan-version", help="version shown on the pack's cover, e.g. 3")
    prof.add_argument("--sign-off", help="sign-off state shown on the cover, e.g. 'agreed by the HWB, 4 March'")
    prof.add_argument("--out", type=Path, required=True, help="pack.pdf, profiles.html, .csv or .xlsx")
    prof.set_defaults(func=run_profile)


def _add_uec_arguments(parser) -> None:
    parser.add_argument(
        "--uec",
        type=Path,
        help=f"local UEC extract, aggregated or patient-level: {KINDS['uec_extract'].accepts()}; "
        "default: the modelled layer from NHS England A&E totals",
    )
    parser.add_argument("--strict", action="store_true", help="stop at the first bad row of the extract")
    parser.add_argument("--months", type=int, default=12, help="months of the modelled layer (default 12)")
    parser.add_argument(
        "--inference",
        choices=["analytic", "permutation"],
        default="analytic",
        help="Gi* test: analytic normal approximation (default) or conditional permutations",
    )
    parser.add_argument(
        "--permutations",
        type=int,
        help="use permutation inference with at least this many permutations, raised to what the FDR needs",
    )
    parser.add_argument("--alpha", type=float, help="FDR level (default: NHP_HOTSPOT_ALPHA)")
    parser.add_argument("--seed", type=int, help="permutation seed (default: NHP_SEED)")


def _data_folder(args) -> Path | None:
    if getattr(args, "demo", False):
        return Path(demo_data_dir())
    return args.data_dir or get_settings().data_dir


def uec_layer_from_args(args, atlas):
    """Return the UEC layer the arguments ask for: the extract given, or the modelled layer from the data folder."""
    from geo.uec import uec_layer_for  # lazy: nhp --help start-up: 15 modules, 0.15 s

    layer = uec_layer_for(atlas, _data_folder(args), extract=args.uec, strict=args.strict, months=args.months)
    if args.uec:
        print(f"{args.uec.name}: {layer.rejection_report()}", file=sys.stderr)
    else:
        print(f"UEC layer is MODELLED (not observed): {layer.source.label}, {layer.source.vintage}", file=sys.stderr)
    return layer


def _hotspots(args, atlas):
    from geo.hotspots import find_hotspots  # lazy: nhp --help start-up: 8 modules, 47 ms

    layer = uec_layer_from_args(args, atlas)
    return find_hotspots(
        atlas,
        layer,
        alpha=args.alpha,
        permutations=args.permutations,
        seed=args.seed,
        inference="permutation" if args.permutations else args.inference,
    )


def run_hotspots(args) -> int:
    fmt = args.format or ("geojson" if args.out.suffix.lower() in (".geojson", ".json") else "csv")
    atlas = _common.atlas_from_args(args)  # looked up at call time, so tests can swap in a grid atlas
    result = _hotspots(args, atlas)
    # --format may name a format the extension does not (hot.json as GeoJSON): the table's writer of that format
    check_folder(args.out)
    FORMATS["hotspots", f".{fmt}"].write(result, args.out)
    high = int((result.frame.hotspot == "high").sum())
    what = "area(s) of high EXPECTED need (MODELLED UEC layer)" if result.modelled else "hotspot cluster(s) (extract)"
    print(f"{args.out}: {len(result.frame)} LSOAs, {high} in {len(result.clusters)} {what}")
    return 0


def run_profile(args) -> int:
    from geo.profiles import neighbourhood_profiles  # lazy: nhp --help start-up: networkx, 357 modules, 2.0 s

    atlas = _common.atlas_from_args(args)
    plan = plan_from_args(args.plan, atlas, args)
    hotspots = None if args.no_uec else _hotspots(args, atlas)
    profiles = neighbourhood_profiles(plan, hotspots)
    profiles.version, profiles.state = args.plan_version or "", args.sign_off or ""

    export.write("profiles", profiles, args.out)
    print(f"{args.out}: {len(profiles.summary)} neighbourhood profiles")
    return 0
