"""Each neighbourhood's ideal size, which its deviation is measured from: one rule for every output.

A plan made for a target aims every neighbourhood at the target. A plan made with a number of neighbourhoods per
place (``ideal_sizes`` in its provenance, from :mod:`geo.propose.counts`) aims each at its place's ideal, the
place's total over its count, as the proposal did. A neighbourhood's place is the one holding most of it: most of
its footprint's counted people (a plan of LSOAs or blocks, at the nesting level its provenance records) or most of
its practices' lists, each practice in the place of its site (a plan of whole practices). A neighbourhood in no
place of the plan's (a user geography no longer on the atlas) is measured from the target.

``deviation`` and ``deviation_pct`` (:mod:`geo.metrics.tallies`), the published deviations and the summary of
:mod:`geo.plan.report`, ``validate()`` and :func:`geo.propose.counts.place_deviation` all read ``plan["ideal"]``,
so two outputs of one plan never disagree.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.contract import NEST_COLUMNS
from geo.metrics import metric

if TYPE_CHECKING:
    from geo.plan import Plan

#: What a counted plan's deviations are measured from, as every output says it.
PLACE_IDEAL = "each place's ideal (place total / its count)"


def place_ideals(plan: "Plan") -> dict | None:
    """The ``ideal_sizes`` a plan was made with (``{place: {"ideal": ..., ...}}``), or None for a plan made for a
    target."""
    return (plan.provenance.params or {}).get("ideal_sizes") or None


def deviation_from(plan: "Plan") -> str:
    """What the plan's deviations are measured from, in words.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> deviation_from(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"}, target=1500))
    'the target'
    """
    return PLACE_IDEAL if place_ideals(plan) else "the target"


@metric("ideal", "the size each neighbourhood aims at: the target, or its place's ideal in a counted plan")
def _ideal(plan: "Plan") -> dict[str, float]:
    """Each neighbourhood's ideal size.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> atlas = grid_atlas(6, 2, lad_width=2)  # three authorities of 6,000 people
    >>> plan = propose(atlas, ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2, "E07009002": 1}))
    >>> sorted(plan["ideal"].values()), plan.params.target
    ([3000.0, 3000.0, 6000.0, 6000.0], 4500.0)
    """
    target = float(plan.target)
    ideals = place_ideals(plan)
    if not ideals:
        return dict.fromkeys(plan.neighbourhoods, target)
    if len(ideals) == 1:  # one place (nest "none"): every neighbourhood aims at its ideal
        only = float(next(iter(ideals.values()))["ideal"])
        return dict.fromkeys(plan.neighbourhoods, only)
    places, home = _homes(plan)
    aims = [float(ideals.get(p, {}).get("ideal", target)) if p is not None else target for p in places]
    return {name: aims[home[k]] for name, k in zip(plan.neighbourhoods, plan.live)}


def ideal_places(plan: "Plan") -> dict[str, str | None]:
    """Each neighbourhood's place in a counted plan: the key of ``ideal_sizes`` whose ideal it is measured from
    (``None`` for a neighbourhood in no place, measured from the target); ``{}`` for a plan made for a target.
    A plan file records it (``place``) so that a plan read back is measured as it was written.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> atlas = grid_atlas(6, 2, lad_width=2)
    >>> plan = propose(atlas, ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2, "E07009002": 1}))
    >>> sorted(set(ideal_places(plan).values()))
    ['E07009000', 'E07009001', 'E07009002']
    """
    ideals = place_ideals(plan)
    if not ideals:
        return {}
    if len(ideals) == 1:
        return dict.fromkeys(plan.neighbourhoods, str(next(iter(ideals))))
    places, home = _homes(plan)
    found = [p if p in ideals else None for p in places]
    return {name: found[home[k]] for name, k in zip(plan.neighbourhoods, plan.live)}


def _homes(plan: "Plan") -> tuple[list, np.ndarray]:
    """The places (codes, None last for "in none") and each label's place: the one holding most of its counted
    people (LSOAs) or of its practices' lists (whole practices); ties to the first place in code order."""
    arrays = plan.arrays
    column = NEST_COLUMNS.get(plan.provenance.params.get("nest", "lad"), (None,))[0]
    places, where = _place_index(plan.atlas, arrays, column)
    if plan.built_from == "practices":
        label = np.asarray(plan["practice_label"], dtype=np.int64)
        site = arrays.practice_site
        ok = (label >= 0) & (site >= 0)
        rows, weights = where[site[ok]], arrays.practice_list[ok]
        label = label[ok]
    else:
        label = np.asarray(plan.label_index, dtype=np.int64)
        basis = plan.population_column if plan.population_column in arrays.columns else "resident_population"
        rows, weights = where, arrays.values[:, arrays.column(basis)]
    k = len(places)
    held = np.bincount(label * k + rows, weights=weights, minlength=len(plan.labels) * k)
    held = held.reshape(len(plan.labels), k)
    # A neighbourhood of no counted people (or only unsited practices) is in no place: the last, None, column.
    return places, np.where(held.max(axis=1) > 0, held.argmax(axis=1), k - 1)


_PLACES: dict[tuple[int, str | None], tuple[list, np.ndarray]] = {}


def _place_index(atlas, arrays, column: str | None) -> tuple[list, np.ndarray]:
    """The atlas's places at ``column`` in code order (then None) and each LSOA row's index into them (once per
    atlas)."""
    key = (id(arrays), column)
    if key not in _PLACES:
        lsoas = atlas.lsoas
        codes = (
            lsoas[column].astype(object).where(lsoas[column].notna(), None)
            if column in lsoas.columns
            else pd.Series(None, index=lsoas.index, dtype=object)
        )
        where, uniques = pd.factorize(codes.map(lambda c: None if c is None else str(c)), sort=True)
        places = [*map(str, uniques), None]
        _PLACES[key] = (places, np.where(where < 0, len(places) - 1, where).astype(np.int64))
        weakref.finalize(arrays, _PLACES.pop, key, None)
    return _PLACES[key]
