"""Benchmark: HTML size and build time of the LLR (QK1) plan map, by simplification method and tolerance.

Run ``python bench/maps.py [--data-dir DIR] [--out DIR]``. The atlas comes from ``geo.atlas.load_atlas("QK1")``
when that works; otherwise from a small stand-in built here from the same official files (LSOA21 boundaries, the
LSOA->ICB and LSOA->LAD lookups, IoD2025, Census 2021, the geocoded practice lookup and the July 2023
registrations), which has the real geometry, the part that decides the size. The plan cuts each local authority
into runs of about 50,000 residents along a space-filling order, so footprints are realistic in number and shape.

It compares, in one run: no simplification, per-polygon ``shapely.simplify`` and ``shapely.coverage_simplify``
(the method ``geo.maps`` uses) at several tolerances; the target is a plan map of at most 5 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.atlas.model import Atlas, SourceInfo, StudyArea
from geo.maps import _geometry, plan_map, save_map

LIMIT_MB = 5.0


def load_llr(data_dir: Path) -> Atlas:
    """The QK1 atlas from ``geo.atlas`` when it loads, else the stand-in from the raw files."""
    try:
        from geo.atlas import load_atlas

        return load_atlas("QK1", data_dir=data_dir)
    except Exception as error:  # the loader is under construction; fall back rather than skip the bench
        print(
            f"geo.atlas.load_atlas failed ({type(error).__name__}: {error}); using the stand-in atlas", file=sys.stderr
        )
        return _stand_in(data_dir)


def _stand_in(raw: Path) -> Atlas:
    icb = pd.read_csv(raw / "lsoa21_sicbl24_icb24_lookup.csv", dtype=str)
    icb = icb[icb.icb24_code_nhs == "QK1"].set_index("lsoa21_code")
    shapes = gpd.read_file(raw / "lsoa21_boundaries_bsc_england.geojson").set_index("lsoa21_code")
    shapes = shapes.loc[sorted(icb.index)].to_crs(27700)
    lad = (
        pd.read_csv(raw / "lsoa21_ward24_lad24_lookup.csv", dtype=str)
        .drop_duplicates("lsoa21_code")
        .set_index("lsoa21_code")
    )
    imd = pd.read_csv(raw / "iod2025_lsoa21_scores_ranks_deciles.csv", dtype={"lsoa21_code": str}).set_index(
        "lsoa21_code"
    )
    pop = pd.read_csv(raw / "census2021_lsoa21_usual_residents_age6.csv", dtype={"lsoa21_code": str}).set_index(
        "lsoa21_code"
    )
    codes = shapes.index
    lsoas = gpd.GeoDataFrame(
        {
            "lsoa_name": shapes.lsoa21_name,
            "lad_code": lad.ltla24_code.reindex(codes),
            "lad_name": lad.ltla24_name.reindex(codes),
            "resident_population": pop.usual_residents_total.reindex(codes),
            "registered_population": pop.usual_residents_total.reindex(codes),
            "imd_decile": imd.IMD_decile.reindex(codes),
            "imd_score": imd.IMD_score.reindex(codes),
        },
        geometry=shapes.geometry,
        crs=27700,
    ).rename_axis("lsoa_code")
    lsoas["local_decile"] = pd.qcut(lsoas.imd_score.rank(method="first", ascending=False), 10, labels=False) + 1
    gp = pd.read_csv(raw / "practice_pcn_geocoded_lookup_2024-01.csv", dtype=str)
    gp = gp[gp.ICB_CODE == "QK1"].set_index("PRAC_CODE")
    regs = pd.read_csv(raw / "gp-reg-pat-prac-lsoa-all_2023-07.csv", usecols=["PRACTICE_CODE", "NUMBER_OF_PATIENTS"])
    sizes = regs.groupby("PRACTICE_CODE").NUMBER_OF_PATIENTS.sum()
    practices = (
        gpd.GeoDataFrame(
            {
                "practice_name": gp.PRAC_NAME,
                "pcn_code": gp.PCN_CODE,
                "pcn_name": gp.PCN_NAME,
                "list_size": sizes.reindex(gp.index),
                "patients_in_area": sizes.reindex(gp.index),
                "in_area": True,
            },
            geometry=gpd.points_from_xy(gp.PRAC_LNG.astype(float), gp.PRAC_LAT.astype(float)),
            crs=4326,
        )
        .to_crs(27700)
        .rename_axis("practice_code")
    )
    n = len(lsoas)
    return Atlas(
        area=StudyArea("icb", ("QK1",), "NHS Leicester, Leicestershire and Rutland ICB"),
        vintage=2021,
        imd_edition=2025,
        lsoas=lsoas,
        practices=practices,
        registrations=pd.DataFrame(columns=["practice_code", "lsoa_code", "patients"]),
        adjacency=sparse.csr_matrix((n, n), dtype=bool),
        sources={
            "boundaries": SourceInfo("boundaries", "ONS LSOA 2021 boundaries (BSC)", "2021"),
            "imd": SourceInfo("imd", "English Indices of Deprivation", "2025"),
            "practices": SourceInfo(
                "practices", "NHS England practice-PCN lookup; GP registrations", "Jan 2024; Jul 2023"
            ),
        },
    )


def simple_plan(atlas: Atlas, target: int = 50_000) -> pd.Series:
    """Cut each local authority into runs of about ``target`` residents along a Z-order of LSOA centroids."""
    centre = atlas.lsoas.geometry.representative_point()
    x = ((centre.x - centre.x.min()) // 500).astype(int).to_numpy()
    y = ((centre.y - centre.y.min()) // 500).astype(int).to_numpy()
    z = sum(((x >> b) & 1) << (2 * b) | ((y >> b) & 1) << (2 * b + 1) for b in range(16))
    order = pd.DataFrame(
        {"lad": atlas.lsoas.lad_code.to_numpy(), "z": z, "pop": atlas.lsoas.resident_population.to_numpy()},
        index=atlas.lsoas.index,
    ).sort_values(["lad", "z"])
    runs = order.groupby("lad")["pop"].cumsum() // target
    return (order.lad + "-" + runs.astype(str)).reindex(atlas.lsoas.index)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=os.environ.get("NHP_DATA_DIR") or "../shared/data/raw")
    parser.add_argument("--out", type=Path, default=Path("/tmp/nhp-bench-maps"))
    args = parser.parse_args(argv)
    atlas = load_llr(args.data_dir)
    plan = simple_plan(atlas)
    print(
        f"{atlas.area.label}: {len(atlas.lsoas)} LSOAs, {len(atlas.practices)} practices, {plan.nunique()} neighbourhoods"
    )
    print(f"{'method':<22}{'tolerance m':>12}{'vertices':>10}{'HTML MB':>9}{'build s':>9}")
    original_simplify = _geometry._simplify
    methods = {
        "coverage_simplify": original_simplify,
        "simplify (per polygon)": lambda g, t: np.asarray(shapely.simplify(g, t, preserve_topology=True), dtype=object),
    }
    rows = [("none", 0.0, original_simplify)] + [(m, t, f) for m, f in methods.items() for t in (10.0, 20.0, 50.0)]
    for method, tolerance, function in rows:
        _geometry._simplify = function  # swap the method for this run only; restored below
        try:
            start = time.perf_counter()
            m = plan_map(atlas, plan, tolerance_m=tolerance)
            path = save_map(m, args.out / f"llr_plan_{method.split()[0]}_{tolerance:g}.html")
            seconds = time.perf_counter() - start
            shown = _geometry.simplify_for_display(atlas.lsoas, tolerance).geometry.array
            vertices = int(shapely.get_num_coordinates(shown).sum())
        finally:
            _geometry._simplify = original_simplify
        size = path.stat().st_size / 1e6
        flag = "" if size <= LIMIT_MB else "  over the 5 MB target"
        print(f"{method:<22}{tolerance:>12g}{vertices:>10}{size:>9.2f}{seconds:>9.2f}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
