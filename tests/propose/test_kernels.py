"""The compiled searches (geo.propose.kernels) against the Python ones they replace: the same answers, the same
proofs, the same counts (a search stopped at any node limit stops at the same place), on random instances."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from geo.propose import cover, kernels
from geo.propose.exact import partition
from geo.propose.group_sets import connected_sets, cut_floor, cut_shares, near_masks, set_sums
from tests.propose.test_cover import problem, random_graph


def both(monkeypatch, function, *args, **kwargs):
    """``function(*args)`` compiled, then in Python."""
    monkeypatch.setattr(cover, "COMPILED", True)
    fast = function(*args, **kwargs)
    monkeypatch.setattr(cover, "COMPILED", False)
    slow = function(*args, **kwargs)
    monkeypatch.setattr(cover, "COMPILED", True)
    return fast, slow


def same(a, b):
    """Equal, recursing into tuples and arrays (exactly: the compiled sums are numpy's to the last bit)."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


@pytest.fixture(params=["index arrays", "bits"])
def holding(request, monkeypatch):
    if request.param == "bits":  # bits until a handful of sets are left, as near the root of a large unit
        monkeypatch.setattr(cover, "DENSE", 0)
        monkeypatch.setattr(cover, "SPARSE", 10**6)
    return request.param


@pytest.mark.parametrize("seed", range(6))
def test_connected_sets_are_the_same(monkeypatch, seed):
    adjacency, pop = random_graph(seed, 14)
    for upper, lower, most in ((2.0, -np.inf, 10**6), (3.0, 1.5, 10**6), (4.0, 0.0, 300)):
        fast, slow = both(monkeypatch, connected_sets, pop, adjacency, upper, most, lower=lower)
        assert (fast is None) == (slow is None)
        assert fast is None or (fast.dtype == np.uint64 and np.array_equal(fast, slow))


@pytest.mark.parametrize("seed,n,k", [(20, 12, 3), (21, 13, 4), (22, 14, 4), (23, 12, 5), (24, 14, 3)])
def test_lexicographic_is_the_same_at_every_node_limit(holding, monkeypatch, seed, n, k):
    masks, sizes, pop = problem(seed, n, k)
    if seed % 2:  # one node far over the target on its own: several profile levels
        pop = pop.copy()
        pop[seed % n] += 1.2
        masks = connected_sets(pop, random_graph(seed, n)[0], 4.0)
        sizes = np.array([pop[[i for i in range(n) if int(m) >> i & 1]].sum() for m in masks])
    full = both(monkeypatch, cover.lexicographic, masks, sizes, n, k, pop.sum(), 10**7, levels_limit=10**7)
    assert full[0][1] and same(*full)
    for limit in (1, 3, 10, 40, 150, 600):  # stopped anywhere: the same best-so-far and the same proofs
        fast, slow = both(
            monkeypatch,
            cover.lexicographic,
            masks,
            sizes,
            n,
            k,
            pop.sum(),
            limit,
            levels_limit=limit,
            enough=0.01 * (seed % 3),
        )
        assert same(fast, slow), limit


@pytest.mark.parametrize("seed,n,k", [(30, 12, 3), (31, 13, 4), (32, 14, 3), (33, 12, 4)])
def test_min_cut_is_the_same_at_every_node_limit(holding, monkeypatch, seed, n, k):
    masks, sizes, pop = problem(seed, n, k)
    rng = np.random.default_rng(seed)
    cost = np.round(rng.uniform(0, 3, len(masks)), 1)  # rounded: ties, which must fall the same way
    (chosen, deviations), _, _ = cover.lexicographic(masks, sizes, n, k, pop.sum(), 10**7, levels_limit=10**7)
    for profile in (None, cover.Profile(deviations + 0.04)):
        top = deviations[0] + 0.04
        for limit in (1, 5, 20, 80, 400, 10**7):
            fast, slow = both(
                monkeypatch,
                cover.min_cut,
                masks,
                cost,
                sizes,
                n,
                k,
                pop.sum(),
                1 - top,
                1 + top,
                chosen,
                limit,
                profile=profile,
            )
            assert same(fast, slow), (limit, profile)


def test_sums_are_numpys_to_the_last_bit():
    rng = np.random.default_rng(0)
    for n in range(70):
        a = rng.uniform(0, 1, n) * 10 ** rng.uniform(-3, 3, n)
        assert kernels.pairwise_sum(a) == np.sum(a)


def test_popcount():
    values = np.array([0, 1, 2**63, 2**64 - 1, 0x5555, 12345678901234567], dtype=np.uint64)
    assert [kernels.popcount(v) for v in values] == [int(v).bit_count() for v in values]


def test_cut_shares_are_the_blas_ones(monkeypatch):
    from scipy import sparse

    rng = np.random.default_rng(0)
    weight = sparse.random(30, 30, density=0.3, random_state=1) * 10
    masks = rng.integers(1, 2**30, 20_000).astype(np.uint64)
    fast, slow = both(monkeypatch, cut_shares, masks, (weight + weight.T).tocsr())
    assert np.abs(fast - slow).max() <= 1e-9 + 1e-12  # both rounded to 1e-9: at most one step apart, on a boundary


@pytest.mark.parametrize("n", [10, 5000, 70_000])
def test_the_radix_sort_is_numpys_stable_argsort(n):
    rng = np.random.default_rng(n)
    for keys in (
        rng.random(n),
        -rng.integers(0, 40, n) / 7.0,  # many ties: positions break them
        np.where(rng.random(n) < 0.3, -0.0, np.round(rng.normal(size=n), 2)),  # -0.0 sorts with 0.0
        np.full(n, 1.25),
    ):
        assert np.array_equal(kernels.argsort_stable(keys), np.argsort(keys, kind="stable"))


@pytest.mark.parametrize("seed", range(4))
def test_nearest_is_the_first_deviation_by_which_every_node_has_a_set(seed):
    adjacency, pop = random_graph(seed, 13)
    masks = connected_sets(pop, adjacency, 2.5)
    off = np.abs(set_sums(masks, pop) - 1)
    # The definition it replaces: sets by deviation, the first by which every node is in one.
    by = np.argsort(off, kind="stable")
    seen = np.bitwise_or.accumulate(masks[by])
    expected = float(off[by[np.flatnonzero(seen == np.uint64((1 << 13) - 1))[0]]])
    assert kernels.nearest(masks, off, 13) == expected
    assert kernels.nearest(masks[:0], off[:0], 13) == 0.0  # a node in no set: no bound


@pytest.mark.parametrize("seed", range(8))
def test_the_cut_vertex_floor_never_exceeds_the_optimum(seed):
    """On random graphs with pendant pieces, no partition (the exact search's proven optimum) beats the floor."""
    rng = np.random.default_rng(seed)
    adjacency, pop = random_graph(seed, 9)
    # Hang two small pieces off node 0 (cutting them off when it is removed).
    n = 12
    rows, cols = adjacency.nonzero()
    rows, cols = list(rows) + [0, 9, 0, 11], list(cols) + [9, 0, 11, 0]
    rows, cols = rows + [9, 10], cols + [10, 9]
    graph = sparse.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n, n))
    pop = np.r_[pop, rng.uniform(0.1, 0.4, 3)]
    floor = cut_floor(near_masks(graph), pop)
    for k in (2, 3):
        solved = partition(pop, graph, k, 1.0)
        assert solved is not None and solved.proven
        assert solved.deviation >= floor - 1e-9


def test_the_cut_vertex_floor_is_the_optimum_when_pieces_hang_off_one_practice():
    path = sparse.diags([np.ones(2), np.ones(2)], [-1, 1], format="csr").astype(bool)
    pop = np.array([0.3, 0.9, 0.4])  # either piece alone is 0.6 or 0.7 off; both with the middle, 0.6 over
    solved = partition(pop, path, 2, 1.0)
    assert round(cut_floor(near_masks(path), pop), 9) == round(solved.deviation, 9) == 0.6
