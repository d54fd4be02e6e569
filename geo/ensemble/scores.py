"""The scores a board compares between plans, for one plan, from the project's own metrics.

An ensemble records these after every step (the compiled chain patches them; :func:`plan_scores` is the
reference they must equal, recounted from scratch through :mod:`geo.metrics`):

- ``max_abs_deviation_pct``: the largest ``|population - target|`` as a percentage of the target (balance);
- ``core20_spread``: the standard deviation (population form, ``ddof=0``) across neighbourhoods of their Core20
  share in percent (``core20_pct``: national IMD quintile 1, weighted by the counted population);
- ``wards_split``: electoral wards whose LSOAs lie in more than one neighbourhood (0 for atlases without wards);
- ``alignment_pct``: ``alignment_pct`` of :mod:`geo.metrics.lists`, the share of the area's registered residents
  registered with a practice whose plurality of area patients lives in their own neighbourhood, as the plan's own
  summary publishes it (:func:`published_alignment`: a whole percent through :func:`geo.disclosure.publish_share`).
  Its part is a sum of practice-by-LSOA registration cells, most of them 1 to 7 people: exact, two plans' scores
  times the published area total gave such a cell back by subtraction;
- ``cut_edges``: contiguity-graph edges between different neighbourhoods (``cut_edge_total``; fewer is more
  compact);
- ``la_crossings``: neighbourhoods spanning more than one local authority district.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.disclosure import publish_share
from geo.ensemble.kernels import SCORES

#: What each score means, for tables, histograms and the API.
DESCRIPTIONS = {
    "max_abs_deviation_pct": "largest deviation from the target (%)",
    "core20_spread": "spread of Core20 share across neighbourhoods (sd, percentage points)",
    "wards_split": "electoral wards split between neighbourhoods",
    "alignment_pct": "registered residents whose practice's home is their neighbourhood (%)",
    "cut_edges": "LSOA boundaries between neighbourhoods (fewer: more compact)",
    "la_crossings": "neighbourhoods crossing a local authority boundary",
}
assert tuple(DESCRIPTIONS) == SCORES


def wards_split(atlas, assignment: pd.Series) -> int:
    """Return the number of wards whose LSOAs lie in more than one neighbourhood.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 1)
    >>> atlas.lsoas["ward_code"] = ["W1", "W1", "W2"]
    >>> wards_split(atlas, pd.Series(["A", "B", "B"], index=atlas.codes))
    1
    """
    if "ward_code" not in atlas.lsoas.columns:
        return 0
    frame = pd.DataFrame(
        {
            "ward": atlas.lsoas["ward_code"].astype(object),
            "neighbourhood": assignment.reindex(atlas.lsoas.index).to_numpy(),
        }
    ).dropna()
    return int((frame.groupby("ward")["neighbourhood"].nunique() > 1).sum())


def published_alignment(pct, registered_total: float) -> np.ndarray:
    """Return alignment percentages of an area of ``registered_total`` registered residents as published: whole
    percents, NaN where the aligned people or the rest are 1 to 7 (:func:`geo.disclosure.publish_share`).

    Examples
    --------
    >>> published_alignment([79.2333, 79.2418, 99.99], 35_398).tolist()
    [79.0, 79.0, nan]
    """
    values = np.atleast_1d(np.asarray(pct, dtype=float))
    shares = [publish_share(v / 100.0 * registered_total, registered_total) if np.isfinite(v) else None for v in values]
    return np.array([np.nan if s is None else s for s in shares], dtype=float)


def plan_scores(plan) -> dict[str, float]:
    """Return the ensemble scores of one plan built from LSOAs, measured against its own parameters.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 1, lad_width=2)
    >>> plan = Plan(atlas, dict(zip(atlas.codes, ["A", "A", "A", "B"])), target=3000)
    >>> scores = plan_scores(plan)
    >>> scores["max_abs_deviation_pct"], scores["cut_edges"], scores["la_crossings"]
    (50.0, 1, 1)
    """
    core20 = np.array(list(plan["core20_pct"].values()), dtype=float)
    return {
        "max_abs_deviation_pct": float(max(abs(v) for v in plan["deviation_pct"].values())),
        "core20_spread": float(np.std(core20)),
        "wards_split": wards_split(plan.atlas, plan.assignment),
        "alignment_pct": float(
            published_alignment(plan["alignment_pct"], sum(plan["registered_population"].values()))[0]
        ),
        "cut_edges": int(plan["cut_edge_total"]),
        "la_crossings": int(plan["la_crossings"]),
    }
