"""The sums a plan's populations are published from, patched from the parent plan by the LSOAs that moved.

:mod:`geo.disclosure`'s margin rule publishes a neighbourhood's population from three sums over its parts (the
shown counts, the stand-in for each small count, how many are small: :func:`geo.disclosure.margin_parts`). For the
footprint's residents and registered residents the parts are LSOAs, so those sums are tallies like any other:
``plan["margin_sums"]`` holds them per neighbourhood label and a child plan patches its parent's matrix. That keeps
the publication of an edit's populations (:func:`geo.plan.report.published_populations`) to a few vector
operations (issue 26: recounting it was most of an edit's cost). Internal: the published figures leave the process,
these sums do not.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

from geo.compiled import njit
from geo.metrics import metric
from geo.metrics.edit import one_row_edit
from geo.metrics.tallies import label_onehot, patch_rows
from geo.disclosure import _threshold as threshold
from geo.disclosure import margin_parts as split

if TYPE_CHECKING:
    from geo.atlas.arrays import AtlasArrays
    from geo.plan import Plan

#: The LSOA columns published by the margin rule, in the column order of ``margin_sums`` (three columns each).
PUBLISHED_COLUMNS = ("resident_population", "registered_population")

# Per atlas arrays (by id, dropped with them) and threshold: the parts' margin contributions.
_PARTS: dict[int, dict] = {}


def margin_parts(arrays: "AtlasArrays", threshold: int) -> dict[str, np.ndarray]:
    """Return, once per atlas and threshold, each LSOA's (``"lsoas"``: rows LSOAs, columns shown, imputed,
    hidden for each of :data:`PUBLISHED_COLUMNS`) and each practice's list (``"practices"``: rows shown,
    imputed, hidden) contributions to the margin sums (:func:`geo.disclosure.margin_parts`).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.atlas.arrays import atlas_arrays
    >>> parts = margin_parts(atlas_arrays(grid_atlas(2, 1)), 7)
    >>> parts["lsoas"].shape, parts["lsoas"][0, :3].tolist()  # 1,500 residents: shown, nothing small
    ((2, 6), [1500.0, 0.0, 0.0])
    """

    per_atlas = _PARTS.get(id(arrays))
    if per_atlas is None:
        per_atlas = _PARTS[id(arrays)] = {}
        weakref.finalize(arrays, _PARTS.pop, id(arrays), None)
    if threshold not in per_atlas:
        columns = [split(arrays.values[:, arrays.column(c)], threshold) for c in PUBLISHED_COLUMNS]
        per_atlas[threshold] = {
            "lsoas": np.column_stack([part for column in columns for part in column]),
            "practices": np.vstack(split(arrays.practice_list, threshold)),
        }
    return per_atlas[threshold]


def _threshold() -> int:

    return threshold(None)


class MarginSums(np.ndarray):
    """Per-label margin sums (rows: labels; columns: shown, imputed, hidden for each of
    :data:`PUBLISHED_COLUMNS`), with the suppression ``threshold`` the parts were split at."""

    threshold: int


def _sums(table: np.ndarray, threshold: int) -> MarginSums:
    sums = np.asarray(table).view(MarginSums)
    sums.threshold = threshold
    return sums


@metric("margin_sums", "per-label margin sums of residents and registered residents, and their threshold; internal")
def _margin_sums(plan: "Plan") -> MarginSums:
    threshold = _threshold()
    return _sums(label_onehot(plan) @ margin_parts(plan.arrays, threshold)["lsoas"], threshold)


@_margin_sums.updater
def _margin_sums_update(plan: "Plan", previous: MarginSums) -> MarginSums:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["margin_sums"]
    threshold = previous.threshold
    if threshold != _threshold():  # the settings changed since the parent was counted
        return _margin_sums.compute(plan)
    return _sums(patch_rows(plan, np.asarray(previous), margin_parts(plan.arrays, threshold)["lsoas"]), threshold)


@njit
def published_totals(sums, live, practice_label, practice_parts, area, threshold, base):
    """The margin rule (:func:`geo.disclosure.margin_totals`) applied to every published figure of a plan in one
    compiled pass: returns ``(total, rounded_to)``, rows the ``live`` labels, columns residents, registered
    residents (from ``sums``: :data:`PUBLISHED_COLUMNS`' shown, imputed, hidden), the lists (each labelled
    practice's ``practice_parts`` summed by ``practice_label`` in ascending practice order, as ``np.bincount``
    sums them) and the whole area's lists (``area``: shown, imputed, hidden). The same arithmetic as the numpy
    it replaces, so the same figures bit for bit (tests/metrics/test_margins.py)."""
    n = sums.shape[0]
    for j in range(len(practice_label)):
        n = max(n, practice_label[j] + 1)
    lists = np.zeros((n, 3))
    for j in range(len(practice_label)):
        k = practice_label[j]
        if k >= 0:
            for c in range(3):
                lists[k, c] += practice_parts[c, j]
    total = np.empty((len(live), 4))
    rounded = np.empty((len(live), 4), np.int64)
    small = threshold + 0.5
    for row in range(len(live)):
        k = live[row]
        for column in range(4):
            if column < 2:
                shown, imputed, hidden = sums[k, 3 * column], sums[k, 3 * column + 1], sums[k, 3 * column + 2]
            elif column == 2:
                shown, imputed, hidden = lists[k, 0], lists[k, 1], lists[k, 2]
            else:
                shown, imputed, hidden = area[0], area[1], area[2]
            if hidden > 0:
                value = np.floor((shown + imputed) / base + 0.5) * base
                if shown <= 0:
                    value = np.nan
                rounded[row, column] = base
            else:
                value = shown
                if shown > 0 and shown < small:
                    value = np.nan
                rounded[row, column] = 1
            total[row, column] = value
    return total, rounded
