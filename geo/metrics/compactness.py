"""Polsby-Popper compactness of each neighbourhood, 4πA/P² (1 for a circle), and its dissolved shape.

Compactness needs no geometry once the atlas is built: a neighbourhood's area is the tallied area of its LSOAs and
its perimeter is the sum of its LSOAs' outer boundary plus the boundary shared across its cut edges
(:attr:`geo.atlas.arrays.AtlasArrays.boundary`), which equals the length of the dissolved shape. A child plan
patches its parent's perimeters from the edges of the rows that moved, so a move costs microseconds. The shapes
themselves (for maps and exports) are dissolved only when asked for, and then only those the moves touched.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import shapely

from geo.metrics import metric
from geo.metrics.edit import one_row_edit
from geo.metrics.kernels import patch_perimeters, polsby_popper_scores

# Beyond this many moved rows, recounting every perimeter (one pass over the edges) beats patching row by row.
PATCH_LIMIT = 64

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


@metric("shapes", "dissolved footprint of each neighbourhood (by plan label index); for maps and exports")
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


def perimeters(plan: "Plan") -> np.ndarray:
    """Return the perimeter of each label's footprint in metres, counted from the shared boundary lengths.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan = Plan(grid_atlas(3, 1), {"G0000": "A", "G0001": "A", "G0002": "B"})
    >>> perimeters(plan).tolist(), [dissolve(plan, k).length for k in (0, 1)]
    ([6000.0, 4000.0], [6000.0, 4000.0])
    """
    arrays, lab = plan.arrays, plan.label_index
    shared, outer = arrays.boundary
    edges = arrays.edges
    ends = lab[edges] if len(edges) else np.zeros((0, 2), dtype=np.int64)
    cut = ends[:, 0] != ends[:, 1]
    size = len(plan.labels)
    return (
        np.bincount(lab, weights=outer, minlength=size)
        + np.bincount(ends[cut, 0], weights=shared[cut], minlength=size)
        + np.bincount(ends[cut, 1], weights=shared[cut], minlength=size)
    )


@metric("perimeter_by_label", "perimeter of each neighbourhood's footprint in metres (array by plan label index)")
def _perimeter(plan: "Plan") -> np.ndarray:
    return perimeters(plan)


@_perimeter.updater
def _perimeter_update(plan: "Plan", previous: np.ndarray) -> np.ndarray:
    edit = one_row_edit(plan)  # one LSOA moved: patched with the others (geo.metrics.edit)
    if edit is not None:
        return edit["perimeter_by_label"]
    pos, old, new = plan.flow
    if len(pos) > PATCH_LIMIT:
        return perimeters(plan)
    perimeter = np.zeros(len(plan.labels))
    perimeter[: len(previous)] = previous
    # Replay the moves one row at a time from the parent's labels (compiled): an edge (i, j) counts its shared
    # length for both sides while i and j are in different neighbourhoods, so moving i from a to b changes only
    # a, b and the neighbourhoods of i's neighbours.
    arrays = plan.arrays
    indptr, neighbour, _ = arrays.neighbours
    patch_perimeters(
        perimeter, plan.label_index, indptr, neighbour, arrays.neighbour_lengths, arrays.boundary[1], pos, old, new
    )
    return perimeter


@metric("polsby_popper_by_label", "Polsby-Popper score of each neighbourhood (array by plan label index)")
def _pp_by_label(plan: "Plan") -> np.ndarray:
    return polsby_popper_scores(plan["tallies"][:, plan.arrays.column("area")], plan["perimeter_by_label"])


@metric("polsby_popper", "Polsby-Popper compactness of each neighbourhood's footprint")
def _polsby_popper(plan: "Plan") -> dict[str, float]:
    return dict(zip(plan.neighbourhoods, plan["polsby_popper_by_label"][plan.live].tolist()))


@metric("mean_polsby_popper", "mean Polsby-Popper score over neighbourhoods")
def _mean_pp(plan: "Plan") -> float:
    scores = list(plan["polsby_popper"].values())
    return sum(scores) / len(scores)
