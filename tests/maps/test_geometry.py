"""Display geometry: one valid feature per LSOA, neighbours still meet, coordinates short, pages small."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geo.maps import plan_map, save_map, simplify_for_display
from geo.maps._geometry import to_leaflet
from geo.testing import grid_atlas
from tests.maps.conftest import features, page


@pytest.fixture
def jagged():
    """25 'LSOAs' with wiggly shared boundaries: Voronoi cells of 3,000 random points grouped by nearest seed."""
    rng = np.random.default_rng(4)
    area = box(450_000, 300_000, 455_000, 305_000)
    points = shapely.points(rng.uniform([450_000, 300_000], [455_000, 305_000], (3000, 2)))
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=area)), area
    )
    seeds = rng.uniform([450_000, 300_000], [455_000, 305_000], (25, 2))
    centre = shapely.get_coordinates(shapely.centroid(cells))
    group = np.argmin(((centre[:, None, :] - seeds[None]) ** 2).sum(-1), axis=1)
    frame = gpd.GeoDataFrame({"group": group}, geometry=cells, crs=27700).dissolve("group")
    frame.index = [f"E0100{i:04d}" for i in range(len(frame))]
    return frame


def test_simplify_keeps_one_valid_feature_per_lsoa(jagged):
    out = simplify_for_display(jagged, 40)
    assert list(out.index) == list(jagged.index)
    assert out.geometry.is_valid.all() and not out.geometry.is_empty.any()
    before = shapely.get_num_coordinates(jagged.geometry.array).sum()
    after = shapely.get_num_coordinates(out.geometry.array).sum()
    assert after < before / 2


def test_simplified_lsoas_still_tile_the_area(jagged):
    out = simplify_for_display(jagged, 40)
    assert shapely.coverage_is_valid(np.asarray(out.geometry.array))  # no overlaps between neighbours
    gaps = shapely.union_all(jagged.geometry.array).area - shapely.union_all(out.geometry.array).area
    assert abs(gaps) < 0.01 * jagged.area.sum()
    # Every pair of neighbours still shares an edge, not just a corner or nothing.
    for i, j in [(0, k) for k in range(1, len(jagged))]:
        if jagged.geometry.iloc[i].intersection(jagged.geometry.iloc[j]).length > 100:
            assert out.geometry.iloc[i].intersection(out.geometry.iloc[j]).length > 50


def test_zero_tolerance_keeps_the_geometry(jagged):
    out = simplify_for_display(jagged, 0)
    assert out.geometry.geom_equals_exact(jagged.geometry, 0).all()


def test_leaflet_coordinates_are_wgs84_with_five_decimals(jagged):
    out = to_leaflet(simplify_for_display(jagged, 40))
    assert out.crs.to_epsg() == 4326 and out.geometry.is_valid.all()
    coords = shapely.get_coordinates(out.geometry.array)
    assert np.allclose(coords, np.round(coords, 5), atol=0, rtol=0)
    assert -2 < coords[:, 0].min() and coords[:, 1].max() < 53.5


def test_page_carries_one_feature_per_lsoa_per_choropleth():
    atlas = grid_atlas(5, 5)
    html = page(plan_map(atlas, pd.Series("A", index=atlas.codes)))
    ids = [f["id"] for f in features(html) if "imd_decile" in f["properties"]]
    assert sorted(ids) == sorted(atlas.codes)


def test_plan_map_of_a_900_lsoa_grid_is_small(tmp_path):
    atlas = grid_atlas(30, 30, lad_width=10)
    cells = np.arange(900)
    hoods = pd.Series((cells // 180 * 5 + cells % 30 // 6).astype(str), index=atlas.codes)
    path = save_map(plan_map(atlas, hoods), tmp_path / "plan.html")
    # Measured 1.00 MB with the data folder's sources (two LSOA choropleths of 900 features, outlines, practices,
    # each of the 25 neighbourhoods carrying its access figures' method and source); much more means the page
    # repeats something per LSOA it should not (one more short property on 900 features adds about 30 kB).
    assert path.stat().st_size < 1.1e6
