"""The p-median solver against independent oracles: every k-subset enumerated here, and spopt's PMedian."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.access.pmedian import MAX_ARCS, p_median
from geo.errors import DataError


def instance(seed: int, n: int, m: int, clustered: bool = False):
    rng = np.random.default_rng(seed)
    if clustered:  # demand in tight towns, candidates scattered: the nearest few candidates are rarely enough
        centres = rng.uniform(0, 50, (4, 2))
        demand = centres[rng.integers(0, 4, n)] + rng.normal(0, 1.0, (n, 2))
    else:
        demand = rng.uniform(0, 20, (n, 2))
    sites = rng.uniform(0, 50 if clustered else 20, (m, 2))
    cost = np.hypot(demand[:, None, 0] - sites[None, :, 0], demand[:, None, 1] - sites[None, :, 1])
    return cost, rng.uniform(1, 10, n)


def brute_force(cost, weights, k) -> float:
    return min(
        float((weights * cost[:, list(s)].min(axis=1)).sum()) for s in itertools.combinations(range(cost.shape[1]), k)
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_the_milp_finds_the_brute_force_optimum(seed, k):
    cost, weights = instance(seed, 25, 11, clustered=seed % 2 == 1)
    solution = p_median(cost, weights, k, method="milp")
    assert len(solution.chosen) == k and solution.gap == 0.0
    assert solution.objective == pytest.approx(brute_force(cost, weights, k), rel=1e-9)
    # The objective reported is the cost of the sites returned, each point at its nearest one.
    assert solution.objective == pytest.approx(float((weights * cost[:, list(solution.chosen)].min(axis=1)).sum()))


@pytest.mark.parametrize("seed", range(3))
def test_enumeration_finds_the_brute_force_optimum(seed):
    cost, weights = instance(seed, 20, 9)
    solution = p_median(cost, weights, 3, method="enumerate")
    assert solution.objective == pytest.approx(brute_force(cost, weights, 3), rel=1e-12)


def test_the_milp_agrees_with_spopt_on_a_larger_instance():
    spopt = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    cost, weights = instance(11, 80, 24, clustered=True)
    ours = p_median(cost, weights, 4, method="milp")
    model = spopt.PMedian.from_cost_matrix(cost, weights, 4).solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = [j for j in range(cost.shape[1]) if len(model.fac2cli[j])]
    assert len(theirs) == 4
    assert ours.objective == pytest.approx(float((weights * cost[:, theirs].min(axis=1)).sum()), rel=1e-7)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("k", [2, 3, 4])
def test_small_instances_agree_with_spopt_called_directly_and_with_brute_force(seed, k):
    # Issue 24: spopt's own PMedian model (solved by CBC through pulp), its objective and its allocation, as an
    # oracle independent of our enumeration and of our HiGHS MILP; both of ours must reach the same optimum.
    spopt = pytest.importorskip("spopt.locate")
    pulp = pytest.importorskip("pulp")
    rng = np.random.default_rng(100 + seed)
    cost, weights = instance(100 + seed, int(rng.integers(20, 41)), int(rng.integers(8, 13)), clustered=seed % 2 == 1)
    model = spopt.PMedian.from_cost_matrix(cost, weights, k).solve(pulp.PULP_CBC_CMD(msg=False))
    assert pulp.LpStatus[model.problem.status] == "Optimal"
    theirs = [j for j in range(cost.shape[1]) if len(model.fac2cli[j])]
    allocated = sum(weights[i] * cost[i, j] for j in theirs for i in model.fac2cli[j])
    assert len(theirs) == k and sorted(i for j in theirs for i in model.fac2cli[j]) == list(range(len(weights)))
    assert allocated == pytest.approx(pulp.value(model.problem.objective), rel=1e-7)
    optimum = brute_force(cost, weights, k)
    assert allocated == pytest.approx(optimum, rel=1e-7)
    for method in ("milp", "enumerate"):
        ours = p_median(cost, weights, k, method=method)
        assert ours.objective == pytest.approx(pulp.value(model.problem.objective), rel=1e-7)
        assert ours.objective == pytest.approx(optimum, rel=1e-9)


def test_asking_for_as_many_sites_as_candidates_opens_them_all_and_zero_is_refused():
    cost, weights = instance(0, 5, 3)
    assert p_median(cost, weights, 7).chosen == (0, 1, 2)
    with pytest.raises(DataError, match="0 sites"):
        p_median(cost, weights, 0)


def test_an_instance_over_the_bound_is_refused_before_solving():
    n = MAX_ARCS // 100 + 10
    cost = np.tile(np.arange(200, dtype=float), (n, 1))
    with pytest.raises(DataError, match="over the limit"):
        p_median(cost, np.ones(n), 60, method="milp")
