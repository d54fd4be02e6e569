"""Contiguity and cut edges: how many connected parts each neighbourhood has on the atlas graph.

The graph is ``atlas.adjacency`` (queen contiguity plus the bridges the atlas added for islands), so an island
joined by a bridge is not a separate part. Both metrics are whole-plan numpy/scipy passes over the edge list,
which on an ICB of a few thousand edges costs well under a millisecond, so they are recomputed rather than patched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from geo.metrics import metric

if TYPE_CHECKING:
    from geo.plan import Plan


def _internal_edges(plan: "Plan") -> tuple[np.ndarray, np.ndarray]:
    """Return the edges whose two LSOAs share a neighbourhood, and the mask of cut edges."""
    edges = plan.arrays.edges
    lab = plan.label_index
    cut = lab[edges[:, 0]] != lab[edges[:, 1]] if len(edges) else np.zeros(0, bool)
    return edges[~cut], cut


@metric("components", "connected component of each LSOA within its neighbourhood (array in atlas order)")
def _components(plan: "Plan") -> np.ndarray:
    internal, _ = _internal_edges(plan)
    n = len(plan.label_index)
    graph = sparse.csr_matrix((np.ones(len(internal)), (internal[:, 0], internal[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    return component


@metric("parts", "number of contiguous parts of each neighbourhood")
def _parts(plan: "Plan") -> dict[str, int]:
    component = plan["components"]
    # Components never span neighbourhoods (only internal edges join them), so each component has one label and
    # a neighbourhood's parts are the distinct components among its LSOAs.
    label_of_component = np.zeros(component.max() + 1, dtype=np.int64)
    label_of_component[component] = plan.label_index
    counts = np.bincount(label_of_component, minlength=len(plan.labels))
    return {name: int(counts[k]) for name, k in zip(plan.neighbourhoods, plan.live)}


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
    edges = plan.arrays.edges
    _, cut = _internal_edges(plan)
    ends = plan.label_index[edges[cut]].ravel()
    counts = np.bincount(ends, minlength=len(plan.labels))
    return {name: int(counts[k]) for name, k in zip(plan.neighbourhoods, plan.live)}


@metric("cut_edge_total", "number of graph edges between different neighbourhoods")
def _cut_edge_total(plan: "Plan") -> int:
    _, cut = _internal_edges(plan)
    return int(cut.sum())
