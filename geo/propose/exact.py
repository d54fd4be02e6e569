"""Exact partition of a small graph (the practices or PCNs of one nesting unit) into k connected groups.

Set partitioning over enumerated connected groups, solved by exact-cover searches (:mod:`geo.propose.cover`) and,
for small compactness problems, a MILP solved by HiGHS (:func:`scipy.optimize.milp`):

1. **Enumerate** every connected set of nodes whose population could be a group of a partition within ``delta``
   of the target: within ``delta`` itself, and leaving the other ``k - 1`` groups room to be within it too
   (Wernicke's ESU enumeration, a level at a time in numpy, each connected set exactly once, pruned once a set
   outgrows the band). Connectivity therefore holds by construction.
2. **Balance.** Find the smallest ``D`` such that ``k`` of the sets with deviation at most ``D`` cover every node
   exactly once (:func:`geo.propose.cover.minimax`). A heuristic's answer, given as ``bound``, bounds it from
   the start. Set-partitioning MILPs for this step took 0.6 s each on a 23-practice authority, a flow-based
   contiguity MILP left it unproven after 40 s, and CP-SAT found no cover of Leicester's sets in 120 s; the
   search proves Leicester (52 practices) in about two seconds. ``delta`` starts just above the lower bound (the
   mean's deviation) and widens, the sets enumerated again, while no cover exists within it. Any partition with
   largest deviation ``D <= delta`` uses only enumerated sets, so the ``D`` found is the proven optimum.
   Then **lexicographic minimax** (:func:`geo.propose.cover.lexicographic`): with the largest deviation fixed,
   the smallest second largest, and so on, by the same decisions over the same sets, so that one practice too
   large for the band (which fixes ``D``) does not license every other group to be as far off. Each level is
   proven while :data:`LEVELS_LIMIT` search nodes last; the levels past it keep the best cover found. Levels are
   refined only while over ``enough`` (the tolerance): a unit whose groups are all within it is solved as before.
   When that gives up (too many sets: a node over the target widens the band to every set up to its size), a
   unit whose largest node is over the target on its own is proven by that node alone, a lower bound met, and
   the rest's optimum without it (:func:`_alone`; Brent and Bradford, each with one practice too large).
3. **Shared patients and compactness.** Among covers near those levels (the largest deviation at most
   ``D + EPSILON``, each level below at most its optimum plus :data:`SLACK`, or the tolerance ``enough``),
   minimise the weighted cut: every pair of nodes in different groups costs its ``weight`` (shared patients: parting practices whose
   patients live in the same LSOAs splits those LSOAs' residents between neighbourhoods, which lowers alignment;
   keeping them together maximises ``sum_l sum_g (P_gl)^2 / reg_l``, the patients of each LSOA registered with
   its most represented neighbourhoods), plus :data:`COMPACT` per graph edge between groups (a small preference
   for compact groups, which also breaks ties). With at most
   :data:`MILP_SETS` sets, a short branch and bound (:func:`geo.propose.cover.min_cut`, :data:`QUICK_CUT` nodes),
   then a HiGHS MILP; then (or at once, with more sets) the branch and bound with :data:`CUT_LIMIT` nodes.

All limits are counts (sets enumerated, search and branch-and-bound nodes), so a result does not depend on the
machine or its load; HiGHS gives the same answer for the same model. A time limit is only a safety net, and a result it cut
says so (``timed_out``). Too many sets, or a MILP stopped at its node limit, returns None or an unproven answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.propose import cover, kernels
from geo.propose.cover import Profile, lexicographic, min_cut, node_flags

#: Phase three may give up this much of the optimal largest deviation (relative: 1e-4 is 5 people in 50,000).
EPSILON = 1e-4
#: Phase three may let a level below the largest deviation (lexicographic minimax) go this much past its optimum
#: (relative: 0.01 is 500 people in 50,000) for shared patients; and any level up to the tolerance.
SLACK = 0.02
#: Phase three may give up this much of the best largest deviation (relative: 0.01 is 500 people in 50,000) for
#: shared patients, when the best is inside the tolerance (never past it).
BALANCE_SLACK = 0.01
#: Cost of each graph edge between two groups in phase three, beside the shared patients' weight (about 1 an edge).
COMPACT = 0.1
#: Most connected sets visited in one enumeration before giving up on proving a unit (a count, never a time).
#: Leicester (52 practices) visits 1.0 million within 3 % (0.3 s); Sandwell, 1.9 million within 16.6 %, whose
#: searches then took 7 s and were not proven, is left to the heuristic.
MAX_SETS = 1_200_000
#: Most nodes of a graph solved exactly (sets are held as 64-bit masks).
MAX_NODES = 64
#: Nodes of the exact-cover search for the best balance (a count, weighted by the sets a node handles: see
#: :data:`geo.propose.cover.WORK`): past it the best found is unproven. Leicester's proof takes 73,000 within LLR
#: and 276,000 on its own (its practices' footprints then stop at the city boundary, and touch differently).
#: Compiled, ten times the 400,000 it was proves Bromley too (41 practices, left unproven before) in about 3.5 CPU
#: seconds, with the same answer; every other unit of England is unchanged.
SEARCH_LIMIT = 4_000_000
#: Nodes of the searches for the levels below the largest deviation (lexicographic minimax: the second largest,
#: then the third ...), counted the same way; past it, the levels not yet decided keep the best cover found.
LEVELS_LIMIT = 200_000
#: Nodes of the exact-cover search for the smallest cut at the best balance (counted the same way): past it,
#: unproven. Leicester's proof would take 65,000 (3.7 s); this keeps all England within 30 s.
CUT_LIMIT = 15_000
#: Nodes of the first, short cut search (a count), tried before HiGHS.
QUICK_CUT = 10_000
#: Most candidate sets handed to the HiGHS MILP when that search is left unproven.
MILP_SETS = 1_000
#: Branch-and-bound nodes per MILP.
NODE_LIMIT = 1_000
#: Seconds per MILP after which HiGHS stops anyway (a safety net).
TIME_LIMIT = 20.0
#: Margins above the lower bound on ``D`` tried in turn (the last: every connected set). A near one first: the
#: fewer sets, the cheaper each decision (Leicester: within 3 %, 378,000 sets; within 5.3 %, 973,000).
MARGINS = (0.005, 0.03, 0.08, 0.2, 0.5, np.inf)


@dataclass
class Solved:
    """An exact solve's answer: ``labels`` (group ``0..k-1`` per node, numbered by lowest node), the largest
    relative ``deviation``, whether it is ``proven`` optimal, the weighted ``cut`` and whether that was proven
    (``cut_proven``), whether a safety time limit ended a MILP (``timed_out``), the number of connected ``sets``
    enumerated and the wall ``seconds`` (informative only); the lexicographic minimax levels: every group's
    ``deviations`` largest first, and how many of them (from the largest) are proven optimal (``levels``)."""

    labels: np.ndarray
    deviation: float
    proven: bool
    cut: float
    cut_proven: bool
    timed_out: bool
    sets: int
    seconds: float
    deviations: np.ndarray | None = None
    levels: int = 0
    #: The best largest deviation (proven when ``proven``): ``deviation`` may be up to BALANCE_SLACK above it.
    optimum: float = np.nan

    @property
    def status(self) -> str:
        """``"optimal"`` or ``"unproven"``."""
        return "optimal" if self.proven else "unproven"


def partition(
    pop,
    adjacency,
    k: int,
    target: float,
    weight=None,
    *,
    bound: float = np.inf,
    max_sets: int = MAX_SETS,
    search_limit: int = SEARCH_LIMIT,
    cut_limit: int = CUT_LIMIT,
    node_limit: int = NODE_LIMIT,
    time_limit: float = TIME_LIMIT,
    levels_limit: int = LEVELS_LIMIT,
    enough: float = 0.0,
) -> Solved | None:
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
        Symmetric sparse matrix of the cost of parting each pair of nodes (e.g. shared patients scaled to about 1,
        over every pair, not only edges); ``None``: 0.
    bound
        Only partitions whose largest relative deviation is at most ``bound`` are sought: a heuristic's answer
        (which then cannot be missed) or what another ``k`` achieved. The search starts bounded by it, so a good
        answer known beforehand makes the proof far shorter.
    enough
        A deviation every group may have anyway (the plan's tolerance): phase three may choose among covers whose
        levels below the largest are within ``SLACK`` of the optimum or within ``enough`` (never past the largest).
    max_sets, search_limit, cut_limit, node_limit, time_limit, levels_limit
        Connected sets enumerated at most; nodes of the balance and cut searches; branch-and-bound nodes and
        safety seconds per MILP; nodes of the searches for the levels below the largest deviation.

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
    if n > MAX_NODES:
        raise ValueError(f"{n} nodes: at most {MAX_NODES} (the searches hold sets as 64-bit masks)")
    if k == 1:
        return Solved(
            np.zeros(n, int),
            float(abs(pop.sum() - 1)),
            True,
            0.0,
            True,
            False,
            1,
            time.monotonic() - start,
            np.array([abs(pop.sum() - 1)]),
            1,
            float(abs(pop.sum() - 1)),
        )
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    limits = (max_sets, search_limit, cut_limit, node_limit, time_limit, levels_limit)
    solved = _search(pop, adjacency, k, weight, bound, limits, enough, start)
    if solved is None and pop.max() > 1:  # a node too large on its own: prove the rest without it
        solved = _alone(pop, adjacency, k, weight, bound, limits, enough, start)
    return solved


def _search(pop, adjacency, k, weight, bound, limits, enough, start) -> Solved | None:
    """:func:`partition`'s three phases on populations relative to the target (``limits``: its counts)."""
    max_sets, search_limit, cut_limit, node_limit, time_limit, levels_limit = limits
    n = len(pop)
    cost = COMPACT * adjacency.astype(float) + (
        sparse.csr_matrix((n, n)) if weight is None else sparse.csr_matrix(weight)
    )
    cost.setdiag(0)
    cost = cost.tocsr()
    total = float(pop.sum())
    floor = abs(total / k - 1)  # some group is at least, and some at most, the mean
    near = _near(adjacency)
    # No cover is better than the cut vertices allow (a practice with small pieces hanging off it): a decision
    # below that is known to fail, so it is not searched (:func:`cut_floor`; the same answer, fewer nodes).
    known = cut_floor(near, pop)
    timed_out = False
    # With a known answer (``bound``) only the first two margins are tried below it, then the bound itself.
    margins = MARGINS if not np.isfinite(bound) else [m for m in MARGINS[:2] if floor + m < bound] + [np.inf]
    for margin in margins:
        delta = min(floor + margin, bound)
        if delta < bound and delta + 1e-9 < known:
            continue  # no cover within delta (a wider margin follows)
        # A group of a cover within delta leaves k - 1 groups within delta: that bounds its size on both sides.
        # (EPSILON wider, so that phase three sees every cover it may choose from when delta is the optimum.)
        wide = delta + EPSILON
        lower, upper = max(1 - wide, total - (k - 1) * (1 + wide)), min(1 + wide, total - (k - 1) * (1 - wide))
        masks = connected_sets(pop, adjacency, upper, max_sets, lower=lower, near=near)
        if masks is None:
            return None
        sizes = _sums(masks, pop)
        best, proven, levels = lexicographic(
            masks,
            sizes,
            n,
            k,
            total,
            search_limit,
            bound=delta + 1e-9,
            levels_limit=levels_limit,
            enough=enough,
            known=known,
        )
        if best is not None:
            break
        if not proven or delta >= bound:
            return None
    else:
        return None
    chosen, deviations = best
    d_best = float(deviations[0])
    # Phase three: the smallest weighted cut among covers within EPSILON of the best largest deviation (or, when
    # that is inside the tolerance, within BALANCE_SLACK of it and still inside), and the levels below it within
    # SLACK of theirs or within the tolerance (the levels not proven: the best found's).
    top = max(d_best, min(d_best + BALANCE_SLACK, enough))
    if top > delta:  # the covers a little less balanced use sets not enumerated yet
        wide = top + EPSILON
        more = connected_sets(
            pop,
            adjacency,
            min(1 + wide, total - (k - 1) * (1 - wide)),
            max_sets,
            lower=max(1 - wide, total - (k - 1) * (1 + wide)),
            near=near,
        )
        if more is None:
            top = d_best  # too many: the covers at the best balance only
        else:
            chosen = np.searchsorted(more, masks[chosen])
            masks, sizes = more, _sums(more, pop)
    limits = np.minimum(np.maximum(deviations + SLACK, min(enough, top)), top)
    limits[0] = top
    profile = Profile(limits + EPSILON)
    d_best = top
    lo, hi = 1 - d_best - EPSILON, 1 + d_best + EPSILON
    allowed = np.flatnonzero(
        (sizes >= max(lo, total - (k - 1) * hi) - 1e-12) & (sizes <= min(hi, total - (k - 1) * lo) + 1e-12)
    )
    prices = _cut(masks[allowed], cost)
    where = np.full(len(masks), -1)
    where[allowed] = np.arange(len(allowed))
    # First a short count-bounded exact-cover search (it proves most units, and a two-group one at once: the
    # second set is the complement); then HiGHS on a small model (it proves 800 sets of nine groups in 0.4 s,
    # but took 3 s on 2,300 sets of two groups); then the search with its full count (on 12,000 sets of a
    # 20-practice authority HiGHS found no cover in 80 s; the search proves it in one second). With more sets
    # than HiGHS is given, the full search at once (a short one first would only be repeated).
    candidates, candidate_sizes = masks[allowed], sizes[allowed]
    local, cut_proven = where[chosen], False
    if len(allowed) <= MILP_SETS:
        local, cut_proven = min_cut(
            candidates, prices, candidate_sizes, n, k, total, lo, hi, local, min(QUICK_CUT, cut_limit), profile
        )
        if not cut_proven:
            result = _cover(
                _membership(candidates, n), prices, k, node_limit, time_limit, np.abs(candidate_sizes - 1), profile
            )
            cut_proven = result is not None and result.status == 0
            timed_out |= _timed_out(result)
            if result is not None and result.x is not None and result.fun < prices[local].sum() - 1e-9:
                local = np.flatnonzero(result.x > 0.5)
    if not cut_proven:
        local, cut_proven = min_cut(candidates, prices, candidate_sizes, n, k, total, lo, hi, local, cut_limit, profile)
    chosen = allowed[local]
    labels = np.full(n, -1)
    # Groups numbered by their lowest node: the same labels whichever order the searches found them in.
    for g, mask in enumerate(sorted((int(m) for m in masks[chosen]), key=lambda m: m & -m)):
        labels[[i for i in range(n) if mask >> i & 1]] = g
    groups = np.bincount(labels, weights=pop, minlength=k)
    return Solved(
        labels,
        float(np.abs(groups - 1).max()),
        proven,
        float(prices[local].sum()),
        cut_proven,
        timed_out,
        len(masks),
        time.monotonic() - start,
        np.sort(np.abs(groups - 1))[::-1],
        levels,
        float(deviations[0]),
    )


