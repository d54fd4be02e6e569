"""Benchmark: Getis-Ord Gi* with 999 permutations over every LSOA in England (about 33,700), target <= 10 s.

Usage::

    NHP_DATA_DIR=../shared/data/raw python bench/hotspots.py [--permutations 999] [--jobs 1 2]

The queen weights come from ``load_atlas("england")`` when it can be built, otherwise straight from the LSOA 2021
boundaries in the data folder. The values are the IoD2025 acute morbidity ratios (what the modelled UEC layer is
shared by), so the statistic sees a realistic spatial pattern. numba compiles esda's kernels once per process;
that one-off cost is timed separately from the statistic (warm-up on a small grid), as the API pays it once.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def england_weights(data_dir: Path):
    """Return (codes, W, values) for all England LSOAs."""
    try:
        from geo.atlas import load_atlas

        atlas = load_atlas("england", data_dir=data_dir)
        values = atlas.lsoas.acute_morbidity.fillna(100).to_numpy(float) / 100
        return atlas.codes, atlas.weights(), values, "load_atlas('england')"
    except Exception as error:  # noqa: BLE001 - fall back to the boundaries, and say so
        print(f"load_atlas('england') unavailable ({error}); building queen weights from the boundaries")
    import geopandas as gpd
    import pandas as pd
    from libpysal.weights import Queen

    from geo.sources import discover

    catalogue = discover(data_dir)
    gdf = gpd.read_file(catalogue.path("lsoa21_boundaries"))
    code = next(c for c in gdf.columns if c.lower().startswith("lsoa21cd"))
    gdf = gdf[gdf[code].str.startswith("E")].sort_values(code).reset_index(drop=True)
    w = Queen.from_dataframe(gdf, ids=code, use_index=False, silence_warnings=True)
    iod = pd.read_csv(catalogue.path("iod2025_indicators"), usecols=["lsoa21_code", "acute_morbidity_indicator"])
    values = gdf[code].map(iod.set_index("lsoa21_code").acute_morbidity_indicator).fillna(100).to_numpy() / 100
    return gdf[code], w, values, "queen weights from LSOA 2021 boundaries"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("NHP_DATA_DIR"))
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not args.data_dir:
        raise SystemExit("set NHP_DATA_DIR or --data-dir to the official files")

    from esda.getisord import G_Local

    from geo.testing import grid_atlas

    t = time.perf_counter()
    grid = grid_atlas(5, 5)
    G_Local(np.arange(25.0) + 1, grid.weights(), transform="B", star=True, permutations=99, seed=1, n_jobs=1)
    print(f"numba compile (one-off per process): {time.perf_counter() - t:.1f} s")

    t = time.perf_counter()
    codes, w, values, how = england_weights(args.data_dir)
    print(f"{len(codes)} LSOAs, mean {w.mean_neighbors:.1f} neighbours ({how}): {time.perf_counter() - t:.1f} s")
    # islands (no queen neighbour) get themselves only under Gi*, which esda handles with island_weight
    for jobs in args.jobs:
        t = time.perf_counter()
        gi = G_Local(values, w, transform="B", star=True, permutations=args.permutations, seed=1,
                     keep_simulations=False, n_jobs=jobs)
        elapsed = time.perf_counter() - t
        print(f"Gi* {args.permutations} permutations, n_jobs={jobs}: {elapsed:.1f} s "
              f"({'meets' if elapsed <= 10 else 'misses'} the 10 s target); "
              f"{int((gi.p_sim <= 0.001).sum())} LSOAs at p = 0.001")


if __name__ == "__main__":
    main()
