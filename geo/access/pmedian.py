"""The p-median problem, solved exactly: open ``k`` of ``m`` candidate sites minimising the weighted distance
of ``n`` demand points to their nearest open site.

Small instances are enumerated (every k-subset, so the optimum is proven by construction); the rest are the
classical MILP (ReVelle and Swain 1970) solved by HiGHS through :func:`scipy.optimize.milp` with a relative gap
of 0: minimise Σ w_i d_ij x_ij subject to Σ_j x_ij = 1, x_ij ≤ y_j, Σ_j y_j = k, y binary, 0 ≤ x ≤ 1 (each
point then goes whole to its nearest open site), restricted BEAMR-style (Church 2008) to each point's nearest
candidates with a lower-bounding "far" slot and widened until the bound is met, which proves the optimum of the
full problem. Instances are bounded (:data:`MAX_ARCS` assignment variables); a time limit can only stop HiGHS
early, and the solution then reports its proven gap.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from geo.errors import DataError

#: Largest n × m (demand points × candidates) a MILP may have.
MAX_ARCS = 250_000
#: Enumerate when there are at most this many k-subsets.
ENUMERATE_SUBSETS = 2_000


@dataclass(frozen=True)
class Solution:
    """An answer of :func:`p_median`: the open sites (positions, sorted), objective, proven gap and how."""

    chosen: tuple[int, ...]
    objective: float
    gap: float
    method: str
    seconds: float

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "objective": round(self.objective, 3),
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "sites": len(self.chosen),
        }


def cost_of(cost: np.ndarray, weights: np.ndarray, chosen) -> float:
    """Σ_i w_i min_{j in chosen} d_ij.

    Examples
    --------
    >>> cost_of(np.array([[1.0, 5.0], [4.0, 2.0]]), np.array([1.0, 2.0]), [0, 1])
    5.0
    """
    return float(weights @ cost[:, list(chosen)].min(axis=1))


def p_median(
    cost: np.ndarray, weights: np.ndarray, k: int, *, method: str = "auto", time_limit: float = 120.0
) -> Solution:
    """Return the optimal ``k`` sites for demand ``weights`` and an ``n × m`` ``cost`` (distance) matrix.

    Parameters
    ----------
    cost
        Distance from each demand point (row) to each candidate (column).
    weights
        Non-negative weight of each demand point (people, or people weighted by need).
    k
        Sites to open (1..m; all of them when ``k >= m``).
    method
        ``"auto"`` (enumeration when there are few subsets, else MILP), ``"milp"`` or ``"enumerate"``.
    time_limit
        Seconds HiGHS may take; past it the best solution found is returned with its gap.

    Examples
    --------
    >>> cost = np.array([[0.0, 4.0, 9.0], [4.0, 0.0, 5.0], [9.0, 5.0, 0.0]])
    >>> p_median(cost, np.array([1.0, 1.0, 10.0]), 1, method="milp").chosen
    (2,)
    >>> p_median(cost, np.array([1.0, 1.0, 10.0]), 2).objective
    4.0
    """
    cost = np.asarray(cost, dtype=float)
    weights = np.asarray(weights, dtype=float)
    n, m = cost.shape
    if m == 0:
        raise DataError("no candidate sites to choose from", expected="at least one candidate site")
    if not np.isfinite(cost).all() or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("costs must be finite and weights finite and non-negative")
    start = time.perf_counter()
    k = int(k)
    if k < 1:
        raise DataError(f"{k} sites asked for", expected="at least one site")
    if k >= m:
        chosen = tuple(range(m))
        return Solution(chosen, cost_of(cost, weights, chosen), 0.0, "all candidates", time.perf_counter() - start)
    subsets = math.comb(m, k)
    if method == "enumerate" or (method == "auto" and subsets <= ENUMERATE_SUBSETS):
        return _enumerate(cost, weights, k, start)
    if n * m > MAX_ARCS:
        raise DataError(
            f"{n:,} demand points × {m:,} candidates is over the limit of {MAX_ARCS:,}",
            expected="a smaller area, fewer candidates, or siting per neighbourhood",
        )
    return _milp(cost, weights, k, time_limit, start)


def _enumerate(cost, weights, k, start) -> Solution:
    m = cost.shape[1]
    best, best_set = np.inf, None
    combos = itertools.combinations(range(m), k)
    while True:
        batch = list(itertools.islice(combos, 512))
        if not batch:
            break
        index = np.array(batch)  # (b, k)
        values = (cost[:, index].min(axis=2) * weights[:, None]).sum(axis=0)  # (b,)
        j = int(np.argmin(values))  # first of equals: the lexicographically smallest subset
        if values[j] < best - 1e-9 * max(1.0, abs(best)) or best_set is None:
            best, best_set = float(values[j]), tuple(int(v) for v in index[j])
    return Solution(best_set, best, 0.0, "enumeration", time.perf_counter() - start)


def _milp(cost, weights, k, time_limit, start) -> Solution:
    """BEAMR (Church 2008): each point may go to its ``L`` nearest candidates or to a "far" slot costing the
    distance of its ``L+1``-th nearest, a lower bound on any farther site. The restricted MILP's optimum is then a
    lower bound on the p-median's; the chosen sites' true cost an upper bound. Equal bounds prove the optimum;
    otherwise ``L`` doubles (at ``L = m`` it is the full problem)."""
    n, m = cost.shape
    order = np.argsort(cost, axis=1, kind="stable")
    ranked = np.take_along_axis(cost, order, axis=1)
    depth = min(m, max(8, 2 * math.ceil(m / k)))
    while True:
        remaining = time_limit - (time.perf_counter() - start)
        chosen, lower, proven = _restricted(cost, ranked, order, weights, k, depth, max(remaining, 1.0))
        upper = cost_of(cost, weights, chosen)
        if proven and (depth >= m or upper <= lower + 1e-9 * max(1.0, abs(upper))):
            return Solution(chosen, upper, 0.0, f"HiGHS MILP (BEAMR, {depth} nearest)", time.perf_counter() - start)
        if depth >= m or time.perf_counter() - start >= time_limit:
            gap = (upper - lower) / upper if upper > 0 else 0.0
            return Solution(
                chosen,
                upper,
                float(max(gap, 0.0)),
                f"HiGHS MILP (BEAMR, {depth} nearest, stopped)",
                time.perf_counter() - start,
            )
        depth = min(m, depth * 2)


def _restricted(cost, ranked, order, weights, k, depth, time_limit):
    """Solve the BEAMR MILP with ``depth`` arcs per point; return (sites, objective lower bound, proven)."""
    n, m = cost.shape
    arcs = n * depth
    if arcs > MAX_ARCS:
        raise DataError(
            f"{n:,} demand points × {depth} candidates is over the limit of {MAX_ARCS:,} assignments",
            expected="a smaller area, fewer candidates, or siting per neighbourhood",
        )
    far = depth < m
    site = order[:, :depth].ravel()
    # Variables: x (n*depth arcs), u (n far slots, only when depth < m), y (m sites).
    nu = n if far else 0
    far_cost = ranked[:, depth] * weights if far else np.zeros(0)
    c = np.concatenate([(ranked[:, :depth] * weights[:, None]).ravel(), far_cost, np.zeros(m)])
    rows = np.repeat(np.arange(n), depth)
    assign = sparse.hstack(
        [
            sparse.csr_matrix((np.ones(arcs), (rows, np.arange(arcs))), shape=(n, arcs)),
            sparse.identity(n) if far else sparse.csr_matrix((n, 0)),
            sparse.csr_matrix((n, m)),
        ]
    )
    link = sparse.hstack(
        [
            sparse.identity(arcs),
            sparse.csr_matrix((arcs, nu)),
            -sparse.csr_matrix((np.ones(arcs), (np.arange(arcs), site)), shape=(arcs, m)),
        ]
    )
    count = sparse.hstack([sparse.csr_matrix((1, arcs + nu)), np.ones((1, m))])
    constraints = [
        LinearConstraint(assign.tocsr(), 1, 1),
        LinearConstraint(link.tocsr(), -np.inf, 0),
        LinearConstraint(count.tocsr(), k, k),
    ]
    integrality = np.concatenate([np.zeros(arcs + nu), np.ones(m)])
    result = milp(
        c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit), "mip_rel_gap": 0.0, "disp": False},
    )
    if result.x is None:
        raise DataError(f"the solver found no solution ({result.message})", expected="a smaller instance")
    y = result.x[arcs + nu :]
    chosen = tuple(sorted(int(j) for j in np.argsort(-y, kind="stable")[:k]))
    proven = result.status == 0
    bound = float(result.fun) if proven else float(getattr(result, "mip_dual_bound", np.nan) or np.nan)
    if not np.isfinite(bound):
        bound = 0.0
    return chosen, bound, proven
