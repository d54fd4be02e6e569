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
   ``D + EPSILON``, each level below at most its optimum plus ``SLACK``, or the tolerance ``enough``),
   minimise the weighted cut: every pair of nodes in different groups costs its ``weight`` (shared patients: parting practices whose
   patients live in the same LSOAs splits those LSOAs' residents between neighbourhoods, which lowers alignment;
   keeping them together maximises ``sum_l sum_g (P_gl)^2 / reg_l``, the patients of each LSOA registered with
   its most represented neighbourhoods), plus ``COMPACT`` per graph edge between groups (a small preference
   for compact groups, which also breaks ties). With at most
   ``MILP_SETS`` sets, a short branch and bound (:func:`geo.propose.cover.min_cut`, ``QUICK_CUT`` nodes),
   then a HiGHS MILP; then (or at once, with more sets) the branch and bound with ``CUT_LIMIT`` nodes. This phase
   and its limits are :mod:`geo.propose.exact_cut`; the connected sets, their sums and cut shares
   :mod:`geo.propose.group_sets`.

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

from geo.propose import cover, kernels
from geo.propose.cover import lexicographic
from geo.propose.exact_cut import COMPACT, CUT_LIMIT, EPSILON, NODE_LIMIT, TIME_LIMIT, smallest_cut
from geo.propose.group_sets import MAX_NODES, MAX_SETS, connected_sets, cut_floor, near_masks, set_sums

#: Nodes of the exact-cover search for the best balance (a count, weighted by the sets a node handles: see
#: :data:`geo.propose.cover.WORK`): past it the best found is unproven. Leicester's proof takes 73,000 within LLR
#: and 276,000 on its own (its practices' footprints then stop at the city boundary, and touch differently).
#: Compiled, ten times the 400,000 it was proves Bromley too (41 practices, left unproven before) in about 3.5 CPU
#: seconds, with the same answer; every other unit of England is unchanged.
SEARCH_LIMIT = 4_000_000
#: Nodes of the searches for the levels below the largest deviation (lexicographic minimax: the second largest,
#: then the third ...), counted the same way; past it, the levels not yet decided keep the best cover found.
LEVELS_LIMIT = 200_000
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
    total = float(pop.sum())
    floor = abs(total / k - 1)  # some group is at least, and some at most, the mean
    near = near_masks(adjacency)
    # No cover is better than the cut vertices allow (a practice with small pieces hanging off it): a decision
    # below that is known to fail, so it is not searched (:func:`cut_floor`; the same answer, fewer nodes).
    known = cut_floor(near, pop)
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
        sizes = set_sums(masks, pop)
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
    labels, sets, cut, cut_proven, timed_out = smallest_cut(
        pop,
        adjacency,
        near,
        k,
        weight,
        masks,
        sizes,
        best,
        delta,
        enough,
        (max_sets, cut_limit, node_limit, time_limit),
    )
    deviations = best[1]
    groups = np.bincount(labels, weights=pop, minlength=k)
    return Solved(
        labels,
        float(np.abs(groups - 1).max()),
        proven,
        cut,
        cut_proven,
        timed_out,
        sets,
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
