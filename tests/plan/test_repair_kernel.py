"""The compiled footprint repair: each detached part joins the neighbour whose practices hold most of its patients.

A from-scratch footprint runs the same kernel as a moved plan's, so the equality tests of ``test_footprint`` cannot
see a slip inside it; these graphs are small enough to know the answer by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo.atlas.arrays import atlas_arrays
from geo.metrics.kernels import first_row_components
from geo.plan.footprint import PASSES, _prepared, label_ranks
from geo.plan.repair_kernel import derive, follow_neighbours, homes, repair
from geo.testing import grid_atlas

X, Y, Z = 0, 1, 2


def _csr(rows: int, pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of every edge as CSR (indptr, neighbours)."""
    both = sorted(pairs + [(j, i) for i, j in pairs])
    indptr = np.zeros(rows + 1, np.int64)
    np.cumsum(np.bincount([i for i, _ in both], minlength=rows), out=indptr[1:])
    return indptr, np.array([j for _, j in both], np.int64)


def test_each_part_is_judged_on_its_own_patients_not_those_of_a_part_repaired_before_it():
    # Z's main part is row 0; rows 3 and 4 are its detached parts (3 lighter, so repaired first), each touching X
    # and Y once. Row 3's 10 patients are with X's practice, row 4's 5 with Y's: 3 joins X, 4 joins Y. Were row 3's
    # count still held when row 4 is judged, X (10) would beat Y (5) there too.
    lab = np.array([Z, X, Y, Z, Z, X, Y], np.int64)
    adj_ptr, adj = _csr(7, [(3, 1), (3, 2), (4, 5), (4, 6), (1, 5), (2, 6)])
    weight = np.array([100, 1, 1, 1, 2, 1, 1], float)
    # registrations by row (CSR over practice columns): practice 0 is X's, practice 1 is Y's
    indptr = np.array([0, 0, 0, 0, 1, 2, 2, 2], np.int64)
    indices = np.array([0, 1], np.int64)
    data = np.array([10.0, 5.0])
    got, repaired, detached, parts = repair(
        lab,
        adj_ptr,
        adj,
        weight,
        np.array([0, 1, 2], np.int64),  # rank: X, Y, Z by name
        np.zeros(7, np.int64),  # one LA
        np.zeros((3, 1), np.bool_),  # no label has a practice sited in it: patients decide
        indptr,
        indices,
        data,
        np.array([X, Y], np.int64),
        np.zeros(7, np.bool_),
        6,
        1.0,
    )
    assert got.tolist() == [Z, X, Y, X, Y, X, Y]
    assert parts.tolist() == [0, 1, 2, 1, 2, 1, 2]  # X: 1, 3, 5 and Y: 2, 4, 6 are one part each
    assert np.flatnonzero(repaired).tolist() == [3, 4]
    assert not detached.any()


def _derive(home, moved, practice_label, adj_ptr, adj, site, listed, lad=None, data=None):
    """:func:`derive` on a small graph: registrations as (row, practice, patients) triples in ``data``."""
    n, practices = len(adj_ptr) - 1, len(practice_label)
    triples = sorted(data or [])
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount([r for r, _, _ in triples], minlength=n), out=indptr[1:])
    by_ptr = np.zeros(practices + 1, np.int64)  # the same registrations by practice column
    np.cumsum(np.bincount([j for _, j, _ in triples], minlength=practices), out=by_ptr[1:])
    by_row = np.array([r for j, r in sorted((j, r) for r, j, _ in triples)], np.int64)
    row_lad = np.zeros(n, np.int64) if lad is None else np.asarray(lad, np.int64)
    return derive(
        np.asarray(home, np.int64),
        np.asarray(moved, np.int64),
        np.asarray(practice_label, np.int64),
        np.arange(practices and max(practice_label) + 1, dtype=np.int64),  # labels named in index order
        adj_ptr,
        adj,
        np.ones(n),
        row_lad,
        int(row_lad.max()) + 1,
        indptr,
        np.array([j for _, j, _ in triples], np.int64),
        np.array([v for _, _, v in triples], float),
        by_ptr,
        by_row,
        np.asarray(site, np.int64),
        np.asarray(listed, float),
        True,
        6,
        1.0,
    )


