"""The exact-cover searches against brute force over every cover, in both ways of holding the usable sets."""

from __future__ import annotations


import numpy as np
import pytest
from scipy import sparse

from geo.propose import cover
from geo.propose.group_sets import connected_sets


def random_graph(seed: int, n: int):
    """A connected random planar-ish graph: a path plus random chords between near nodes."""
    rng = np.random.default_rng(seed)
    edges = {(i, i + 1) for i in range(n - 1)}
    for _ in range(n):
        i = int(rng.integers(n - 2))
        edges.add((i, int(min(n - 1, i + rng.integers(2, 4)))))
    rows, cols = zip(*edges)
    adjacency = sparse.coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    return (adjacency + adjacency.T).tocsr().astype(bool), rng.uniform(0.3, 1.2, n)


def covers(masks, n, k):
    """Every choice of k masks covering all n nodes exactly once (sorted index tuples), by plain recursion: the
    lowest uncovered node is in exactly one chosen set."""
    masks = [int(m) for m in masks]
    full = (1 << n) - 1

    def grow(covered, chosen):
        if covered == full:
            if len(chosen) == k:
                yield tuple(sorted(chosen))
            return
        if len(chosen) == k:
            return
        low = (~covered & full) & -(~covered & full)
        for i, m in enumerate(masks):
            if m & low and not m & covered:
                yield from grow(covered | m, chosen + [i])

    return list(grow(0, []))


def problem(seed, n, k):
    adjacency, pop = random_graph(seed, n)
    pop = pop / pop.sum() * k * np.random.default_rng(seed + 100).uniform(0.9, 1.1)  # mean near 1, either side
    masks = connected_sets(pop, adjacency, 2.0)
    sizes = np.array([pop[[i for i in range(n) if int(m) >> i & 1]].sum() for m in masks])
    return masks, sizes, pop


@pytest.fixture(params=["index arrays", "bits"])
def holding(request, monkeypatch):
    if request.param == "bits":  # every search node holds its usable sets as bits until a handful are left
        monkeypatch.setattr(cover, "DENSE", 0)
        monkeypatch.setattr(cover, "SPARSE", 10**6)
    return request.param


@pytest.mark.parametrize("seed,n,k", [(0, 8, 2), (1, 9, 3), (2, 10, 3), (3, 10, 4), (4, 9, 2)])
def test_minimax_is_the_best_largest_deviation_of_any_cover(holding, seed, n, k):
    masks, sizes, pop = problem(seed, n, k)
    best = min(np.abs(sizes[list(c)] - 1).max() for c in covers(masks, n, k))
    (chosen, deviation), proven = cover.minimax(masks, sizes, n, k, pop.sum(), 10**6)
    assert proven and deviation == pytest.approx(best, abs=1e-12)
    assert tuple(sorted(chosen.tolist())) in covers(masks, n, k)
    # Bounded just above the optimum, the same optimum; just below it, no cover at all (and that is proven).
    assert cover.minimax(masks, sizes, n, k, pop.sum(), 10**6, bound=best + 1e-9)[0][1] == pytest.approx(best)
    assert cover.minimax(masks, sizes, n, k, pop.sum(), 10**6, bound=best - 1e-6) == (None, True)


@pytest.mark.parametrize("seed,n,k", [(5, 8, 2), (6, 9, 3), (7, 10, 3), (8, 10, 4)])
def test_min_cut_is_the_cheapest_cover_within_the_band(holding, seed, n, k):
    masks, sizes, pop = problem(seed, n, k)
    cost = np.random.default_rng(seed).uniform(0, 3, len(masks))
    best_deviation = min(np.abs(sizes[list(c)] - 1).max() for c in covers(masks, n, k))
    lo, hi = 1 - best_deviation - 0.05, 1 + best_deviation + 0.05
    inside = [c for c in covers(masks, n, k) if sizes[list(c)].min() >= lo and sizes[list(c)].max() <= hi]
    start = max(inside, key=lambda c: cost[list(c)].sum())  # the dearest cover within the band, to improve on
    chosen, proven = cover.min_cut(masks, cost, sizes, n, k, pop.sum(), lo, hi, list(start), 10**6)
    assert proven
    assert cost[chosen].sum() == pytest.approx(min(cost[list(c)].sum() for c in inside))
    assert tuple(sorted(chosen.tolist())) in inside


