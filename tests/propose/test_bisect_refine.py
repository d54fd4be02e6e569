"""The compiled parts of tree bisection and refinement against the numpy and Python they replace: the same cuts,
the same grid edges, the same moves, exactly (so plans do not change), on random pieces."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse

from geo.propose.bisect import (
    BLOB_SURCHARGE,
    _add_blob_surcharge,
    _blob_boundary,
    _score_compiled,
    _score_cuts,
    bisect_piece,
)
from geo.propose.refine import refine, refine_python
from geo.propose.trees import random_forest


def grid_piece(seed: int):
    """A random piece: a grid with some diagonals, random populations, practices and aims."""
    rng = np.random.default_rng(seed)
    nx, ny = int(rng.integers(2, 10)), int(rng.integers(1, 8))
    n = nx * ny
    ids = np.arange(n).reshape(ny, nx)
    rows = np.r_[ids[:, :-1].ravel(), ids[:-1, :].ravel()]
    cols = np.r_[ids[:, 1:].ravel(), ids[1:, :].ravel()]
    if seed % 3 == 0 and ny > 1:
        rows, cols = np.r_[rows, ids[:-1, :-1].ravel()], np.r_[cols, ids[1:, 1:].ravel()]
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    k = int(rng.integers(1, max(2, min(n, 7))))
    pop = rng.integers(500, 3000, n).astype(float) if seed % 2 else rng.random(n) * 1000 + 1
    practice = (
        rng.integers(-1, max(1, n // 3), n)
        if seed % 4 == 0
        else -np.ones(n, int)
        if seed % 4 == 1
        else rng.integers(0, 4, n) * 100
    )
    targets = np.full(k, pop.sum() / k) * (1 + 0.1 * rng.standard_normal(k) * (seed % 5 == 0))
    return rng, SimpleNamespace(
        rows=np.arange(n),
        adjacency=((graph + graph.T) > 0).tocsr(),
        practice=practice,
        x=rng.random(n) * 1000,
        y=rng.random(n) * 1000,
        area=rng.random(n) * 100 + 1,
        pop=pop,
        k=k,
        targets=targets,
    )


@pytest.mark.parametrize("seed", range(60))
def test_refinement_makes_the_python_moves(seed):
    rng, piece = grid_piece(seed)
    labels = bisect_piece(piece, np.random.default_rng(seed), trees=2)
    options = {
        "compactness_weight": float(rng.choice([0.0, 1.0, 0.3])),
        "goal": float(rng.choice([0.01, 0.0, 0.05])),
        "max_moves": None if seed % 7 else int(rng.integers(0, 6)),
    }
    assert np.array_equal(refine(piece, labels, **options), refine_python(piece, labels, **options))


@pytest.mark.parametrize("seed", range(30))
def test_compiled_cut_scores_and_grid_edges_are_numpys(seed):
    rng, piece = grid_piece(seed)
    n, k = len(piece.pop), max(piece.k, 2)
    up = sparse.triu(piece.adjacency, k=1).tocoo()
    rows, cols = up.row.astype(np.int64), up.col.astype(np.int64)
    trees = 4
    forest = random_forest(n, rows, cols, rng.random((trees, len(rows))) + 1e-9, rng.integers(n, size=trees))
    x, y, a = piece.x - piece.x.mean(), piece.y - piece.y.mean(), piece.area
    values = np.column_stack([piece.pop, np.ones(n), a, a * x, a * y, a * (x * x + y * y) + a * a / (2 * np.pi)])
    total = values.sum(axis=0)
    targets = np.full(k, piece.pop.sum() / k)
    k1 = k // 2
    aims = np.array(
        [[max(float(np.sum(targets[:i])), 1e-9), max(float(np.sum(targets[i:])), 1e-9)] for i in (k1, k - k1)]
    )
    for weight in (0.0, 1.0):
        key, node, k_in = _score_cuts(forest, values, total, piece.practice, k, k1, targets, weight)
        miss, score, node2, k_in2 = _score_compiled(
            forest.n,
            forest.trees,
            forest.order,
            forest.parent,
            forest.size,
            values,
            total,
            piece.practice,
            k,
            k1,
            aims,
            weight,
        )
        assert (miss, score, node2, k_in2) == (key[0], key[1], node, k_in)
    # The grid surcharge: the same draws give the same edges crossing between cells.
    xy = values[:, 3:5] / np.maximum(values[:, 2:3], 1e-9)
    blob = np.exp(rng.uniform(*np.log((4, 30)), size=trees))
    blobs = np.maximum(n / blob, 1).astype(np.int64)
    state = rng.bit_generator.state
    boundary = _blob_boundary(xy, rows, cols, blobs, rng)
    rng.bit_generator.state = state
    theta = rng.uniform(0, np.pi / 2, size=trees)[:, None]
    shift = rng.random((trees, 2))
    base = rng.random((trees, len(rows)))
    expected = base + BLOB_SURCHARGE * (boundary & (n > 2 * blob)[:, None])
    got = _add_blob_surcharge(
        base.copy(),
        xy,
        rows,
        cols,
        blobs,
        np.cos(theta)[:, 0],
        np.sin(theta)[:, 0],
        shift,
        n > 2 * blob,
        BLOB_SURCHARGE,
    )
    assert np.array_equal(got, expected)
