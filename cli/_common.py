"""Options every data command shares (study area, data folder, vintage, IMD edition) and loading the atlas."""

from __future__ import annotations

import argparse
from pathlib import Path

from geo.demo import DEMO_AREA, demo_data_dir
from geo.errors import DataError


def add_area_arguments(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    """Add ``--area``, ``--data-dir``, ``--vintage``, ``--imd`` and ``--demo`` to a sub-command."""
    parser.add_argument(
        "--area",
        required=False,
        help="study area: ICB (QK1 or E54000015), sub-ICB (04C or E38...), LAD code(s) comma-separated, "
        "or a file with one LSOA code per line",
    )
    parser.add_argument("--data-dir", type=Path, help="folder of official files (default: NHP_DATA_DIR)")
    parser.add_argument("--vintage", type=int, choices=[2011, 2021], help="LSOA geography (default 2021)")
    parser.add_argument("--imd", type=int, choices=[2019, 2025], help="IMD edition (default: matches vintage)")
    parser.add_argument("--demo", action="store_true", help="use the synthetic demo region (offline)")
    parser.add_argument("--no-cache", action="store_true", help="rebuild the atlas instead of using the cache")


def atlas_from_args(args: argparse.Namespace):
    """Build (or load from cache) the atlas the arguments describe."""
    # lazy: nhp --help start-up: geo.atlas.build brings 8 modules --help does not need (30 ms CPU, measured)
    from geo.atlas import load_atlas

    if getattr(args, "demo", False):
        return load_atlas(
            args.area or DEMO_AREA,
            data_dir=demo_data_dir(),
            vintage=args.vintage,
            imd=args.imd,
            cache=not args.no_cache,
        )
    if not args.area:
        raise DataError(
            "no study area given", expected="--area QK1 (an ICB, sub-ICB, LAD codes or LSOA file), or --demo"
        )
    return load_atlas(args.area, data_dir=args.data_dir, vintage=args.vintage, imd=args.imd, cache=not args.no_cache)
