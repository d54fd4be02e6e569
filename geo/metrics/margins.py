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

from geo.metrics import metric
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
    threshold = previous.threshold
    if threshold != _threshold():  # the settings changed since the parent was counted
        return _margin_sums(plan)
    return _sums(patch_rows(plan, np.asarray(previous), margin_parts(plan.arrays, threshold)["lsoas"]), threshold)
