"""The one-row edit: every array a move of one LSOA patches, worked out together in one compiled call.

An edit that moves one LSOA patches nine arrays of its parent (tallies, margin sums, cut edges, components,
perimeters, practice tallies, homes, home patients, split practices). Patched one metric at a time, each is a
separate compiled call, a few numpy calls and a metric look-up; after other work has run (a proposal engine, a
request of another user) each of those starts from cold caches, and together they were most of an edit's cost
(issue 26). :func:`one_row_edit` works all nine out in one call of :func:`geo.metrics.kernels.patch_one_row`,
which runs the very kernels the metrics' own updaters run, in their order, so every figure is the same bit for
bit; each of those updaters returns its array from it when it is there.

It is there (not ``None``) when exactly one LSOA moved, the parent still holds all nine arrays (as it does once
its summary was read) and no neighbourhood was added; otherwise each metric patches its own as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geo.metrics.kernels import patch_one_row

if TYPE_CHECKING:
    from geo.plan import Plan

#: The metrics patched together, in the order :func:`geo.metrics.kernels.patch_one_row` returns them.
PATCHED = (
    "tallies",
    "margin_sums",
    "cut",
    "components",
    "perimeter_by_label",
    "practice_tallies",
    "practice_home",
    "practice_home_patients",
    "practice_split_mask",
)


def one_row_edit(plan: "Plan") -> dict | None:
    """The nine arrays of a one-LSOA edit worked out together, or ``None`` when each metric patches its own (kept
    with the plan: worked out once, by whichever of the nine is asked for first).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(3, 3), {c: "A" if c < "G0005" else "B" for c in grid_atlas(3, 3).codes})
    >>> one_row_edit(plan) is None, one_row_edit(plan.move({"G0004": "B"})) is None  # a root; a bare parent
    (True, True)
    >>> _ = plan.summary()
    >>> child = plan.move({"G0004": "B"})
    >>> one_row_edit(child)["cut"] is child["cut"]
    True
    """
    made = plan.kept("one_row_edit", lambda: _worked_out(plan) or False)
    return made or None


def _worked_out(plan: "Plan") -> dict | None:
    from geo.metrics.margins import (
        _sums,
        _threshold,
        margin_parts,
    )  # lazy: circular: geo.metrics.margins imports geo.metrics.edit at import time

    pos, old, new = plan.flow
    parent = plan.parent
    if len(pos) != 1 or parent is None:
        return None
    held = [parent.held(name) for name in PATCHED]
    if any(value is None for value in held):
        return None
    tallies, sums, cut, components, perimeter, table, home, home_patients, split = held
    size = len(plan.labels)
    threshold = sums.threshold
    if not (tallies.shape[0] == sums.shape[0] == len(perimeter) == table.shape[0] == size):
        return None  # a new neighbourhood: the tables grow, one metric at a time
    if threshold != _threshold():
        return None  # the settings changed since the parent was counted
    arrays = plan.arrays
    indptr, neighbour, edge = arrays.neighbours
    sited_ptr, sited = arrays.practices_sited_csr
    matrix = arrays.registrations
    patched = patch_one_row(
        pos,
        old,
        new,
        plan.label_index,
        tallies,
        arrays.values,
        np.asarray(sums),
        margin_parts(arrays, threshold)["lsoas"],
        cut,
        arrays.edges,
        indptr,
        neighbour,
        edge,
        components,
        perimeter,
        arrays.neighbour_lengths,
        arrays.boundary[1],
        table,
        matrix.indptr,
        matrix.indices,
        matrix.data,
        home,
        home_patients,
        split,
        arrays.practice_area_patients,
        arrays.practice_in_area,
        arrays.practice_site,
        plan.practice_split_threshold,
        threshold,
        sited_ptr,
        sited,
    )
    out = dict(zip(PATCHED, patched))
    out["margin_sums"] = _sums(out["margin_sums"], threshold)
    return out