def _alone(pop, adjacency, k, weight, bound, limits, enough, start) -> Solved | None:
    """The lexicographic optimum when the largest node ``v`` is over the target on its own (populations relative to
    the target): ``v`` alone and the rest's optimum in ``k - 1`` groups, if that rest's largest deviation is at
    most ``v``'s; else None (so too when the rest has no partition, or none within ``bound``).

    Sound: the group holding ``v`` is at least ``s = pop[v] - 1`` off, and more unless ``v`` is alone (populations
    are positive). A partition that puts ``v`` with others is therefore worse at its largest deviation than one
    whose largest is ``s``; one that leaves ``v`` alone is ``s`` and its rest's deviations, which are best (in
    the same lexicographic order, ``s`` added to both sides) when the rest is its own optimum. So the largest
    deviation ``s`` is proven (a lower bound met) whatever the rest's proof, and each level the rest proves is
    proven here too. The rest's groups are connected without ``v`` (a set's own nodes connect it), so its
    search is over the graph without ``v``, which may fall apart: no more pieces than ``k - 1`` groups, and a
    piece of one node (a practice that only ``v`` touched) is a group of its own, its deviation known, the
    search left to the one larger piece (with more than one, to the search over them all).

    >>> path = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], format="csr").astype(bool)
    >>> s = _alone(np.array([0.5, 0.5, 2.5, 0.6, 0.4]), path, 3, None, np.inf, (10**6,) * 3 + (10, 5.0, 10**5), 0.1, 0)
    >>> s.labels.tolist(), round(s.deviation, 9), s.proven, s.levels
    ([0, 0, 1, 2, 2], 1.5, True, 3)
    >>> s = _alone(np.array([0.3, 2.5, 0.6, 0.4]), path[:4, :4], 3, None, np.inf, (10**6,) * 3 + (10, 5.0, 10**5), 0, 0)
    >>> s.labels.tolist(), [float(round(d, 9)) for d in s.deviations], s.levels  # node 0 only touches the large one
    ([0, 1, 2, 2], [1.5, 0.7, 0.0], 3)
    """
    n, v = len(pop), int(np.argmax(pop))
    s = float(pop[v] - 1)
    if k < 2 or s > bound:
        return None
    rest = np.delete(np.arange(n), v)
    pieces, piece = csgraph.connected_components(adjacency[rest][:, rest], directed=False)
    if pieces > k - 1:
        return None  # more pieces than groups: some group would not be connected
    size = np.bincount(piece, minlength=pieces)
    lone = rest[size[piece] == 1]  # each a group of its own
    if pieces - len(lone) == 1:
        rest = rest[size[piece] > 1]
    fixed = np.abs(pop[lone] - 1) if len(rest) < n - 1 else np.zeros(0)
    if np.any(fixed > s + 1e-9):
        return None
    m = k - 1 - len(fixed)
    if not 1 <= m <= len(rest):
        return None
    # The rest within s (no worse than v's group): the lexicographic optimum of the rest, if any is.
    solved = partition(
        pop[rest],
        adjacency[rest][:, rest],
        m,
        1.0,
        None if weight is None else sparse.csr_matrix(weight)[rest][:, rest],
        bound=min(bound, s + 1e-9),
        max_sets=limits[0],
        search_limit=limits[1],
        cut_limit=limits[2],
        node_limit=limits[3],
        time_limit=limits[4],
        levels_limit=limits[5],
        enough=enough,
    )
    if solved is None or solved.deviation > s + 1e-9:
        return None
    groups = np.full(n, -1)
    groups[rest] = solved.labels
    if len(rest) < n - 1:
        groups[lone] = m + np.arange(len(lone))
    groups[v] = k - 1
    labels = np.full(n, -1)
    for g, first in enumerate(sorted(np.flatnonzero(groups == h)[0] for h in range(k))):
        labels[groups == groups[first]] = g  # numbered by lowest node, as the search numbers them
    # The levels below s: the rest's and the lone nodes'; proven down to the rest's first unproven level (a lone
    # node's deviation above that is proven too).
    below = np.sort(np.r_[solved.deviations, fixed])[::-1]
    known = solved.deviations[solved.levels] if solved.levels < m else -np.inf
    proven = 1 + (len(below) if solved.levels == m else int(np.argmin(below > known + 1e-12)))
    cost = COMPACT * adjacency.toarray() + (0 if weight is None else sparse.csr_matrix(weight).toarray())
    cost = (cost + cost.T) / 2
    np.fill_diagonal(cost, 0)
    parted = labels[:, None] != labels[None, :]
    return Solved(
        labels,
        s,
        True,
        float(np.round(cost[parted].sum() / 2, 9)),
        solved.cut_proven,
        solved.timed_out,
        solved.sets,
        time.monotonic() - start,
        np.r_[s, below],
        proven,
        s,
    )


