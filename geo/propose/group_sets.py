"""Connected groups of a small graph as 64-bit masks, for the exact partition (:mod:`geo.propose.exact`): every
connected node set within a band of populations (:func:`connected_sets`, Wernicke's ESU), each set's total
(:func:`set_sums`) and share of a weighted cut (:func:`cut_shares`), and a lower bound on any partition's largest
deviation from the graph's cut vertices (:func:`cut_floor`). Each is compiled with numba when
:data:`geo.propose.cover.COMPILED` (:mod:`geo.propose.kernels`), node for node as the numpy reference here.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from geo.propose import cover, kernels
from geo.propose.cover import node_flags

#: Most connected sets visited in one enumeration before giving up on proving a unit (a count, never a time).
#: Leicester (52 practices) visits 1.0 million within 3 % (0.3 s); Sandwell, 1.9 million within 16.6 %, whose
#: searches then took 7 s and were not proven, is left to the heuristic.
MAX_SETS = 1_200_000


#: Most nodes of a graph solved exactly (sets are held as 64-bit masks).
MAX_NODES = 64


def near_masks(adjacency) -> np.ndarray:
    """Each node's neighbours as a 64-bit mask (itself left out).

    >>> near_masks(sparse.csr_matrix(np.ones((3, 3)) - np.eye(3)).astype(bool)).tolist()
    [6, 5, 3]
    """
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    n = adjacency.shape[0]
    if n > MAX_NODES:
        raise ValueError(f"{n} nodes: at most {MAX_NODES}")
    rows = np.repeat(np.arange(n), np.diff(adjacency.indptr))
    cols = adjacency.indices.astype(np.int64)
    keep = cols != rows
    near = np.zeros(n, dtype=np.uint64)
    np.bitwise_or.at(near, rows[keep], np.uint64(1) << cols[keep].astype(np.uint64))
    return near


def cut_floor(near, pop) -> float:
    """A lower bound on the largest deviation of every partition into connected groups, from cut vertices
    (:func:`geo.propose.kernels.cut_floor`), a little under (sums of floats): 0 when none binds.

    A practice whose removal cuts off pieces smaller than the target must take them into its own group, or leave
    one of them a group of at most that piece. Bromley: 32,950 patients with pieces of 15,000 and 23,000
    hanging off them, so no partition is within 42 % (the search proved it in 1.6 million nodes).

    >>> path = sparse.diags([np.ones(2), np.ones(2)], [-1, 1], format="csr").astype(bool)
    >>> round(cut_floor(near_masks(path), np.array([0.3, 0.9, 0.4])), 6)  # 0.3 and 0.4 hang off the middle
    0.6
    """
    return max(float(kernels.cut_floor(np.asarray(near, dtype=np.uint64), np.asarray(pop, dtype=float))) - 1e-12, 0.0)


def connected_sets(
    pop, adjacency, upper: float, max_sets: int = MAX_SETS, lower: float = -np.inf, near=None
) -> np.ndarray | None:
    """Return every connected node set with population from ``lower`` to ``upper`` as a sorted array of 64-bit
    masks (None when more than ``max_sets`` sets of population up to ``upper`` had to be visited).

    Wernicke's ESU enumeration, one level of the search tree at a time in numpy: each set is grown only from
    its lowest node, by neighbours not yet excluded, so each is made exactly once; a set over ``upper`` is not
    grown (populations are positive). Leicester's 1.5 million sets up to 105 % of a target: 0.3 s (one set at a
    time in Python: 2.5 s). With :data:`geo.propose.cover.COMPILED`, the same growth depth first in compiled code
    (:func:`geo.propose.kernels.connected_sets`): the same sets with the same sums.

    Examples
    --------
    >>> triangle = sparse.csr_matrix(np.ones((3, 3)) - np.eye(3)).astype(bool)
    >>> connected_sets([1, 1, 1], triangle, 2).tolist()
    [1, 2, 3, 4, 5, 6]
    """
    n = len(pop)
    if n > MAX_NODES:
        raise ValueError(f"{n} nodes: at most {MAX_NODES}")
    one = np.uint64(1)
    near = near_masks(adjacency) if near is None else near
    weights = np.asarray(pop, dtype=float)
    nodes = np.flatnonzero(weights <= upper)
    if cover.COMPILED:  # the same sets, grown the same way (so the same sums), depth first in compiled code
        masks, over = kernels.connected_sets(near, weights, nodes, float(upper), float(lower), int(max_sets))
        return None if over else np.sort(masks)
    bit = one << nodes.astype(np.uint64)
    above = ~((bit << one) - one)  # ESU: a set's lowest node is the one it was grown from
    # One row per set of the current level: the set, the nodes it may still grow by, the nodes it may no
    # longer grow by (itself and its neighbours), its population, and the nodes above its lowest.
    subset, extension, closed, total = bit, near[nodes] & above, near[nodes] | bit, weights[nodes]
    found, visited = [], 0
    while len(subset):
        visited += len(subset)
        if visited > max_sets:
            return None
        found.append(subset[total >= lower - 1e-12])  # (sums of floats: a set on the edge stays)
        rows, cols = [], []
        for i in range(n):
            has = np.flatnonzero((extension >> np.uint64(i)) & one)
            has = has[total[has] + weights[i] <= upper + 1e-12]
            rows.append(has)
            cols.append(np.full(len(has), i))
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        bit = one << cols.astype(np.uint64)
        grown = near[cols]
        # A child keeps the parent's growth nodes above the one it grew by (those below were its siblings').
        extension = (extension[rows] & ~((bit << one) - one)) | (grown & ~closed[rows] & above[rows])
        subset, closed, total, above = (
            subset[rows] | bit,
            closed[rows] | grown,
            total[rows] + weights[cols],
            above[rows],
        )
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.uint64)


def set_sums(masks: np.ndarray, weights) -> np.ndarray:
    """Return the total weight of the nodes of each 64-bit mask, a byte at a time through tables of byte sums.

    >>> set_sums(np.array([0b101, 0b110], dtype=np.uint64), [1.0, 2.0, 4.0]).tolist()
    [5.0, 6.0]
    """
    weights = np.r_[np.asarray(weights, dtype=float), np.zeros(64)][:64]
    bits = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little")  # 256 x 8
    as_bytes = masks.astype("<u8").view(np.uint8).reshape(-1, 8)
    return sum((bits @ weights[8 * c : 8 * c + 8])[as_bytes[:, c]] for c in range(8))


def cut_shares(masks: np.ndarray, cost: sparse.csr_matrix) -> np.ndarray:
    """Return each set's share of the cut: half the cost of the pairs it parts (a cover's cut is their sum).

    >>> path = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]], dtype=float))
    >>> cut_shares(np.array([0b001, 0b011, 0b111], dtype=np.uint64), path).tolist()
    [0.5, 1.0, 0.0]
    """
    n = cost.shape[0]
    w = cost.toarray()
    w = (w + w.T) / 2
    if cover.COMPILED:  # the same sums, node by node instead of through BLAS (then rounded the same way)
        return np.round(kernels.cut_shares(np.asarray(masks, dtype=np.uint64), w, w.sum(axis=1)), 9)
    out = np.empty(len(masks))
    for at in range(0, len(masks), 65_536):  # sets x nodes flags a block at a time
        flags = node_flags(masks[at : at + 65_536], n).astype(float)
        out[at : at + 65_536] = (flags * (w.sum(axis=1) - flags @ w)).sum(axis=1)
    # Rounded so that ties do not depend on the order a BLAS summed in.
    return np.round(out / 2, 9)
