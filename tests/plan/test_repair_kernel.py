"""The compiled footprint repair: each detached part joins the neighbour whose practices hold most of its patients.

A from-scratch footprint runs the same kernel as a moved plan's, so the equality tests of ``test_footprint`` cannot
see a slip inside it; these graphs are small enough to know the answer by hand.
"""

from __future__ import annotations

import numpy as np

from geo.plan.repair_kernel import repair

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
    got, repaired, detached = repair(
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
    assert np.flatnonzero(repaired).tolist() == [3, 4]
    assert not detached.any()
