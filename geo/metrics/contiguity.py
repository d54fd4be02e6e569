"""Contiguity and cut edges: how many connected parts each neighbourhood has on the atlas graph.

The graph is ``atlas.adjacency`` (queen contiguity plus the bridges the atlas added for islands), so an island
joined by a bridge is not a separate part. A root plan finds its components with scipy; a child patches its
parent's: only the edges of the moved rows can change between cut and internal, and only the neighbourhoods the
moves touched can change their parts. For one moved row (compiled: :mod:`geo.metrics.kernels`) the rows left in
the part it leaves are searched again and the parts it joins merge; a move of a few rows is one compiled pass over
the graph. Each component is named by its first row, so a patched and a recounted plan agree exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from geo.metrics import metric
from geo.metrics.edit import one_row_edit
from geo.metrics.kernels import first_row_components, move_row_components, parts_by_label, patch_cut

# Beyond this many moved rows, one vectorised pass over the edges beats patching row by row.
PATCH_LIMIT = 64

if TYPE_CHECKING:
    from geo.plan import Plan


def _cut_mask(plan: "Plan") -> np.ndarray:
    edges = plan.arrays.edges
    lab = plan.label_index
    return lab[edges[:, 0]] != lab[edges[:, 1]] if len(edges) else np.zeros(0, bool)


@metric("cut", "whether each graph edge joins two neighbourhoods (boolean array aligned with the atlas's edges)")
def _cut(plan: "Plan") -> np.ndarray:
    return _cut_mask(plan)


@_cut.updater
def _cut_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["cut"]
    pos = plan.flow[0]
    if len(pos) > PATCH_LIMIT:
        return _cut_mask(plan)
    indptr, _, edge = plan.arrays.neighbours
    cut = previous.copy()
    patch_cut(cut, plan.label_index, plan.arrays.edges, indptr, edge, pos)
    return cut


def _components_of(plan: "Plan") -> np.ndarray:
    edges = plan.arrays.edges
    internal = edges[~plan["cut"]]
    n = len(plan.label_index)
    graph = sparse.csr_matrix((np.ones(len(internal)), (internal[:, 0], internal[:, 1])), shape=(n, n))
    count, component = connected_components(graph, directed=False)
    first = np.full(count, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))
    return first[component]


@metric("components", "connected component of each LSOA within its neighbourhood, named by its first row (array)")
def _components(plan: "Plan") -> np.ndarray:
    return _components_of(plan)


@_components.updater
def _components_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["components"]
    pos, old, new = plan.flow
    if len(pos) > 1:  # a practice move moves a dozen rows or more: one compiled pass over the graph (the parts a
        # recount names, each by its first row) beats replaying each row, and scipy's sparse matrix for many rows
        indptr, neighbour, _ = plan.arrays.neighbours
        return first_row_components(np.asarray(plan.label_index, np.int64), indptr, np.asarray(neighbour, np.int64))
    component = previous.copy()
    if len(pos):  # one moved row: only the part it left and the parts it joins change (compiled)
        indptr, neighbour, _ = plan.arrays.neighbours
        move_row_components(component, plan.label_index, indptr, neighbour, pos[0], old[0], new[0])
    return component


@metric("parts", "number of contiguous parts of each neighbourhood")
def _parts(plan: "Plan") -> dict[str, int]:
    # A component never spans neighbourhoods, and each has one first row: count those rows per neighbourhood.
    counts = parts_by_label(plan["components"], plan.label_index, len(plan.labels))
    return dict(zip(plan.neighbourhoods, counts[plan.live].tolist()))


@metric("contiguous", "every neighbourhood is one contiguous part")
def _contiguous(plan: "Plan") -> bool:
    return all(parts == 1 for parts in plan["parts"].values())


@metric("detached_lsoas", "LSOAs outside the largest part of their neighbourhood, by neighbourhood")
def _detached(plan: "Plan") -> dict[str, list[str]]:
    component = plan["components"]
    detached: dict[str, list[str]] = {}
    for name, k in zip(plan.neighbourhoods, plan.live):
        if plan["parts"][name] == 1:
            continue
        members = plan.members(k)
        ids, sizes = np.unique(component[members], return_counts=True)
        main = ids[np.argmax(sizes)]
        detached[name] = plan.arrays.codes[members[component[members] != main]].tolist()
    return detached


@metric("cut_edges", "graph edges between LSOAs of different neighbourhoods, counted for each neighbourhood")
def _cut_edges(plan: "Plan") -> dict[str, int]:
    ends = plan.label_index[plan.arrays.edges[plan["cut"]]].ravel()
    counts = np.bincount(ends, minlength=len(plan.labels))
    return dict(zip(plan.neighbourhoods, counts[plan.live].tolist()))


@metric("cut_edge_total", "number of graph edges between different neighbourhoods")
def _cut_edge_total(plan: "Plan") -> int:
    return int(np.count_nonzero(plan["cut"]))
