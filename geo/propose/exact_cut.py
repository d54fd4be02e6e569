"""Phase three of the exact partition (:mod:`geo.propose.exact`): among the covers near the best balance, the one
with the smallest weighted cut (shared patients, plus :data:`COMPACT` per graph edge between groups).

With at most :data:`MILP_SETS` candidate sets, a short exact-cover search (:func:`geo.propose.cover.min_cut`,
:data:`QUICK_CUT` nodes), then a HiGHS MILP (:func:`cover_milp`); then (or at once, with more sets) the search with
:data:`CUT_LIMIT` nodes. The MILP's time limit is only a safety net, and a cut it stopped says so (``timed_out``).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.propose.cover import Profile, min_cut, node_flags
from geo.propose.group_sets import connected_sets, cut_shares, set_sums

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


def membership(masks: np.ndarray, n: int) -> sparse.csr_matrix:
    """Return the sets x nodes 0/1 matrix of 64-bit masks (for HiGHS)."""
    rows, cols = np.nonzero(node_flags(masks, n))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(masks), n))


def cover_milp(members, cost, k, node_limit, time_limit, deviations=None, profile: Profile | None = None):
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


def smallest_cut(pop, adjacency, near, k, weight, masks, sizes, best, delta, enough, limits):
    """Phase three of :func:`geo.propose.exact.partition`: the smallest weighted cut among the covers near the
    lexicographic optimum ``best`` (``(chosen sets, deviations)``, found within ``delta`` over the connected
    ``masks`` and their ``sizes``), populations relative to the target; ``limits`` are ``(max_sets, cut_limit,
    node_limit, time_limit)``.

    Returns
    -------
    tuple
        ``(labels, sets, cut, cut_proven, timed_out)``: each node's group (numbered by lowest node), the number of
        connected sets the cut was chosen among, the weighted cut, whether it is proven smallest, and whether a
        MILP's safety time limit stopped it.
    """
    max_sets, cut_limit, node_limit, time_limit = limits
    n = len(pop)
    total = float(pop.sum())
    cost = COMPACT * adjacency.astype(float) + (
        sparse.csr_matrix((n, n)) if weight is None else sparse.csr_matrix(weight)
    )
    cost.setdiag(0)
    cost = cost.tocsr()
    timed_out = False
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
            masks, sizes = more, set_sums(more, pop)
    limits = np.minimum(np.maximum(deviations + SLACK, min(enough, top)), top)
    limits[0] = top
    profile = Profile(limits + EPSILON)
    d_best = top
    lo, hi = 1 - d_best - EPSILON, 1 + d_best + EPSILON
    allowed = np.flatnonzero(
        (sizes >= max(lo, total - (k - 1) * hi) - 1e-12) & (sizes <= min(hi, total - (k - 1) * lo) + 1e-12)
    )
    prices = cut_shares(masks[allowed], cost)
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
            result = cover_milp(
                membership(candidates, n), prices, k, node_limit, time_limit, np.abs(candidate_sizes - 1), profile
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
    return labels, len(masks), float(prices[local].sum()), cut_proven, timed_out
