"""A re-nested plan's units (a user's geography, in no data folder) put back on the atlas from each
neighbourhood's place: the one rule by which the plan-file reader (:mod:`geo.plan.reader`, from the ``place``
column) and the plan store (:mod:`api.plans`, from the places stored with a version) rebuild the plan, so a plan
read back or rebuilt by another worker is measured from the same units' ideals as the plan that was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.atlas.arrays import atlas_arrays
from geo.metrics.balance import ideal_places, place_ideals
from geo.plan.ideals import CUSTOM

if TYPE_CHECKING:
    from geo.atlas.model import Atlas
    from geo.plan import Plan


def with_recorded_places(atlas: "Atlas", ideals, assignment: pd.Series | None, practices: pd.Series | None) -> "Atlas":
    """The atlas carrying a user's units (``nest_code``, ``nest_name``) as a plan's rows record them (``ideals``
    of :func:`recorded_ideals` with nest ``custom``; else the atlas as it is): :func:`with_places` of each
    neighbourhood's recorded place.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 1)
    >>> ideals = ({"nest": "custom"}, {"A": ("WEST", 1), "B": ("EAST", 3)})
    >>> with_recorded_places(atlas, ideals, pd.Series(["A", "B", "B"], index=atlas.codes), None).lsoas.nest_code.tolist()
    ['WEST', 'EAST', 'EAST']
    """
    if ideals is None or ideals[0].get("nest") != CUSTOM:
        return atlas
    return with_places(atlas, {name: where for name, (where, _) in ideals[1].items()}, assignment, practices)


def unit_places(plan: "Plan") -> dict[str, str | None] | None:
    """Each neighbourhood's unit in a plan nested in a user's geography (``nest`` ``custom``: a re-nested counted
    plan), as its files record it (``place``), so a store can put the units back with :func:`with_places`; None
    for any other plan (its places are the area's, recounted from the atlas).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> unit_places(propose(grid_atlas(4, 1, lad_width=2), ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2}))) is None
    True
    """
    if plan.provenance.params.get("nest") != CUSTOM or not place_ideals(plan):
        return None
    return {str(name): (None if place is None else str(place)) for name, place in ideal_places(plan).items()}


def with_places(
    atlas: "Atlas", places: Mapping[str, str | None], assignment: pd.Series | None, practices: pd.Series | None
) -> "Atlas":
    """The atlas carrying a user's units (``nest_code``, ``nest_name``) from each neighbourhood's place
    (``places``, ``{neighbourhood: unit or None}``): each LSOA (``assignment``), or each practice's site
    (``practices``), in its neighbourhood's place, or in none. The one rule the plan-file reader and the plan
    store both rebuild a re-nested plan's units by, so the plan read back is measured as the one that was written.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 1)
    >>> with_places(atlas, {"A": "WEST", "B": "EAST"}, pd.Series(["A", "B", "B"], index=atlas.codes), None).lsoas.nest_code.tolist()
    ['WEST', 'EAST', 'EAST']
    """
    place = {str(name): (where or None) for name, where in places.items()}
    lsoas = atlas.lsoas.copy()
    units = pd.Series(None, index=lsoas.index, dtype=object)
    if practices is not None:
        arrays = atlas_arrays(atlas)
        site = pd.Series(arrays.practice_site, index=pd.Index(arrays.practice_codes).astype(str))
        codes = practices.index.astype(str)
        sites = site.reindex(codes).fillna(-1).astype(int).to_numpy()
        recorded = [place.get(name) for name in practices.astype(str)]
        # Reverse code order: a site shared by practices in two places keeps the first's (check_places judges).
        for i in np.argsort(codes.to_numpy(), kind="stable")[::-1]:
            if sites[i] >= 0:
                units.iloc[sites[i]] = recorded[i]
    elif assignment is not None:
        units = pd.Series([place.get(name) for name in assignment.reindex(lsoas.index).astype(str)], index=lsoas.index)
    lsoas["nest_code"] = units.to_numpy()
    lsoas["nest_name"] = units.to_numpy()
    return replace(atlas, lsoas=lsoas)
