"""Contiguity and cut edges: how many connected parts each neighbourhood has on the atlas graph.

The graph is ``atlas.adjacency`` (queen contiguity plus the bridges the atlas added for islands), so an island
joined by a bridge is not a separate part. A root plan finds its components with scipy; a child patches its
parent's: only the edges of the moved rows can change between cut and internal, and only the neighbourhoods the
moves touched can change their parts. Each moved row is replayed in turn: the component it joins merges its new
neighbours' components, and the one it leaves is searched again only if its old neighbours there may have come
apart. Each component is named by its first row, so a patched and a recounted plan agree exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from geo.metrics import metric
from geo.metrics.kernels import first_row_components

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
    pos = plan.flow[0]
    if len(pos) > PATCH_LIMIT:
        return _cut_mask(plan)
    indptr, _, edge = plan.arrays.neighbours
    touched = np.concatenate([edge[indptr[i] : indptr[i + 1]] for i in pos.tolist()]) if len(pos) else edge[:0]
    ends = plan.arrays.edges[touched]
    lab = plan.label_index
    cut = previous.copy()
    cut[touched] = lab[ends[:, 0]] != lab[ends[:, 1]]
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
    pos, old, new = plan.flow
    if len(pos) > PATCH_LIMIT:
        return _components_of(plan)
    if len(pos) > 1:  # a practice move moves a dozen rows: one compiled pass over the graph beats replaying each
        indptr, neighbour, _ = plan.arrays.neighbours
        return first_row_components(np.asarray(plan.label_index, np.int64), indptr, np.asarray(neighbour, np.int64))
    component = previous.copy()
    # Replay the moves one row at a time from the parent's labels (as for perimeters); a single moved row's
    # neighbours already have their final labels, so the child's labels serve.
    current = plan.label_index
    if len(pos) > 1:
        current = current.copy()
        current[pos] = old
    arrays = plan.arrays
    for i, a, b in zip(pos.tolist(), old.tolist(), new.tolist()):
        _move_row(component, current, arrays, i, a, b)
        if len(pos) > 1:
            current[i] = b
    return component


def _move_row(component: np.ndarray, current: np.ndarray, arrays, i: int, a: int, b: int) -> None:
    """Patch ``component`` in place for row ``i`` moving from label ``a`` to ``b`` (``current``: the labels of
    its neighbours).

    Only the component ``i`` leaves and those it joins can change. Leaving, it splits its component only if its
    neighbours there are no longer connected without it (searched from one of them, stopping once all are found);
    joining, it merges the components of its new neighbours. Components keep the name of their first row.
    """
    adjacency = arrays.adjacency_lists
    indptr, neighbour, _ = arrays.neighbours
    around = current[neighbour[indptr[i] : indptr[i + 1]]].tolist()
    was = [j for j, k in zip(adjacency[i], around) if k == a]
    joins = [j for j, k in zip(adjacency[i], around) if k == b]
    root = int(component[i])
    if was:
        # Its old neighbours usually touch one another around it: then nothing splits, without a search.
        split = len(was) > 1 and not _joined(was, set(was), adjacency)
        if split or root == i:
            rest = np.flatnonzero(component == root)
            rest = rest[rest != i]
            if split and not _joined(was, set(rest.tolist()), adjacency):
                _search(component, rest.tolist(), adjacency)  # it split: name each part again
            elif root == i:
                component[rest] = rest[0]  # still one part, whose first row has left
    roots = {int(component[j]) for j in joins}
    first = min(roots | {i})
    component[i] = first
    stale = [r for r in roots if r != first]
    if stale:
        component[np.isin(component, stale)] = first


def _joined(rows: list[int], inside: set[int], adjacency: list[list[int]]) -> bool:
    """Whether ``rows`` are connected through rows ``inside``: breadth first from the first, so the search stays
    near the moved row (its old neighbours usually touch each other) and stops once all are reached."""
    wanted = set(rows[1:])
    seen, queue = {rows[0]}, [rows[0]]
    for v in queue:  # the list grows while it is read: a queue
        for u in adjacency[v]:
            if u in inside and u not in seen:
                seen.add(u)
                wanted.discard(u)
                if not wanted:
                    return True
                queue.append(u)
    return not wanted


def _search(component: np.ndarray, members: list[int], adjacency: list[list[int]]) -> None:
    """Name the connected parts of ``members`` (ascending rows) by their first row."""
    inside, seen = set(members), set()
    for root in members:  # ascending, so each search starts from its part's first row
        if root in seen:
            continue
        seen.add(root)
        stack, found = [root], [root]
        while stack:
            for u in adjacency[stack.pop()]:
                if u in inside and u not in seen:
                    seen.add(u)
                    stack.append(u)
                    found.append(u)
        component[found] = root


@metric("parts", "number of contiguous parts of each neighbourhood")
def _parts(plan: "Plan") -> dict[str, int]:
    component = plan["components"]
    lab = plan.label_index
    # A component never spans neighbourhoods, and each has one first row: count those rows per neighbourhood.
    counts = np.bincount(lab[component == np.arange(len(lab))], minlength=len(plan.labels))
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