def test_a_neighbourhood_holding_no_row_is_given_the_site_of_its_largest_practice():
    # A path 0-1-2-3. A's practice (column 0) holds the patients of rows 0 and 1, B's (1) of rows 2 and 3; C's
    # two practices (2: list 50, site row 1; 3: list 80, site row 2) hold none, so C is given row 2, its larger
    # practice's site. B keeps row 3 and the repair that follows has nothing to join.
    adj_ptr, adj = _csr(4, [(0, 1), (1, 2), (2, 3)])
    patients = [(0, 0, 10.0), (1, 0, 10.0), (2, 1, 10.0), (3, 1, 10.0)]
    lab, home, repaired, detached, parts, missing = _derive(
        [], [], [X, Y, Z, Z], adj_ptr, adj, site=[0, 3, 1, 2], listed=[100, 100, 50, 80], data=patients
    )
    assert (lab.tolist(), home.tolist(), missing) == ([X, X, Z, Y], [X, X, Y, Y], -1)
    assert np.flatnonzero(repaired).tolist() == [2] and not detached.any()
    assert parts.tolist() == [0, 0, 2, 3]
    # With no practice of C sited in the area, C is named back (the caller's error).
    *_, missing = _derive([], [], [X, Y, Z, Z], adj_ptr, adj, site=[0, 3, -1, -1], listed=[1, 1, 1, 1], data=patients)
    assert missing == Z
    # B's practice (column 1) moves to A: only its rows, 2 and 3, are counted again, so every row's home is A and
    # C is given row 2 again. Row 3, cut off from the rest of A, joins the one label around it, C.
    lab, home, repaired, detached, parts, missing = _derive(
        [X, X, Y, Y], [1], [X, X, Z, Z], adj_ptr, adj, site=[0, 3, 1, 2], listed=[100, 100, 50, 80], data=patients
    )
    assert (lab.tolist(), home.tolist(), missing) == ([X, X, Z, Z], [X, X, X, X], -1)
    assert np.flatnonzero(repaired).tolist() == [2, 3] and not detached.any()
    assert parts.tolist() == [0, 0, 2, 2]


@pytest.mark.parametrize("seed", range(6))
def test_the_derivation_in_one_call_is_the_kernels_step_by_step_and_a_recount_of_some_rows_is_a_full_one(seed):
    rng = np.random.default_rng(seed)
    arrays = atlas_arrays(grid_atlas(6, 5, lad_width=3, practice_every=2, seed=seed))
    prepared = _prepared(arrays)
    practices = len(arrays.practice_codes)
    labels = ["N", "S", "E", "W"]
    rank = label_ranks(labels)
    before = rng.integers(len(labels), size=practices)
    after = before.copy()
    after[rng.integers(practices, size=2)] = rng.integers(len(labels), size=2)

    def run(practice_label, home=np.empty(0, np.int64), moved=np.empty(0, np.int64)):
        return derive(
            home, moved, practice_label, rank, prepared.adj_ptr, prepared.adj, prepared.weight, prepared.row_lad,
            prepared.n_lads, *prepared.csr, *prepared.by_practice, prepared.site, prepared.listed, True, PASSES, 1.0,
        )  # fmt: skip

    scratch = run(after)
    # the steps one by one (every label here holds a row: no site is given)
    home = homes(*prepared.csr, after, rank, np.arange(len(arrays.codes)))
    label_lad = np.zeros((len(labels), prepared.n_lads), np.bool_)
    sited = prepared.site >= 0
    label_lad[after[sited], prepared.row_lad[prepared.site[sited]]] = True
    stepwise = repair(
        follow_neighbours(home, prepared.adj_ptr, prepared.adj, rank), prepared.adj_ptr, prepared.adj,
        prepared.weight, rank, prepared.row_lad, label_lad, *prepared.csr, after, np.zeros(len(home), np.bool_),
        PASSES, 1.0,
    )  # fmt: skip
    assert set(scratch[0].tolist()) == set(range(len(labels))) and scratch[-1] == -1
    assert scratch[1].tolist() == home.tolist()
    for got, expected in zip(scratch[0:1] + scratch[2:5], stepwise, strict=True):
        assert got.tolist() == expected.tolist()
    # the parts it hands on as the plan's components are a recount's
    assert scratch[4].tolist() == first_row_components(scratch[0], prepared.adj_ptr, prepared.adj).tolist()
    # the rows where a moved practice has patients, recounted from the homes before the move
    patched = run(after, home=run(before)[1], moved=np.flatnonzero(after != before))
    for got, expected in zip(patched, scratch, strict=True):
        assert np.asarray(got).tolist() == np.asarray(expected).tolist()
