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
from geo.errors import PlanError
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


def check_moves_in_units(plan: "Plan", moves: Mapping[str, str], *, practices: bool = False) -> None:
    """Raise one PlanError for a move that takes an LSOA (or a practice, by its site) of a plan nested in a user's
    units into a neighbourhood of another unit; nothing for any other plan.

    A re-nested plan is measured from each unit's ideal, the unit's published total over its count; its units
    are in no data folder and are rebuilt from its neighbourhoods (:func:`with_places`), so a move across units
    would change what a unit holds while its ideal stayed, and another worker, or the plan's file read back, would
    measure it otherwise. Moves within a unit, and renames, keep every unit as it is.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> from geo.plan.params import Provenance
    >>> atlas = with_places(grid_atlas(3, 1), {"A": "WEST", "B": "EAST"}, pd.Series(["A", "B", "B"], index=["G0000", "G0001", "G0002"]), None)
    >>> ideals = {"WEST": {"ideal": 1500.0, "neighbourhoods": 1}, "EAST": {"ideal": 3000.0, "neighbourhoods": 1}}
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "B", "G0002": "B"}, provenance=Provenance("renested", params={"nest": "custom", "ideal_sizes": ideals}))
    >>> check_moves_in_units(plan, {"G0001": "A"})
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: column 'lsoa_code': LSOA G0001 is in unit EAST, but neighbourhood 'A' is in unit WEST (expected a neighbourhood of the same unit: a re-nested plan is measured from each of its units' ideals, so a move may not cross units)
    """
    if plan.provenance.params.get("nest") != CUSTOM or "nest_code" not in plan.atlas.lsoas.columns:
        return
    places = ideal_places(plan)
    units = plan.atlas.lsoas["nest_code"]
    if practices:
        arrays = plan.arrays
        site = dict(zip(pd.Index(arrays.practice_codes).astype(str), arrays.practice_site))
        unit_of = {str(code): units.iloc[site[str(code)]] if site.get(str(code), -1) >= 0 else None for code in moves}
    else:
        unit_of = {str(code): units.get(str(code)) for code in moves}
    joined: dict[str, str | None] = {}  # a new neighbourhood takes the unit of the first unit it is given
    for code, target in moves.items():
        name = "" if target is None else str(target).strip()
        unit = unit_of[str(code)]
        unit = None if unit is None or pd.isna(unit) else str(unit)
        want = places[name] if name in places else joined.setdefault(name, unit)
        if unit is not None and want is not None and unit != want:
            what = "practice" if practices else "LSOA"
            raise PlanError(
                f"{what} {code} is in unit {unit}, but neighbourhood {name!r} is in unit {want}",
                column="practice_code" if practices else "lsoa_code",
                expected="a neighbourhood of the same unit: a re-nested plan is measured from each of its units' "
                "ideals, so a move may not cross units",
            )
