"""Siting on the grid: per neighbourhood and for the whole area, against brute force, with catchments recounted."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from geo.access.output import sites_frame, write_sites
from geo.access.siting import catchments_layer, choose_sites, demand_weights, sites_layer
from geo.errors import DataError
from geo.plan import Plan
from geo.testing import grid_atlas


def flat_need(atlas):
    return pd.DataFrame({"need_score": 0.0}, index=atlas.codes)


def centres(atlas):
    c = atlas.lsoas.geometry.centroid
    return np.column_stack([c.x, c.y])


def best_by_brute_force(points, weights, sites, k):
    cost = np.hypot(points[:, None, 0] - sites[None, :, 0], points[:, None, 1] - sites[None, :, 1]) / 1000
    return min(
        float((weights * cost[:, list(s)].min(axis=1)).sum()) for s in itertools.combinations(range(len(sites)), k)
    )


@pytest.fixture(scope="module")
def grid():
    population = np.random.default_rng(4).integers(800, 3000, 48)
    return grid_atlas(8, 6, population=population, practice_every=3, lad_width=4)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_per_neighbourhood_sites_are_the_brute_force_optimum_of_each(grid, k):
    plan = Plan(grid, grid.lsoas.lad_code.rename("neighbourhood"))
    result = choose_sites(plan, per_neighbourhood=k, need=flat_need(grid), method="milp")
    assert result.max_gap == 0.0
    points, people = centres(grid), grid.lsoas.resident_population.to_numpy(dtype=float)
    practices = grid.practices
    for name in plan.neighbourhoods:
        rows = np.flatnonzero(plan.assignment.to_numpy() == name)
        inside = practices[practices.lsoa_code.map(plan.assignment) == name]
        xy = np.column_stack([inside.geometry.x, inside.geometry.y])
        chosen = result.sites[result.sites.neighbourhood == name]
        assert len(chosen) == k and set(chosen.index) <= set(inside.index)
        optimum = best_by_brute_force(points[rows], people[rows], xy, k)
        cost = (people[rows] * result.catchment.km.to_numpy()[rows]).sum()
        assert cost == pytest.approx(optimum, rel=1e-9)


def test_whole_area_sites_catchments_and_figures_recount(grid):
    plan = Plan(grid, grid.lsoas.lad_code.rename("neighbourhood"))
    result = choose_sites(plan, total=4, need=flat_need(grid), method="milp")
    points, people = centres(grid), grid.lsoas.resident_population.to_numpy(dtype=float)
    sites = grid.practices.geometry
    allxy = np.column_stack([sites.x, sites.y])
    assert (people * result.catchment.km).sum() == pytest.approx(best_by_brute_force(points, people, allxy, 4))
    chosen = result.sites
    cxy = chosen[["x", "y"]].to_numpy()
    d = np.hypot(points[:, None, 0] - cxy[None, :, 0], points[:, None, 1] - cxy[None, :, 1]) / 1000
    # Each LSOA goes to its nearest chosen site; the distance is the recount.
    assert result.catchment.km.to_numpy() == pytest.approx(d.min(axis=1))
    for code, row in chosen.iterrows():
        mine = (result.catchment.site_code == code).to_numpy()
        assert row.people == people[mine].sum()
        assert row.mean_km == pytest.approx(np.average(result.catchment.km[mine], weights=people[mine]))
        assert row.beyond_threshold == people[mine & (result.catchment.km.to_numpy() > 2.0)].sum()
        within = np.sort(result.catchment.km[mine].to_numpy())
        assert within.min() <= row.p90_km <= within.max()
    assert sorted(chosen.opening_order) == [1, 2, 3, 4]
    assert chosen.people.sum() == people.sum()


def test_opening_order_follows_catchment_need():
    atlas = grid_atlas(6, 1, practice_every=1)
    plan = Plan(atlas, {c: "W" if int(c[1:]) < 3 else "E" for c in atlas.codes})
    need = pd.DataFrame({"need_score": [0.0, 0.0, 0.0, 2.0, 2.0, 2.0]}, index=atlas.codes)
    result = choose_sites(plan, per_neighbourhood=1, need=need)
    order = result.sites.set_index("neighbourhood").opening_order
    assert order["E"] == 1 and order["W"] == 2


def test_need_weighting_pulls_the_site_towards_the_needier_people():
    atlas = grid_atlas(4, 1, practice_every=1)
    plan = Plan(atlas, {c: "A" for c in atlas.codes})
    need = pd.DataFrame({"need_score": [3.0, 2.0, 1.0, 0.0]}, index=atlas.codes)
    assert demand_weights(atlas, "need", need).tolist() == [3000.0, 2625.0, 2250.0, 1875.0]
    by_people = choose_sites(plan, per_neighbourhood=1, need=need).sites.index[0]
    by_need = choose_sites(plan, per_neighbourhood=1, need=need, weight="need").sites.index[0]
    assert by_people in {"Z00001", "Z00002"} and by_need == "Z00001"


def test_a_neighbourhood_without_candidates_borrows_the_nearest_outside_and_says_so():
    atlas = grid_atlas(4, 1, practice_every=4)  # one practice, in G0000
    plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"})
    result = choose_sites(plan, per_neighbourhood=1, need=flat_need(atlas))
    assert result.problems.set_index("neighbourhood").at["B", "note"].startswith("0 candidate(s) inside")
    assert result.sites.neighbourhood.tolist() == ["A", "B"]


def test_bad_requests_are_refused(grid):
    plan = Plan(grid, grid.lsoas.lad_code.rename("neighbourhood"))
    for kwargs in (
        {},
        {"per_neighbourhood": 1, "total": 2},
        {"per_neighbourhood": 0},
        {"total": 501},
        {"per_neighbourhood": 1, "weight": "votes"},
        {"per_neighbourhood": 1, "threshold_km": float("nan")},
    ):
        with pytest.raises(DataError):
            choose_sites(plan, need=flat_need(grid), **kwargs)


def test_layers_and_files_carry_the_sites(grid, tmp_path):
    import geopandas as gpd

    plan = Plan(grid, grid.lsoas.lad_code.rename("neighbourhood"))
    result = choose_sites(plan, per_neighbourhood=2, need=flat_need(grid))
    points = sites_layer(result)
    assert points.crs.to_epsg() == 27700 and len(points) == 4
    shapes = catchments_layer(result)
    assert shapes.geometry.area.sum() == pytest.approx(grid.lsoas.geometry.area.sum())
    table = sites_frame(result)
    assert list(table.columns[:7]) == [
        "neighbourhood",
        "site_code",
        "site_name",
        "people",
        "mean_km",
        "p90_km",
        "beyond_threshold",
    ]
    written = pd.read_csv(write_sites(result, tmp_path / "s.csv"))
    assert written.site_code.tolist() == table.site_code.tolist()
    geo = gpd.read_file(write_sites(result, tmp_path / "s.geojson"))
    assert len(geo) == 4 and set(geo.geom_type) <= {"Polygon", "MultiPolygon"}
    with pytest.raises(DataError, match="cannot write"):
        write_sites(result, tmp_path / "s.shp")


def test_sites_are_chosen_from_the_demand_points_given_and_labelled_with_them(grid):
    from geo.access.layer import demand_points, practice_sites
    from geo.access.points import method_label

    plan = Plan(grid, grid.lsoas.lad_code.rename("neighbourhood"))
    where = demand_points(grid, "/nonexistent")
    assert where[["x", "y"]].to_numpy() == pytest.approx(centres(grid))  # no Code-Point file: centroids
    # Every other LSOA's people sit 400 m east, as a postcode-weighted point would put them.
    moved, shifted = where.copy(), np.arange(len(where)) % 2 == 0
    moved.loc[shifted, "x"] += 400.0
    moved.loc[shifted, "point_method"] = "postcode-weighted"
    moved.attrs["source"] = {"vintage": "Code-Point Open 2025-10"}
    result = choose_sites(plan, per_neighbourhood=2, need=flat_need(grid), method="milp", points=moved)
    xy, people = moved[["x", "y"]].to_numpy(), grid.lsoas.resident_population.to_numpy(dtype=float)
    assert result.points[["x", "y"]].to_numpy() == pytest.approx(xy)
    sites = practice_sites(grid)
    site_xy = sites[["x", "y"]].reindex(result.catchment.site_code).to_numpy()
    assert result.catchment.km.to_numpy() == pytest.approx(np.hypot(*(xy - site_xy).T) / 1000)
    for name in plan.neighbourhoods:
        rows = np.flatnonzero(plan.assignment.to_numpy() == name)
        inside = sites[grid.practices.lsoa_code.reindex(sites.index).map(plan.assignment) == name]
        optimum = best_by_brute_force(xy[rows], people[rows], inside[["x", "y"]].to_numpy(), 2)
        assert (people[rows] * result.catchment.km.to_numpy()[rows]).sum() == pytest.approx(optimum, rel=1e-9)
    for row in result.sites.itertuples():
        m = (result.catchment.catchment == row.catchment).to_numpy()
        assert row.km_method == method_label(int(shifted[m].sum()), int(m.sum()), "Code-Point Open 2025-10")
    label = result.notes["points"]["label"]
    assert label == (
        "straight line from postcode-weighted points (Code-Point Open 2025-10) for 24 of 48 LSOAs, "
        "LSOA centroids for the rest"
    )
    assert label in result.notes["method"] and result.notes["points"]["postcode_point_lsoas"] == 24
    assert sites_frame(result).km_method.tolist() == result.sites.km_method.tolist()


def test_a_missing_demand_point_is_refused_naming_the_lsoa(grid):
    from geo.access.layer import demand_points

    plan = Plan(grid, grid.lsoas.lad_code.rename("neighbourhood"))
    where = demand_points(grid, "/nonexistent")
    where.loc[grid.codes[5], "y"] = np.nan
    with pytest.raises(DataError, match=grid.codes[5]) as error:
        choose_sites(plan, per_neighbourhood=1, need=flat_need(grid), points=where)
    assert error.value.row == 6 and error.value.column == "y"
