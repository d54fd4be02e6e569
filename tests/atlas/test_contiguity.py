"""Contiguity is queen, and islands are joined to their nearest neighbour and listed."""

import pytest
from shapely import affinity

from geo.atlas.graph import contiguity, queen_adjacency
from geo.testing import grid_atlas


def test_queen_counts_corner_contacts():
    adjacency = queen_adjacency(grid_atlas(3, 3).lsoas)
    assert adjacency[0].sum() == 3  # a corner cell touches two edges and one corner
    assert adjacency[4].sum() == 8
    assert (adjacency != adjacency.T).nnz == 0


def test_island_is_bridged_to_nearest_and_reported():
    layer = grid_atlas(4, 4).lsoas.copy()
    # Move the north-east corner cell 3 km further north-east: an island.
    layer.loc["G0015", "geometry"] = affinity.translate(layer.geometry["G0015"], xoff=3000, yoff=3000)
    adjacency, bridges = contiguity(layer)
    assert bridges == [("G0015", "G0010")] or bridges[0][0] == "G0015"
    from scipy.sparse.csgraph import connected_components

    assert connected_components(adjacency, directed=False)[0] == 1


def test_connected_area_needs_no_bridges():
    assert contiguity(grid_atlas(5, 2).lsoas)[1] == []


def test_queen_is_libpysal_vertex_queen_on_irregular_polygons():
    # Voronoi cells share exact vertices, meet at corners of three or more, and some are split into
    # multipolygons: the rule must be libpysal's (Graph.build_contiguity, rook=False, strict=False).
    import geopandas as gpd
    import numpy as np
    import shapely
    from libpysal import graph

    rng = np.random.default_rng(7)
    points = shapely.multipoints(rng.uniform(0, 10_000, (150, 2)))
    cells = list(shapely.get_parts(shapely.voronoi_polygons(points, extend_to=shapely.box(0, 0, 10_000, 10_000))))
    cells = [c.intersection(shapely.box(0, 0, 10_000, 10_000)) for c in cells]
    cells[0] = shapely.MultiPolygon([cells[0], shapely.box(20_000, 0, 20_100, 100)])  # a detached part
    cells[1] = shapely.box(20_100, 100, 20_200, 200)  # touches that part at one corner only
    layer = gpd.GeoDataFrame(geometry=cells, crs="EPSG:27700")
    ours = queen_adjacency(layer)
    g = graph.Graph.build_contiguity(layer, rook=False, strict=False).adjacency.reset_index()
    g = g[g.focal != g.neighbor]
    theirs = {(int(a), int(b)) for a, b in zip(g.focal, g.neighbor)}
    rows, cols = ours.nonzero()
    assert set(zip(rows.tolist(), cols.tolist())) == theirs
    assert ours[0, 1] and ours[1, 0]


def test_shapes_a_metre_apart_are_not_neighbours():
    import geopandas as gpd
    from shapely.geometry import box

    layer = gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10), box(11, 0, 20, 10), box(-10, 10, 0, 20)], crs="EPSG:27700")
    adjacency = queen_adjacency(layer)
    assert adjacency[0, 2] and adjacency[2, 0]  # one shared corner (0, 10)
    assert adjacency[0, 1] == 0 and adjacency[1, 2] == 0  # the second box starts 1 m to the east


@pytest.mark.realdata
def test_queen_is_libpysal_vertex_queen_on_real_lsoa_boundaries(data_dir):
    # The official LSOA boundaries of one ICB: the vectorised rule gives libpysal's graph, pair for pair.
    from libpysal import graph

    from geo.atlas import load_atlas

    layer = load_atlas("QK1", data_dir=data_dir).lsoas[["geometry"]].reset_index(drop=True)
    ours = queen_adjacency(layer)
    g = graph.Graph.build_contiguity(layer, rook=False, strict=False).adjacency.reset_index()
    g = g[g.focal != g.neighbor]
    rows, cols = ours.nonzero()
    assert set(zip(rows.tolist(), cols.tolist())) == {(int(a), int(b)) for a, b in zip(g.focal, g.neighbor)}
    assert len(g) > 3 * len(layer)  # a real mesh: several neighbours each
