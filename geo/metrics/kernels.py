"""Compiled (numba) patches of metrics a practice move touches in many rows at once.

A practice move relabels a dozen LSOAs and the metric updaters replay them row by row; in Python each row costs
a few numpy calls on tiny arrays. These loops do the same arithmetic in the same order (each table cell is
changed by the same subtractions and additions, one row after another), so the results are bit for bit those of
the Python they replace. Imported lazily: the API starts without compiling them.
"""

from __future__ import annotations

import numpy as np

from geo.compiled import njit


@njit
def first_row_components(lab, adj_ptr, adj):
    """The connected part of its label each row is in, named by the part's first row (searched from the rows in
    ascending order, so each search starts at its part's first row)."""
    n = len(lab)
    comp = np.full(n, -1, np.int64)
    stack = np.empty(n, np.int64)
    for start in range(n):
        if comp[start] >= 0:
            continue
        comp[start] = start
        stack[0] = start
        top = 1
        while top:
            top -= 1
            r = stack[top]
            for e in range(adj_ptr[r], adj_ptr[r + 1]):
                s = adj[e]
                if comp[s] < 0 and lab[s] == lab[r]:
                    comp[s] = start
                    stack[top] = s
                    top += 1
    return comp


@njit
def patch_tallies(table, indptr, indices, data, pos, old, new):
    """Move each row ``pos[i]``'s registrations (CSR) from label ``old[i]`` to ``new[i]`` in ``table`` (labels x
    practices), in place, one row after another."""
    for i in range(len(pos)):
        r, a, b = pos[i], old[i], new[i]
        for e in range(indptr[r], indptr[r + 1]):
            table[a, indices[e]] -= data[e]
            table[b, indices[e]] += data[e]