def warm() -> None:
    """Compile (or load from numba's cache) every compiled search now: a process pool forked after this shares
    the compiled code instead of compiling it again in each worker."""
    if cover.COMPILED:
        path = sparse.diags([np.ones(5), np.ones(5)], [-1, 1], format="csr").astype(bool)
        partition([10, 20, 30, 30, 20, 10], path, 3, 40, bound=0.5)
        kernels.argsort_stable(np.zeros(kernels.RADIX_MIN))  # the radix sort of many sets' sizes


def _near(adjacency) -> np.ndarray:
    """Each node's neighbours as a 64-bit mask (itself left out).

    >>> _near(sparse.csr_matrix(np.ones((3, 3)) - np.eye(3)).astype(bool)).tolist()
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
    >>> round(cut_floor(_near(path), np.array([0.3, 0.9, 0.4])), 6)  # 0.3 and 0.4 hang off the middle
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
    near = _near(adjacency) if near is None else near
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


def _membership(masks: np.ndarray, n: int) -> sparse.csr_matrix:
    """Return the sets x nodes 0/1 matrix of 64-bit masks (for HiGHS)."""
    rows, cols = np.nonzero(node_flags(masks, n))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(masks), n))


def _sums(masks: np.ndarray, weights) -> np.ndarray:
    """Return the total weight of the nodes of each 64-bit mask, a byte at a time through tables of byte sums.

    >>> _sums(np.array([0b101, 0b110], dtype=np.uint64), [1.0, 2.0, 4.0]).tolist()
    [5.0, 6.0]
    """
    weights = np.r_[np.asarray(weights, dtype=float), np.zeros(64)][:64]
    bits = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1, bitorder="little")  # 256 x 8
    as_bytes = masks.astype("<u8").view(np.uint8).reshape(-1, 8)
    return sum((bits @ weights[8 * c : 8 * c + 8])[as_bytes[:, c]] for c in range(8))


def _cut(masks: np.ndarray, cost: sparse.csr_matrix) -> np.ndarray:
    """Return each set's share of the cut: half the cost of the pairs it parts (a cover's cut is their sum).

    >>> path = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 2], [0, 2, 0]], dtype=float))
    >>> _cut(np.array([0b001, 0b011, 0b111], dtype=np.uint64), path).tolist()
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


