"""The exact partition against brute force on small planted problems, and its determinism."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csgraph

from geo.propose import exact_cut
from geo.propose.exact import partition
from geo.propose.group_sets import connected_sets
from geo.propose.practice_graph import practice_units
from geo.testing import grid_atlas


def set_partitions(n, k):
    """Every partition of range(n) into exactly k non-empty groups, as label lists."""

    def grow(i, labels, used):
        if i == n:
            if used == k:
                yield list(labels)
            return
        for g in range(min(used + 1, k)):
            labels.append(g)
            yield from grow(i + 1, labels, max(used, g + 1))
            labels.pop()

    yield from grow(0, [], 0)


def connected(adjacency, nodes):
    sub = adjacency[nodes][:, nodes]
    return csgraph.connected_components(sub, directed=False)[0] == 1


def brute_force(pop, adjacency, k, target):
    best = np.inf
    for labels in set_partitions(len(pop), k):
        labels = np.array(labels)
        if all(connected(adjacency, np.flatnonzero(labels == g)) for g in range(k)):
            best = min(best, np.abs(np.bincount(labels, weights=pop) / target - 1).max())
    return best


@pytest.mark.parametrize("seed,k", [(0, 2), (1, 3), (2, 3), (3, 4)])
def test_matches_brute_force_on_a_grid_of_practices(seed, k):
    atlas = grid_atlas(6, 6, practice_every=4, seed=seed)  # 9 practices
    units = practice_units(atlas)
    pop = units.lists * np.random.default_rng(seed).uniform(0.5, 1.5, len(units))
    target = pop.sum() / k
    solved = partition(pop, units.adjacency, k, target, units.overlap)
    assert solved.proven
    assert solved.deviation == pytest.approx(brute_force(pop, units.adjacency, k, target), abs=1e-9)
    assert sorted(set(solved.labels)) == list(range(k))
    for g in range(k):
        assert connected(units.adjacency, np.flatnonzero(solved.labels == g))


def test_connected_sets_are_exactly_the_connected_subsets():
    units = practice_units(grid_atlas(6, 6, practice_every=4))
    n = len(units)
    found = connected_sets(np.ones(n), units.adjacency, n)
    expected = [m for m in range(1, 2**n) if connected(units.adjacency, [i for i in range(n) if m >> i & 1])]
    assert sorted(found) == expected


def test_same_answer_twice():
    units = practice_units(grid_atlas(8, 8, practice_every=3))
    pop = units.lists
    a = partition(pop, units.adjacency, 4, pop.sum() / 4, units.overlap)
    b = partition(pop, units.adjacency, 4, pop.sum() / 4, units.overlap)
    assert a.labels.tolist() == b.labels.tolist() and a.cut == b.cut


@pytest.mark.parametrize("milp_sets", [0, 3_000])
@pytest.mark.parametrize("seed,k", [(1, 3), (3, 4)])
def test_smallest_cut_matches_brute_force_by_search_and_by_milp(monkeypatch, milp_sets, seed, k):
    monkeypatch.setattr(exact_cut, "MILP_SETS", milp_sets)  # 0: the cut is found by the exact-cover search alone
    if milp_sets:
        monkeypatch.setattr(exact_cut, "QUICK_CUT", 0)  # no short search first: HiGHS must find and prove the cut
    units = practice_units(grid_atlas(6, 6, practice_every=4, seed=seed))
    pop = units.lists * np.random.default_rng(seed).uniform(0.5, 1.5, len(units))
    target = pop.sum() / k
    weight = units.shared / units.overlap.data.mean()  # shared patients over every pair, not only edges
    # With ``enough`` at the optimum, phase three chooses among the covers within EPSILON of it, whatever their
    # lower levels.
    optimum = brute_force(pop, units.adjacency, k, target)
    solved = partition(pop, units.adjacency, k, target, weight, enough=optimum)
    cost = (exact_cut.COMPACT * units.adjacency.astype(float) + weight).tolil()
    cost.setdiag(0)
    cost = cost.tocoo()
    best = np.inf
    for labels in set_partitions(len(pop), k):
        labels = np.array(labels)
        if np.abs(np.bincount(labels, weights=pop) / target - 1).max() > optimum + exact_cut.EPSILON + 1e-9:
            continue
        if all(connected(units.adjacency, np.flatnonzero(labels == g)) for g in range(k)):
            best = min(best, cost.data[labels[cost.row] != labels[cost.col]].sum() / 2)
    assert solved.proven and solved.cut_proven
    assert solved.cut == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("seed,k", [(0, 2), (1, 3), (3, 4)])
def test_a_known_answer_bounds_the_search_without_changing_the_optimum(seed, k):
    # A heuristic's answer as the bound (here: the optimum plus a margin, the optimum itself, or less than it).
    atlas = grid_atlas(6, 6, practice_every=4, seed=seed)
    units = practice_units(atlas)
    pop = units.lists * np.random.default_rng(seed).uniform(0.5, 1.5, len(units))
    target = pop.sum() / k
    best = brute_force(pop, units.adjacency, k, target)
    for bound in (best + 0.05, best + 1e-9):
        solved = partition(pop, units.adjacency, k, target, units.overlap, bound=bound)
        assert solved.proven and solved.deviation == pytest.approx(best, abs=1e-9)
    assert partition(pop, units.adjacency, k, target, units.overlap, bound=best - 1e-6) is None


def test_a_bound_at_the_optimum_still_lets_compactness_choose_within_epsilon():
    # A review's example: a path of five nodes, a costly edge 1-2. Bounded by the optimum itself (what a heuristic
    # that found it gives), the cut phase must still see the covers within EPSILON of it, as it does unbounded.
    from scipy import sparse

    path = sparse.diags([np.ones(4), np.ones(4)], [-1, 1], format="csr").astype(bool)
    weight = sparse.csr_matrix(([5.0, 5.0], ([1, 2], [2, 1])), shape=(5, 5))
    pop = [300, 800, 0.05, 500, 400]
    free = partition(pop, path, 2, 1000, weight)  # the best balance is 10 %; {0, 1} | {2, 3, 4} is 10.005 %
    bounded = partition(pop, path, 2, 1000, weight, bound=0.1 + 1e-9)
    assert free.cut_proven and bounded.cut_proven and free.cut == pytest.approx(exact_cut.COMPACT)  # not the edge of 5
    assert bounded.cut == pytest.approx(free.cut) and bounded.labels.tolist() == free.labels.tolist()


def test_one_unavoidable_huge_node_no_longer_licenses_the_others():
    # A path of seven: a practice of 3.0 targets at one end, six of half a target. Every partition into four is off
    # by 200 % (the big one alone), which allows {1}, {2}, {3, 4, 5, 6} (off by 50 %, 50 %, 100 %); the
    # lexicographic optimum pairs the rest: three groups on target.
    from scipy import sparse

    path = sparse.diags([np.ones(6), np.ones(6)], [-1, 1], format="csr").astype(bool)
    pop = np.array([3.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    solved = partition(pop, path, 4, 1.0, enough=0.1)
    best = min(
        tuple(sorted(np.abs(np.bincount(labels, weights=pop) - 1), reverse=True))
        for labels in map(np.array, set_partitions(7, 4))
        if all(connected(path, np.flatnonzero(labels == g)) for g in range(4))
    )
    assert best == (2.0, 0.0, 0.0, 0.0)
    assert solved.proven and solved.optimum == pytest.approx(2.0) and solved.levels == 4
    assert solved.deviations.tolist() == pytest.approx(list(best))
    assert solved.labels.tolist() == [0, 1, 1, 2, 2, 3, 3]


def lexicographic_brute_force(pop, adjacency, k):
    """The smallest vector of group deviations (largest first) over every partition into k connected groups."""
    best = None
    for labels in map(np.array, set_partitions(len(pop), k)):
        if all(connected(adjacency, np.flatnonzero(labels == g)) for g in range(k)):
            vector = tuple(sorted(np.abs(np.bincount(labels, weights=pop, minlength=k) - 1), reverse=True))
            best = vector if best is None or vector < best else best
    return best


@pytest.mark.parametrize("seed", range(12))
def test_a_node_too_large_alone_matches_lexicographic_brute_force(seed):
    # Random connected graphs of eight nodes around one node over the target on its own (sometimes barely, so
    # that the rest cannot be within its deviation): when the proof by that node alone answers, its levels are
    # the brute-force lexicographic optimum, never below it (a bound too high would claim a better vector).
    from scipy import sparse

    from geo.propose.exact import _alone

    rng = np.random.default_rng(seed)
    n, k = 8, 3 + seed % 2
    edges = [(i, int(rng.integers(i))) for i in range(1, n)] + [tuple(rng.choice(n, 2, replace=False))]
    big = int(rng.integers(n - 1))
    if seed % 3 == 0:  # the last node (a leaf of the tree) touches only the large one: a group of its own
        edges = [e for e in edges if n - 1 not in e] + [(n - 1, big)]
    a = sparse.coo_matrix((np.ones(len(edges)), tuple(zip(*edges))), shape=(n, n))
    adjacency = ((a + a.T) > 0).tocsr()
    pop = rng.uniform(0.15, 0.7, n)
    pop[big] = rng.uniform(1.02, 2.5)
    best = lexicographic_brute_force(pop, adjacency, k)
    limits = (10**6, 10**6, 10**6, 100, 20.0, 10**6)
    solved = _alone(pop, adjacency, k, None, np.inf, limits, 0.1, 0.0)
    s = pop.max() - 1
    if solved is None:  # only when the optimum is not that node alone with the rest within its deviation
        assert best[0] > s + 1e-9 or best[1] > s + 1e-9
        return
    assert solved.proven and solved.deviation == pytest.approx(best[0], abs=1e-9)
    assert solved.deviations[: solved.levels].tolist() == pytest.approx(list(best[: solved.levels]), abs=1e-9)
    assert tuple(solved.deviations) >= tuple(np.array(best) - 1e-9)
    for g in range(k):
        assert connected(adjacency, np.flatnonzero(solved.labels == g))
    # The full search (no node too large is left to the proof by it alone on eight nodes) agrees.
    full = partition(pop, adjacency, k, 1.0)
    assert full.deviations[: full.levels].tolist() == pytest.approx(list(best[: full.levels]), abs=1e-9)
