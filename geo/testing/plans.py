"""Test helpers for plans: compare two plans the way a planner would, with one readable failure message.

``assert_plan_equal`` is to plans what ``geopandas.testing.assert_geodataframe_equal`` is to frames: it checks the
assignment (LSOA by LSOA), the parameters, and optionally the summary metrics, and says exactly what differs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.plan import Plan

if TYPE_CHECKING:
    from geo.atlas.model import Atlas


def assert_plan_equal(
    left: Plan, right: Plan, *, check_names: bool = True, check_metrics: bool = True, rtol: float = 1e-9
) -> None:
    """Assert two plans assign every LSOA alike, share their parameters and (optionally) their summary metrics.

    Parameters
    ----------
    left, right
        The plans to compare.
    check_names
        Require the same neighbourhood names; if False, a consistent renaming is accepted.
    check_metrics
        Also compare every numeric and list value of :meth:`Plan.summary`, apart from the plan name.
    rtol
        Relative tolerance for floating-point metrics.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1)
    >>> assert_plan_equal(Plan(atlas, {"G0000": "A", "G0001": "B"}), Plan(atlas, {"G0001": "B", "G0000": "A"}))
    >>> assert_plan_equal(Plan(atlas, {"G0000": "A", "G0001": "B"}), Plan(atlas, {"G0000": "x", "G0001": "y"}), check_names=False)
    """
    a = left.assignment.sort_index()
    b = right.assignment.sort_index()
    if not a.index.equals(b.index):
        only = sorted(set(a.index) ^ set(b.index))
        raise AssertionError(f"plans cover different LSOAs: {only[:10]}")
    if check_names:
        differs = a[a != b]
        if len(differs):
            rows = [f"{code}: {a[code]!r} != {b[code]!r}" for code in differs.index[:10]]
            raise AssertionError(f"{len(differs)} LSOA(s) assigned differently:\n  " + "\n  ".join(rows))
    else:
        pairs = pd.DataFrame({"a": a, "b": b}).drop_duplicates()
        if pairs["a"].duplicated().any() or pairs["b"].duplicated().any():
            raise AssertionError(f"the neighbourhoods are not a renaming of each other:\n{pairs.to_string()}")
    for attr in ("target", "tolerance", "population", "practice_split_threshold"):
        if getattr(left, attr) != getattr(right, attr):
            raise AssertionError(f"{attr} differs: {getattr(left, attr)!r} != {getattr(right, attr)!r}")
    if check_metrics:
        _assert_summaries_equal(left.summary(), right.summary(), check_names, rtol)


def _assert_summaries_equal(x: dict, y: dict, check_names: bool, rtol: float) -> None:
    skip = {"name"} | (set() if check_names else {"constrained", "non_contiguous"})
    for key in x.keys() - skip:
        u, v = x[key], y.get(key)
        if isinstance(u, float) or isinstance(v, float):
            if not math.isclose(u, v, rel_tol=rtol, abs_tol=1e-9):
                raise AssertionError(f"summary[{key!r}] differs: {u!r} != {v!r}")
        elif u != v:
            raise AssertionError(f"summary[{key!r}] differs: {u!r} != {v!r}")


def columns_plan(atlas: "Atlas", *, width: int = 1, **kwargs) -> Plan:
    """Return a plan of a grid atlas with one neighbourhood per ``width`` columns of cells (``C0``, ``C1``, ...).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> columns_plan(grid_atlas(3, 2), target=3000).neighbourhoods
    ['C0', 'C1', 'C2']
    """
    x = atlas.lsoas.geometry.centroid.x.to_numpy()
    column = np.floor((x - x.min()) / _cell(atlas)).astype(int) // width
    return Plan(atlas, dict(zip(atlas.lsoas.index, [f"C{c}" for c in column])), **kwargs)


def _cell(atlas: "Atlas") -> float:
    bounds = atlas.lsoas.geometry.iloc[0].bounds
    return bounds[2] - bounds[0]
