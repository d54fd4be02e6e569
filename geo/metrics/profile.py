"""The per-neighbourhood inputs of the HWB data packs (:mod:`geo.profiles.figures`), exact, read from the plan.

``ethnicity``: the residents of each neighbourhood's LSOAs in each Census 2021 TS021 group (and the total), a frame
with one row per neighbourhood. ``practice_shares``: the share of each practice's list counted in each
neighbourhood (neighbourhoods x the atlas's practices): 1 or 0 for a list-based plan (whole practices), else the
share of the practice's list living in the neighbourhood (the plan's ``practice_tallies`` over the list size), an
estimate. The packs publish what they build from these (:mod:`geo.disclosure`); nothing here leaves the process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.atlas.model import ETHNICITY_COLUMNS
from geo.metrics import metric
from geo.metrics.tallies import label_onehot

if TYPE_CHECKING:
    from geo.plan import Plan


@metric("ethnicity", "usual residents per Census 2021 ethnic group (TS021) per neighbourhood (exact counts)")
def _ethnicity(plan: "Plan") -> pd.DataFrame:
    """
    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(2, 1)
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "B"})
    >>> list(plan["ethnicity"].index), list(plan["ethnicity"].columns) == ETHNICITY_COLUMNS
    (['A', 'B'], True)
    """
    lsoas = plan.atlas.lsoas.reindex(plan.arrays.codes)
    present = [c for c in ETHNICITY_COLUMNS if c in lsoas.columns]
    values = lsoas[present].apply(pd.to_numeric, errors="coerce").fillna(0.0).to_numpy(dtype=float)
    counts = np.asarray(label_onehot(plan) @ values)[plan.live]
    return pd.DataFrame(counts, index=plan.neighbourhoods, columns=present).reindex(columns=ETHNICITY_COLUMNS)


@metric(
    "practice_shares",
    "share of each practice's list counted in each neighbourhood (1/0 for whole practices, else the share living "
    "there); internal, never exported",
)
def _practice_shares(plan: "Plan") -> pd.DataFrame:
    """
    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> atlas = grid_atlas(4, 4)
    >>> listed = Plan.from_practices(atlas, dict(zip(atlas.practices.index, "AABB")), target=12_000)
    >>> listed["practice_shares"].loc["A"].tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    codes = plan.atlas.practices.index.astype(str)
    hoods = plan.neighbourhoods
    listed = plan.practice_assignment
    if listed is not None:
        row = pd.Index(hoods).get_indexer(listed.reindex(codes).to_numpy())
        shares = np.zeros((len(hoods), len(codes)))
        shares[row[row >= 0], np.flatnonzero(row >= 0)] = 1.0
        return pd.DataFrame(shares, index=hoods, columns=codes)
    list_size = plan.atlas.practices.list_size.astype(float).where(lambda s: s > 0)
    list_size.index = codes
    tallies = pd.DataFrame(plan["practice_tallies"][plan.live], index=hoods, columns=plan.arrays.practice_codes)
    return tallies.reindex(columns=codes, fill_value=0.0).div(list_size, axis=1).fillna(0.0)