def test_a_search_past_its_count_is_unproven_but_keeps_what_it_found():
    masks, sizes, pop = problem(3, 10, 4)
    found, proven = cover.minimax(masks, sizes, 10, 4, pop.sum(), 3)
    assert not proven
    cost = np.ones(len(masks))
    start = covers(masks, 10, 4)[0]
    chosen, proven = cover.min_cut(masks, cost, sizes, 10, 4, pop.sum(), 0.0, 4.0, list(start), 1)
    assert not proven and sorted(chosen.tolist()) == sorted(start)


def test_heavier_nodes_count_for_more():
    # Limits bound work, not only nodes: a node over WORK sets counts as two.
    sets = cover._Sets(np.arange(1, 3 * cover.WORK + 1, dtype=np.uint64), np.ones(3 * cover.WORK), 12)
    sets.count(10**6, np.arange(3 * cover.WORK))
    sets.count(10**6, np.arange(5))
    assert sets.nodes == 4 + 1


def lexicographic_best(masks, sizes, n, k):
    """The smallest deviations vector, largest first, of any cover (brute force)."""
    return min(tuple(sorted(np.abs(sizes[list(c)] - 1), reverse=True)) for c in covers(masks, n, k))


@pytest.mark.parametrize(
    "seed,n,k,big", [(0, 8, 3, 0), (1, 9, 3, 1), (2, 10, 4, 0), (3, 10, 4, 2), (9, 9, 4, 1), (11, 10, 3, 0)]
)
def test_lexicographic_minimax_is_the_best_sorted_deviations_of_any_cover(holding, seed, n, k, big):
    masks, sizes, pop = problem(seed, n, k)
    if big:  # a node far over the target on its own: every cover is off by it, which must not license the rest
        pop = pop.copy()
        pop[big] += 1.5
        masks = connected_sets(pop, random_graph(seed, n)[0], 4.0)
        sizes = np.array([pop[[i for i in range(n) if int(m) >> i & 1]].sum() for m in masks])
    best = lexicographic_best(masks, sizes, n, k)
    (chosen, deviations), proven, levels = cover.lexicographic(masks, sizes, n, k, pop.sum(), 10**6, levels_limit=10**6)
    assert proven and levels == k
    assert deviations.tolist() == pytest.approx(list(best), abs=1e-8)
    assert tuple(sorted(chosen.tolist())) in covers(masks, n, k)
    assert sorted(np.abs(sizes[chosen] - 1), reverse=True) == pytest.approx(list(best), abs=1e-8)


@pytest.mark.parametrize("seed,n,k", [(1, 9, 3), (3, 10, 4), (12, 10, 3)])
def test_min_cut_within_a_profile_is_the_cheapest_cover_within_it(holding, seed, n, k):
    masks, sizes, pop = problem(seed, n, k)
    best = np.array(lexicographic_best(masks, sizes, n, k))
    limits = best + 0.03  # a margin on every level
    profile = cover.Profile(limits)
    inside = [c for c in covers(masks, n, k) if np.all(np.sort(np.abs(sizes[list(c)] - 1))[::-1] <= limits + 1e-12)]
    start = max(inside, key=lambda c: np.abs(sizes[list(c)] - 1).sum())
    cost = np.random.default_rng(seed).uniform(0, 3, len(masks))
    chosen, proven = cover.min_cut(
        masks, cost, sizes, n, k, pop.sum(), 1 - limits[0], 1 + limits[0], list(start), 10**6, profile=profile
    )
    assert proven and tuple(sorted(chosen.tolist())) in inside
    assert cost[chosen].sum() == pytest.approx(min(cost[list(c)].sum() for c in inside))


def test_profile_caps_follow_the_budgets():
    p = cover.Profile([0.9, 0.5, 0.2])  # one group may exceed 0.5, two may exceed 0.2, none 0.9
    assert p.caps((0, 0, 0), 4).tolist() == [0.9, 0.5, 0.2, 0.2]
    assert p.caps(p.after((0, 0, 0), 0.3), 3).tolist() == [0.9, 0.2, 0.2]  # a 0.3 used the budget above 0.2 ...
    assert p.caps(p.after((0, 0, 0), 0.7), 3).tolist() == [0.5, 0.2, 0.2]  # ... a 0.7 the one above 0.5
    assert p.last_caps((0, 0, 0), np.array([0.1, 0.3, 0.7])).tolist() == [0.9, 0.9, 0.5]
