"""Exact partition of a small graph (the practices or PCNs of one nesting unit) into k connected groups.

Set partitioning over enumerated connected groups; the last step is a MILP solved by HiGHS (:func:`scipy.optimize.milp`):

1. **Enumerate** every connected set of nodes whose population lies within ``delta`` of the target (Wernicke's
   ESU enumeration, each connected set exactly once, pruned once a set outgrows ``target * (1 + delta)``).
   Connectivity therefore holds by construction.
2. **Balance.** Find the smallest ``D`` such that ``k`` of the sets with deviation at most ``D`` cover every node
   exactly once, by an exact-cover search in order of deviation bounded from the start by ``delta``
   (:func:`geo.propose.cover.minimax`). A heuristic's answer, given as ``bound``, bounds it from the start.
   Set-partitioning MILPs for this step took 0.6 s each on a 23-practice authority, and a flow-based contiguity
   MILP left it unproven after 40 s; the search proves it in milliseconds. If no cover exists within ``delta``,
   ``delta`` widens and the sets are enumerated again. Any partition with largest deviation ``D <= delta`` uses
   only enumerated sets, so the ``D`` found is the proven optimum.
3. **Compactness and alignment.** Among covers with largest deviation at most ``D + EPSILON``, minimise the weighted
   cut: every graph edge between two groups costs ``1`` (fewer cut edges: compact groups) plus its ``weight``
   (shared patients: parting practices whose patients live mixed together lowers alignment). First a short
   branch and bound (:func:`geo.propose.cover.min_cut`, :data:`QUICK_CUT` nodes), then a HiGHS MILP on up to
   :data:`MILP_SETS` sets, then the branch and bound again with :data:`CUT_LIMIT` nodes.

All limits are counts (sets enumerated, search and branch-and-bound nodes), so a result does not depend on the machine or
its load; HiGHS gives the same answer for the same model. A time limit is only a safety net, and a result it cut
says so (``timed_out``). Too many sets, or a MILP stopped at its node limit, returns None or an unproven answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.propose.cover import min_cut, minimax

#: Phase three may give up this much of the optimal largest deviation (relative: 1e-4 is 5 people in 50,000).
EPSILON = 1e-4
#: Most connected sets enumerated for one unit before giving up on proving it (a count, never a time). The units
#: of LLR, Northamptonshire and Oxfordshire that prove need at most 16,000; Leicester (52 practices) needs more
#: than 1.5 million, which took 4 s just to find out.
MAX_SETS = 200_000
#: Nodes of the exact-cover search for the best balance (a count): past it the best found is unproven.
SEARCH_LIMIT = 150_000
#: Nodes of the exact-cover search for the smallest cut at the best balance (a count): past it, unproven.
CUT_LIMIT = 100_000
#: Nodes of the first, short cut search (a count), tried before HiGHS.
QUICK_CUT = 10_000
#: Most candidate sets handed to the HiGHS MILP when that search is left unproven.
MILP_SETS = 1_000
#: Branch-and-bound nodes per MILP.
NODE_LIMIT = 1_000
#: Seconds per MILP after which HiGHS stops anyway (a safety net).
TIME_LIMIT = 20.0
#: Margins above the lower bound on ``D`` tried in turn (the last: every connected set).
MARGINS = (0.03, 0.08, 0.2, 0.5, np.inf)


@dataclass
class Solved:
    """An exact solve's answer: ``labels`` (group ``0..k-1`` per node, numbered by lowest node), the largest
    relative ``deviation``, whether it is ``proven`` optimal, the weighted ``cut`` and whether that was proven
    (``cut_proven``), whether a safety time limit ended a MILP (``timed_out``), the number of connected ``sets``
    enumerated and the wall ``seconds`` (informative only)."""

    labels: np.ndarray
    deviation: float
    proven: bool
    cut: float
    cut_proven: bool
    timed_out: bool
    sets: int
    seconds: float

    @property
    def status(self) -> str:
        """``"optimal"`` or ``"unproven"``."""
        return "optimal" if self.proven else "unproven"


def partition(pop, adjacency, k: int, target: float, weight=None, *, bound: float = np.inf,
              max_sets: int = MAX_SETS, search_limit: int = SEARCH_LIMIT, cut_limit: int = CUT_LIMIT,
              node_limit: int = NODE_LIMIT, time_limit: float = TIME_LIMIT) -> Solved | None:
    """Split a connected graph into ``k`` connected groups with the most even populations, then the smallest cut.

    Parameters
    ----------
    pop
        Population of each node (positive).
    adjacency
        Symmetric boolean adjacency of a connected graph.
    k
        Number of groups (at most the number of nodes).
    target
        Population each group aims at.
    weight
        Symmetric sparse matrix of extra cut costs on edges (e.g. shared patients scaled to about 1); ``None``: 0.
    bound
        Only partitions whose largest relative deviation is at most ``bound`` are sought: a heuristic's answer
        (which then cannot be missed) or what another ``k`` achieved. The search starts bounded by it, so a good
        answer known beforehand makes the proof far shorter.
    max_sets, search_limit, cut_limit, node_limit, time_limit
        Connected sets enumerated at most; nodes of the balance and cut searches; branch-and-bound nodes and
        safety seconds per MILP.

    Returns
    -------
    Solved or None
        None when the unit has more connected sets than ``max_sets``, when the balance search ran out of nodes
        before finding any cover, or when no partition is within ``bound``; a cover found by a search that ran
        out of nodes comes back with ``proven=False``.

    Examples
    --------
    A path of six nodes: the only even split into two is down the middle.

    >>> path = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], format="csr").astype(bool)
    >>> s = partition([10, 20, 30, 30, 20, 10], path, 2, 60)
    >>> s.labels.tolist(), round(s.deviation, 9), s.status
    ([0, 0, 0, 1, 1, 1], 0.0, 'optimal')
    """
    start = time.monotonic()
    pop = np.asarray(pop, dtype=float) / target
    n = len(pop)
    if not 1 <= k <= n:
        raise ValueError(f"cannot make {k} groups of {n} nodes")
    if k == 1:
        return Solved(np.zeros(n, int), float(abs(pop.sum() - 1)), True, 0.0, True, False, 1,
                      time.monotonic() - start)
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    cost = adjacency.astype(float) + (sparse.csr_matrix((n, n)) if weight is None else sparse.csr_matrix(weight))
    cost = cost.multiply(adjacency).tocsr()
    floor = abs(pop.sum() / k - 1)  # some group is at least, and some at most, the mean
    near = [sum(1 << int(j) for j in adjacency.indices[adjacency.indptr[i]:adjacency.indptr[i + 1]] if j != i)
            for i in range(n)]
    timed_out = False
    # With a known answer (``bound``) only the first margin is tried below it; then the bound itself, as one
    # branch and bound that tightens as it finds better covers (cheaper than widening margin by margin).
    margins = MARGINS if not np.isfinite(bound) else [m for m in MARGINS[:1] if floor + m < bound] + [np.inf]
    for margin in margins:
        delta = min(floor + margin, bound)
        masks = connected_sets(pop, adjacency, 1 + delta, max_sets, lower=1 - delta)
        if masks is None:
            return None
        members = _membership(masks, n)
        dev = np.abs(members @ pop - 1)
        keep = dev <= delta + 1e-12
        members, dev = members[keep], dev[keep]
        band = np.flatnonzero(keep)
        # Every kept set is within delta, so the search starts bounded by it: the people left must make the
        # groups left within delta, which proves "no cover within delta" far sooner than an unbounded search.
        best, proven = minimax([masks[i] for i in band], members, pop, dev, k, search_limit, bound=delta + 1e-9,
                                near=near)
        if best is not None:
            break
        if not proven or delta >= bound:
            return None
    else:
        return None
    chosen, d_best = best
    # Phase three: the smallest weighted cut among covers within EPSILON of the best balance.
    boundary = np.asarray((members @ cost).sum(axis=1)).ravel() - np.asarray(
        (members @ cost).multiply(members).sum(axis=1)).ravel()
    allowed = np.flatnonzero(dev <= d_best + EPSILON)
    # First a short count-bounded exact-cover search (it proves most units, and a two-group one at once: the
    # second set is the complement); then HiGHS on a small model (it proves 800 sets of nine groups in 0.4 s,
    # but took 3 s on 2,300 sets of two groups); then the search with its full count (on 12,000 sets of a
    # 20-practice authority HiGHS found no cover in 80 s; the search proves it in one second).
    candidates = [masks[band[i]] for i in allowed]
    chosen, cut_proven = min_cut(candidates, boundary[allowed] / 2, members @ pop, allowed, chosen, k,
                                  d_best + EPSILON, min(QUICK_CUT, cut_limit))
    if not cut_proven and len(allowed) <= MILP_SETS:
        result = _cover(members[allowed], boundary[allowed] / 2, k, node_limit, time_limit)
        cut_proven = result is not None and result.status == 0
        timed_out |= _timed_out(result)
        if result is not None and result.x is not None and result.fun < boundary[chosen].sum() / 2 - 1e-9:
            chosen = allowed[result.x > 0.5]
    if not cut_proven:
        chosen, cut_proven = min_cut(candidates, boundary[allowed] / 2, members @ pop, allowed, chosen, k,
                                      d_best + EPSILON, cut_limit)
    labels = np.full(n, -1)
    for g, row in enumerate(sorted(chosen, key=lambda s: members[s].indices.min())):
        labels[members[row].indices] = g
    groups = np.bincount(labels, weights=pop, minlength=k)
    cut = float(boundary[chosen].sum() / 2)
    return Solved(labels, float(np.abs(groups - 1).max()), proven, cut, cut_proven, timed_out, len(masks),
                  time.monotonic() - start)


def connected_sets(pop, adjacency, upper: float, max_sets: int = MAX_SETS, lower: float = -np.inf) -> list[int] | None:
    """Return every connected node set with population from ``lower`` to ``upper`` as a bit mask (None when more
    than ``max_sets`` sets of population up to ``upper`` had to be visited).

    Examples
    --------
    >>> triangle = sparse.csr_matrix(np.ones((3, 3)) - np.eye(3)).astype(bool)
    >>> sorted(connected_sets([1, 1, 1], triangle, 2))
    [1, 2, 3, 4, 5, 6]
    """
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    n = len(pop)
    near = [sum(1 << int(j) for j in adjacency.indices[adjacency.indptr[i] : adjacency.indptr[i + 1]] if j != i)
            for i in range(n)]
    weights = [float(p) for p in pop]
    out: list[int] = []
    visited = [0]

    def grow(subset, extension, closed, total, above):
        if total >= lower:
            out.append(subset)
        visited[0] += 1
        if visited[0] > max_sets:
            raise OverflowError
        while extension:
            bit = extension & -extension
            extension ^= bit
            i = bit.bit_length() - 1
            more = total + weights[i]
            if more > upper:
                continue  # populations are positive, so no superset of this one fits either
            grow(subset | bit, extension | (near[i] & ~closed & above), closed | near[i], more, above)

    try:
        for v in range(n):
            if weights[v] <= upper:
                above = ~((1 << (v + 1)) - 1)  # ESU: v is the lowest node of every set grown from it
                grow(1 << v, near[v] & above, near[v] | (1 << v), weights[v], above)
    except OverflowError:
        return None
    return out


def _membership(masks, n: int) -> sparse.csr_matrix:
    """Return the sets x nodes 0/1 matrix of bit masks (unpacked in numpy when they fit 64 bits)."""
    if not isinstance(masks, np.ndarray) and n <= 64:
        masks = np.array(masks, dtype=np.uint64)
    if isinstance(masks, np.ndarray):
        flags = np.unpackbits(masks.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")[:, :n]
        rows, cols = np.nonzero(flags)
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(masks), n))
    rows, cols = [], []
    for r, mask in enumerate(masks):
        while mask:
            bit = mask & -mask
            mask ^= bit
            rows.append(r)
            cols.append(bit.bit_length() - 1)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(masks), n))


def _cover(members, cost, k, node_limit, time_limit):
    """Choose ``k`` sets covering every node exactly once at least ``cost``; None when there are no sets."""
    if members.shape[0] < k:
        return None
    n_sets, n = members.shape
    a = sparse.vstack([members.T, sparse.csr_matrix(np.ones((1, n_sets)))]).tocsr()
    rhs = np.r_[np.ones(n), k]
    return milp(np.asarray(cost, dtype=float), integrality=np.ones(n_sets), bounds=Bounds(0, 1),
                constraints=LinearConstraint(a, rhs, rhs),
                options={"node_limit": node_limit, "time_limit": time_limit, "presolve": True})


def _timed_out(result) -> bool:
    return result is not None and "time limit" in str(getattr(result, "message", "")).lower()
