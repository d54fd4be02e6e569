"""Batched random spanning trees: each tree spans its graph, subtree counts and preorder runs agree with a plain
walk up the parents, and a request's answer does not depend on what it was batched with (so the plan does not
depend on how pieces are shared between processes)."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from scipy import sparse
from scipy.sparse import csgraph

from geo.propose import ProposalParams, engine, propose
from geo.propose.trees import random_forest, random_forests, run, scipy_forests, subtree_sizes
from geo.testing import grid_atlas


def grid_edges(nx: int, ny: int):
    """Queen-less (rook) grid graph: nodes ``y * nx + x``, each edge once."""
    ids = np.arange(nx * ny).reshape(ny, nx)
    rows = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    cols = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    return nx * ny, rows, cols


def request(n, rows, cols, trees, seed):
    rng = np.random.default_rng(seed)
    return n, rows, cols, rng.random((trees, len(rows))) + 1e-9, rng.integers(n, size=trees)


def descendants(parent: np.ndarray, node: int) -> set[int]:
    """Every node whose walk up the parents meets ``node`` (an independent recount of its subtree)."""
    found = set()
    for v in range(len(parent)):
        u = v
        while u >= 0:
            if u == node:
                found.add(v)
                break
            u = parent[u]
    return found


@pytest.mark.parametrize("shape", [(5, 4), (9, 1), (7, 6)])
def test_every_tree_spans_its_graph_and_is_the_minimum_one(shape):
    n, rows, cols = grid_edges(*shape)
    _, _, _, weights, roots = req = request(n, rows, cols, 5, seed=sum(shape))
    forest = random_forest(*req)
    graph_edges = set(zip(rows.tolist(), cols.tolist())) | set(zip(cols.tolist(), rows.tolist()))
    for t in range(5):
        ids = np.arange(t * n, (t + 1) * n)
        parent = forest.parent[ids]
        assert (parent == -1).sum() == 1 and parent[roots[t]] == -1  # one root, the one asked for
        edges = [(int(v), int(p - t * n)) for v, p in zip(range(n), parent) if p >= 0]
        assert len(edges) == n - 1 and all(e in graph_edges for e in edges)
        tree = sparse.coo_matrix((np.ones(n - 1), tuple(np.array(edges).T)), shape=(n, n))
        assert csgraph.connected_components(tree, directed=False)[0] == 1  # n - 1 edges, connected: spanning
        # scipy's own minimum spanning tree of this weighting has the same total weight.
        graph = sparse.coo_matrix((weights[t], (rows, cols)), shape=(n, n))
        w = {(int(a), int(b)): x for a, b, x in zip(rows, cols, weights[t])}
        ours = sum(w.get(e, w.get(e[::-1], 0.0)) for e in edges)
        assert ours == pytest.approx(csgraph.minimum_spanning_tree(graph).sum())


def test_subtree_counts_and_preorder_runs_match_a_walk_up_the_parents():
    n, rows, cols = grid_edges(6, 5)
    forest = random_forest(*request(n, rows, cols, 3, seed=4))
    for t in range(3):
        parent = forest.parent[t * n : (t + 1) * n] - t * n
        parent[forest.parent[t * n : (t + 1) * n] < 0] = -1
        for node in range(0, n, 7):
            below = descendants(parent, node)
            assert forest.size[t * n + node] == len(below)
            assert set(forest.subtree(t * n + node).tolist()) == below  # the preorder run is the subtree
    assert subtree_sizes(np.array([-1])).tolist() == [1]


def test_a_request_gets_the_same_trees_alone_or_batched_with_others():
    small, big = request(*grid_edges(4, 3), 2, seed=1), request(*grid_edges(8, 7), 6, seed=2)
    alone = [random_forest(*small), random_forest(*big)]
    together = random_forests([big, small, big])
    for got, want in [(together[1], alone[0]), (together[0], alone[1]), (together[2], alone[1])]:
        assert np.array_equal(got.order, want.order) and np.array_equal(got.parent, want.parent)
        assert np.array_equal(got.size, want.size)
    disconnected = (3, np.array([0]), np.array([1]), np.ones((1, 1)), np.array([0]))
    assert [f is None for f in random_forests([small, disconnected])] == [False, True]


def test_generators_of_different_lengths_all_finish():
    def draws(count, seed):
        sizes = []
        for i in range(count):
            forest = yield request(*grid_edges(3 + i, 2), 1, seed + i)
            sizes.append(int(forest.size.max()))
        return sizes

    assert run([draws(3, 0), draws(0, 5), draws(1, 9)]) == [[6, 8, 10], [], [6]]


def test_pieces_solved_together_get_what_each_gets_alone_and_the_collector_is_restored():
    pop = np.random.default_rng(3).integers(1000, 2000, 400)
    atlas = grid_atlas(20, 20, lad_width=5, population=pop)
    pieces = engine.atlas_pieces(atlas, ProposalParams(target=30_000))
    alone = [engine.solve_piece(p, 7, 1.0) for p in pieces]
    assert gc.isenabled()
    together = engine._solve_group(pieces, 7, 1.0, float("inf"))
    assert gc.isenabled()
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(alone, together))
    plan = propose(atlas, ProposalParams(target=30_000, seed=7))
    assert gc.isenabled() and len(plan.neighbourhoods) == sum(p.k for p in pieces)


@pytest.mark.realdata
def test_qk1_gives_the_same_plan_in_one_process_or_two_and_balances_raw_census_counts(data_dir, monkeypatch):
    import pandas as pd

    from geo.atlas import load_atlas
    from tests.propose.propose_checks import pieces

    qk1 = load_atlas("QK1", data_dir=data_dir)
    params = ProposalParams(target=50_000, seed=1, time_budget=300)
    monkeypatch.setattr(engine, "PARALLEL_MIN_LSOAS", 1)  # this process and one worker
    shared = propose(qk1, params)
    monkeypatch.setattr(engine, "PARALLEL_MIN_LSOAS", 10**9)  # everything in this process
    alone = propose(qk1, params)
    assert shared.assignment.equals(alone.assignment) and not shared.provenance.stopped_early
    census = pd.read_csv(data_dir / "census2021_lsoa21_usual_residents_age6.csv", dtype={"lsoa21_code": str})
    residents = census.set_index("lsoa21_code")["usual_residents_total"].reindex(qk1.codes)
    assert residents.notna().all()
    recount = residents.groupby(shared.assignment.to_numpy()).sum()
    assert recount.to_dict() == pytest.approx(shared["population"])  # the plan's tally is the Census count
    # Every neighbourhood is within ±10 % of the target unless its authority cannot be (and the plan says so).
    lookup = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str).drop_duplicates("lsoa21_code")
    lad = lookup.set_index("lsoa21_code")["ltla24_code"].reindex(qk1.codes)
    lad = lad.groupby(shared.assignment.to_numpy()).first()
    off = set(recount.index[(recount / 50_000 - 1).abs() > 0.10])
    assert off == set(lad.index[lad.isin(shared.provenance.constrained_units)])
    assert all(any(unit in note for note in shared.unmet) for unit in shared.provenance.constrained_units)
    assert (pieces(qk1, shared.assignment) == 1).all()  # every neighbourhood is one connected piece


@pytest.mark.parametrize("seed", range(40))
def test_compiled_trees_are_scipys(seed):
    """The compiled Kruskal and preorder give exactly scipy's trees: ties in weight (broken in CSR order), edges
    listed in any order or direction, several trees, disconnected graphs."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    graph = np.triu(rng.random((n, n)) < rng.uniform(0.05, 0.5), 1)
    for i in range(1, n):
        if rng.random() < 0.85:
            graph[rng.integers(i), i] = True
    rows, cols = np.nonzero(graph)
    flip = rng.random(len(rows)) < 0.5 * (seed % 2)
    rows, cols = np.where(flip, cols, rows), np.where(flip, rows, cols)
    shuffle = rng.permutation(len(rows)) if seed % 3 else np.arange(len(rows))
    rows, cols = rows[shuffle], cols[shuffle]
    trees = int(rng.integers(1, 6))
    weights = (
        rng.integers(1, 4, size=(trees, len(rows))).astype(float)
        if seed % 4 == 0
        else rng.random((trees, len(rows))) + 1e-9
    )
    req = (n, rows, cols, weights, rng.integers(n, size=trees))
    [ours], [theirs] = random_forests([req]), scipy_forests([req])
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert np.array_equal(ours.order, theirs.order) and np.array_equal(ours.parent, theirs.parent)
        assert np.array_equal(ours.size, theirs.size)