def _cover(members, cost, k, node_limit, time_limit, deviations=None, profile: Profile | None = None):
    """Choose ``k`` sets covering every node exactly once at least ``cost``; None when there are no sets. With a
    ``profile`` (and each set's ``deviations``), at most ``j`` of the sets chosen deviate more than its ``j``-th
    limit."""
    if members.shape[0] < k:
        return None
    n_sets, n = members.shape
    a = sparse.vstack([members.T, sparse.csr_matrix(np.ones((1, n_sets)))]).tocsr()
    rhs = np.r_[np.ones(n), k]
    constraints = [LinearConstraint(a, rhs, rhs)]
    if profile is not None and profile.m > 1:
        beyond = (deviations[None, :] > profile.limits[1:, None] + 1e-12).astype(float)
        keep = beyond.any(axis=1)
        if keep.any():
            constraints.append(
                LinearConstraint(sparse.csr_matrix(beyond[keep]), -np.inf, profile.budget[1:][keep].astype(float))
            )
    return milp(
        np.asarray(cost, dtype=float),
        integrality=np.ones(n_sets),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"node_limit": node_limit, "time_limit": time_limit, "presolve": True},
    )


def _timed_out(result) -> bool:
    return result is not None and "time limit" in str(getattr(result, "message", "")).lower()
