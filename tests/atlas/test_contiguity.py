"""Contiguity is queen, and islands are joined to their nearest neighbour and listed."""

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
