"""Queen contiguity between LSOAs, with islands and detached parts bridged to their nearest neighbour.

Neighbourhoods must be contiguous, but real geographies have islands (Isles of Scilly, Lindisfarne), estuaries
and super-generalised boundaries that leave slivers untouched. As spopt does, we treat this as a policy: each
disconnected part is joined to its nearest LSOA in another part, and every added link is listed so planners see it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from scipy import sparse
from scipy.sparse import csgraph


def queen_adjacency(lsoas: gpd.GeoDataFrame) -> sparse.csr_matrix:
    """Return the symmetric boolean queen-contiguity matrix in the row order of ``lsoas``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> int(queen_adjacency(grid_atlas(3, 3).lsoas)[4].sum())
    8
    """
    n = len(lsoas)
    if n == 0:
        return sparse.csr_matrix((0, 0), dtype=bool)
    frame = gpd.GeoDataFrame(geometry=lsoas.geometry.to_numpy(), crs=lsoas.crs)
    from libpysal import graph  # imported here: libpysal takes seconds to import, and only a build needs it

    g = graph.Graph.build_contiguity(frame, rook=False, strict=False)
    adj = g.adjacency.reset_index()
    focal, neighbor = adj["focal"].to_numpy(), adj["neighbor"].to_numpy()
    keep = focal != neighbor  # the Graph keeps self-loops (weight 0) for isolates
    matrix = sparse.csr_matrix((np.ones(keep.sum(), dtype=bool), (focal[keep], neighbor[keep])), shape=(n, n))
    return (matrix + matrix.T).astype(bool).tocsr()


def bridge_components(
    lsoas: gpd.GeoDataFrame, adjacency: sparse.csr_matrix
) -> tuple[sparse.csr_matrix, list[tuple[str, str]]]:
    """Join every disconnected part to its nearest LSOA in another part until the graph is connected.

    Parameters
    ----------
    lsoas
        LSOA layer (index ``lsoa_code``) in a projected CRS, in the row order of ``adjacency``.
    adjacency
        Boolean contiguity matrix.

    Returns
    -------
    adjacency
        The matrix with the bridging links added (symmetric).
    bridges
        The links added, as ``(code_in_smaller_part, nearest_code_elsewhere)``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from shapely import affinity
    >>> layer = grid_atlas(3, 1).lsoas
    >>> layer.loc["G0002", "geometry"] = affinity.translate(layer.geometry["G0002"], xoff=5000)  # an island
    >>> _, links = bridge_components(layer, queen_adjacency(layer))
    >>> links
    [('G0002', 'G0001')]
    """
    adjacency = adjacency.tocsr().astype(bool)
    codes = lsoas.index.to_numpy()
    geoms = lsoas.geometry.to_numpy()
    bridges: list[tuple[str, str]] = []
    n_parts, labels = csgraph.connected_components(adjacency, directed=False)
    while n_parts > 1:
        sizes = np.bincount(labels)
        smallest = int(np.argmin(sizes))
        inside = np.flatnonzero(labels == smallest)
        outside = np.flatnonzero(labels != smallest)
        tree = gpd.GeoSeries(geoms[outside]).sindex
        hits, distances = tree.nearest(geoms[inside], return_distance=True, return_all=False)
        best = int(np.argmin(distances))
        i, j = int(inside[hits[0][best]]), int(outside[hits[1][best]])
        link = sparse.csr_matrix(([True, True], ([i, j], [j, i])), shape=adjacency.shape)
        adjacency = (adjacency + link).astype(bool).tocsr()
        bridges.append((str(codes[i]), str(codes[j])))
        n_parts, labels = csgraph.connected_components(adjacency, directed=False)
    return adjacency, bridges


def contiguity(lsoas: gpd.GeoDataFrame) -> tuple[sparse.csr_matrix, list[tuple[str, str]]]:
    """Return queen contiguity with islands bridged, and the bridges added (see :func:`bridge_components`)."""
    return bridge_components(lsoas, queen_adjacency(lsoas))
