"""Exact partition of a small graph (the practices or PCNs of one nesting unit) into k connected groups.

Set partitioning over enumerated connected groups; the last step is a MILP solved by HiGHS (:func:`scipy.optimize.milp`):

1. **Enumerate** every connected set of nodes whose population lies within ``delta`` of the target (Wernicke's
   ESU enumeration, each connected set exactly once, pruned once a set outgrows ``target * (1 + delta)``).
   Connectivity therefore holds by construction.
2. **Balance.** Find the smallest ``D`` such that ``k`` of the sets with deviation at most ``D`` cover every node
   exactly once, by an exact-cover search in order of deviation, bounded from the start by ``delta``
   (the people left must make the groups left within it, and every pocket of uncovered nodes cut off by the
   sets chosen so far must hold a whole number of groups: :class:`Pockets`; :func:`_minimax`). A heuristic's
   answer, when given as ``bound``, bounds the search from the start. Set-partitioning
   MILPs for this step took 0.6 s each on a 23-practice authority, and a flow-based contiguity MILP left it
   unproven after 40 s; the search proves it in milliseconds. If no cover exists within ``delta``, ``delta``
   widens and the sets are enumerated again. Any partition with largest deviation ``D <= delta`` uses only
   enumerated sets, so the ``D`` found is the proven optimum.
3. **Compactness and alignment.** Among covers with largest deviation at most ``D + EPSILON``, minimise the weighted
   cut: every graph edge between two groups costs ``1`` (fewer cut edges: compact groups) plus its ``weight``
   (shared patients: parting practices whose patients live mixed together lowers alignment). First a short
   cheapest-first exact-cover branch and bound (:func:`_min_cut`, :data:`QUICK_CUT` nodes), then a HiGHS MILP on
   up to :data:`MILP_SETS` sets, then the branch and bound again with :data:`CUT_LIMIT` nodes.

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
        best, proven = _minimax([masks[i] for i in band], members, pop, dev, k, search_limit, bound=delta + 1e-9,
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
    chosen, cut_proven = _min_cut(candidates, boundary[allowed] / 2, members @ pop, allowed, chosen, k,
                                  d_best + EPSILON, min(QUICK_CUT, cut_limit))
    if not cut_proven and len(allowed) <= MILP_SETS:
        result = _cover(members[allowed], boundary[allowed] / 2, k, node_limit, time_limit)
        cut_proven = result is not None and result.status == 0
        timed_out |= _timed_out(result)
        if result is not None and result.x is not None and result.fun < boundary[chosen].sum() / 2 - 1e-9:
            chosen = allowed[result.x > 0.5]
    if not cut_proven:
        chosen, cut_proven = _min_cut(candidates, boundary[allowed] / 2, members @ pop, allowed, chosen, k,
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


class Pockets:
    """Whether the uncovered nodes could still be whole groups within a bound: each connected pocket of them must
    hold a whole number of groups (between ``P / (1 + bound)`` and ``P / (1 - bound)``), together ``left``.

    A set that cuts off a pocket of the wrong size is refused at once instead of after the search below it. Masks
    are read a byte at a time through tables of the neighbours and population of every byte's nodes.

    >>> path = Pockets([0b010, 0b101, 0b010], [1.0, 1.0, 1.0])  # 0 - 1 - 2
    >>> path.fit(0b101, 2, 0.1), Pockets([0b010, 0b101, 0b010], [0.5, 1.0, 1.0]).fit(0b101, 2, 0.1)
    (True, False)
    """

    def __init__(self, near: list[int], weights: list[float]):
        self.chunks = range((len(near) + 7) // 8)
        self.near = [[0] * 256 for _ in self.chunks]
        self.size = [[0.0] * 256 for _ in self.chunks]
        for c in self.chunks:
            for byte in range(1, 256):
                low = byte & -byte
                i = 8 * c + low.bit_length() - 1
                rest = byte ^ low
                self.near[c][byte] = self.near[c][rest] | (near[i] if i < len(near) else 0)
                self.size[c][byte] = self.size[c][rest] + (weights[i] if i < len(weights) else 0.0)

    def fit(self, uncovered: int, left: int, bound: float) -> bool:
        """Whether the pockets of ``uncovered`` can hold ``left`` groups within ``bound``."""
        low = high = 0
        rest = uncovered
        chunks, near, size = self.chunks, self.near, self.size
        while rest:
            pocket = frontier = rest & -rest
            while frontier:
                reach = 0
                for c in chunks:
                    byte = (frontier >> (8 * c)) & 255
                    if byte:
                        reach |= near[c][byte]
                frontier = reach & rest & ~pocket
                pocket |= frontier
            rest &= ~pocket
            total = sum(size[c][(pocket >> (8 * c)) & 255] for c in chunks)
            most = int(total / (1 - bound) + 1e-12) if bound < 1 else left
            least = max(-int(-total / (1 + bound) // 1), 1) if total / (1 + bound) > 1e-12 else 1
            if most < least:
                return False
            low, high = low + least, high + most
        return low <= left <= high


def _minimax(masks, members, pop, dev, k, limit, bound=np.inf, near=None):
    """Return ((chosen sets, largest deviation), proven) by exact-cover search in order of deviation.

    The lowest uncovered node must be the lowest node of the set that covers it, so sets are bucketed by lowest
    node. A branch is cut when its next set is no better than the best cover so far, when the people left cannot
    make the groups left within that deviation, or when the same covered nodes and group count already failed
    under as loose a bound. ``limit`` caps the search nodes (a count): past it the best so far is unproven.
    ``bound``: only covers with largest deviation below it are sought (every set's ``dev`` must be below it).
    """
    n = members.shape[1]
    lowest = members.indices[members.indptr[:-1]]  # CSR rows are sorted: the first column is the lowest node
    sizes = members @ pop
    buckets = [[] for _ in range(n)]
    for s in np.lexsort((np.arange(len(dev)), dev)):
        buckets[lowest[s]].append((float(dev[s]), masks[s], float(sizes[s]), int(s)))
    wide = _wide_buckets(buckets, n)
    pockets = Pockets(near, [float(p) for p in pop]) if near is not None else None
    full = (1 << n) - 1
    best = [float(bound), None]
    failed: dict[tuple[int, int], float] = {}
    count = [0]

    def search(covered, used, remaining, worst, chosen):
        count[0] += 1
        if count[0] > limit:
            raise OverflowError
        if covered == full:
            if used == k and worst < best[0]:
                best[0], best[1] = worst, list(chosen)
            return
        left, bound = k - used, best[0]
        if left == 0 or not left * (1 - bound) < remaining < left * (1 + bound):
            return
        if failed.get((covered, used), -1.0) >= bound:
            return
        if pockets is not None and left > 1 and not pockets.fit(full & ~covered, left, bound):
            failed[(covered, used)] = bound
            return
        uncovered = full & ~covered
        v = (uncovered & -uncovered).bit_length() - 1
        for d, mask, size, s in _fitting(buckets[v], wide[v], covered, best[0]):
            if d >= best[0]:
                break
            if not mask & covered:
                chosen.append(s)
                search(covered | mask, used + 1, remaining - size, max(worst, d), chosen)
                chosen.pop()
        if best[0] == bound:  # nothing better below this state under this bound
            failed[(covered, used)] = bound

    proven = True
    try:
        search(0, 0, float(pop.sum()), 0.0, [])
    except OverflowError:
        proven = False
    if best[1] is None:
        return None, proven
    chosen = np.array(best[1])
    return (chosen, float(dev[chosen].max())), proven


#: Buckets longer than this are filtered in numpy (sets disjoint from the covered nodes) before the Python loop.
WIDE_BUCKET = 24


def _wide_buckets(buckets, n: int) -> list:
    """For each bucket of sorted ``(key, mask, size, id)`` entries longer than :data:`WIDE_BUCKET`, its keys and
    masks as numpy arrays (``None`` otherwise, or when masks do not fit 64 bits)."""
    if n > 64:
        return [None] * len(buckets)
    return [(np.array([e[0] for e in b]), np.array([e[1] for e in b], dtype=np.uint64)) if len(b) > WIDE_BUCKET
            else None for b in buckets]


def _fitting(bucket, wide, covered: int, below: float):
    """The entries of a sorted bucket whose key is below ``below`` and whose mask misses ``covered``, in order.

    The same entries the search loop would accept, found in two numpy passes rather than one Python step per set:
    the searches spend most of their time skipping sets that overlap what is covered (issue 11).
    """
    if wide is None:
        return bucket
    keys, masks = wide
    end = int(np.searchsorted(keys, below, side="left"))
    fits = np.flatnonzero((masks[:end] & np.uint64(covered)) == 0)
    return [bucket[i] for i in fits.tolist()]


def _min_cut(masks, cost, sizes, rows, start, k, bound, limit):
    """Return (rows of the cheapest cover by ``k`` of the sets, proven) by exact-cover branch and bound.

    ``masks``/``cost`` are the candidate sets (all within ``bound`` of the target) and their cut costs, ``rows``
    their rows of ``sizes``; ``start`` (rows) is a known cover, the bound to beat. Sets are tried cheapest first
    from the lowest uncovered node; the last set is looked up as the complement. A state (covered, used) that
    found nothing cheaper under a budget is cut when met again with no more budget. ``limit`` caps the nodes.
    """
    n = max((m.bit_length() for m in masks), default=0)
    full = (1 << n) - 1
    index = {m: i for i, m in enumerate(masks)}
    buckets = [[] for _ in range(n)]
    for i in np.lexsort((np.arange(len(cost)), cost)):
        m = masks[i]
        buckets[(m & -m).bit_length() - 1].append((float(cost[i]), m, float(sizes[rows[i]]), int(i)))
    wide = _wide_buckets(buckets, n)
    where = {int(r): i for i, r in enumerate(rows)}
    best = [float(np.sum(cost[[where[int(r)] for r in start]])), None]
    failed: dict[tuple[int, int], float] = {}
    count = [0]

    def search(covered, used, remaining, spent, chosen):
        count[0] += 1
        if count[0] > limit:
            raise OverflowError
        left = k - used
        if left == 1:
            last = index.get(full & ~covered)
            if last is not None and spent + cost[last] < best[0] - 1e-12:
                best[0], best[1] = spent + float(cost[last]), [*chosen, last]
            return
        if not left * (1 - bound) - 1e-12 <= remaining <= left * (1 + bound) + 1e-12:
            return
        budget = best[0] - spent
        if failed.get((covered, used), -np.inf) >= budget:
            return
        before = best[0]
        uncovered = full & ~covered
        v = (uncovered & -uncovered).bit_length() - 1
        for c, mask, size, i in _fitting(buckets[v], wide[v], covered, best[0] - spent - 1e-12):
            if spent + c >= best[0] - 1e-12:
                break
            if not mask & covered:
                chosen.append(i)
                search(covered | mask, used + 1, remaining - size, spent + c, chosen)
                chosen.pop()
        if best[0] == before:
            failed[(covered, used)] = max(failed.get((covered, used), -np.inf), budget)

    proven = True
    try:
        search(0, 0, float(sizes[np.asarray(start)].sum()), 0.0, [])  # a cover holds every node once
    except OverflowError:
        proven = False
    return (np.asarray(start) if best[1] is None else rows[np.array(best[1])]), proven


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
