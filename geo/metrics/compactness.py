"""Dissolved neighbourhood shapes and their Polsby-Popper compactness, 4πA/P² (1 for a circle).

Dissolving is the one costly geometric step, so a child plan dissolves only the neighbourhoods its moves touched and
reuses its parent's shapes (and scores) for the rest.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import shapely

from geo.metrics import metric

if TYPE_CHECKING:
    from geo.plan import Plan


def dissolve(plan: "Plan", label: int):
    """Return the union of the LSOA shapes of one neighbourhood (by plan label index).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "A"})
    >>> dissolve(plan, 0).area, dissolve(plan, 0).length
    (2000000.0, 6000.0)
    """
    parts = plan.arrays.geometry[plan.members(label)]
    # LSOA boundaries tile the country, so a coverage union (which skips overlay noding) is exact and much
    # faster; fall back to a full union if the boundaries overlap (e.g. mixed generalisations).
    try:
        shape = shapely.coverage_union_all(parts)
        if shape.is_valid and not shape.is_empty:
            return shape
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(parts)


def polsby_popper(shape) -> float:
    """Return 4πA/P² of a shape (0 for an empty one).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> round(polsby_popper(box(0, 0, 1, 1)), 4)  # a square: π/4
    0.7854
    """
    perimeter = shape.length
    return 4 * math.pi * shape.area / perimeter**2 if perimeter > 0 else 0.0


@metric("shapes", "dissolved footprint of each neighbourhood (by plan label index)")
def _shapes(plan: "Plan") -> dict:
    return {int(k): dissolve(plan, k) for k in plan.live}


@_shapes.updater
def _shapes_update(plan: "Plan", previous: dict) -> dict:
    shapes = dict(previous)
    live = set(plan.live.tolist())
    for k in plan.changed:
        if k in live:
            shapes[k] = dissolve(plan, k)
        else:
            shapes.pop(k, None)
    return shapes


@metric("polsby_popper_by_label", "Polsby-Popper score of each neighbourhood (by plan label index)")
def _pp_by_label(plan: "Plan") -> dict[int, float]:
    return {k: polsby_popper(shape) for k, shape in plan["shapes"].items()}


@_pp_by_label.updater
def _pp_update(plan: "Plan", previous: dict[int, float]) -> dict[int, float]:
    shapes = plan["shapes"]
    scores = {k: v for k, v in previous.items() if k in shapes and k not in plan.changed}
    for k in shapes.keys() - scores.keys():
        scores[k] = polsby_popper(shapes[k])
    return scores


@metric("polsby_popper", "Polsby-Popper compactness of each neighbourhood's dissolved footprint")
def _polsby_popper(plan: "Plan") -> dict[str, float]:
    scores = plan["polsby_popper_by_label"]
    return {name: scores[int(k)] for name, k in zip(plan.neighbourhoods, plan.live)}


@metric("mean_polsby_popper", "mean Polsby-Popper score over neighbourhoods")
def _mean_pp(plan: "Plan") -> float:
    scores = list(plan["polsby_popper"].values())
    return sum(scores) / len(scores)
