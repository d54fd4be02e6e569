"""A re-nested plan's units put back from each neighbourhood's unit (:mod:`geo.plan.user_units`): the plan rebuilt on
them is measured as the one that was made, and a move may not cross its units (LSOAs, or practices by their sites)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import PlanError
from geo.plan import Plan
from geo.plan.geography import Geography
from geo.propose import ProposalParams, propose
from geo.propose.renest import renest, renested_plan
from geo.testing import grid_atlas
from geo.plan.user_units import unit_places, with_places


def renested(practices: bool):
    """A counted plan re-nested in made-up units (West = the first three columns of eight, East the rest): of
    LSOAs, or of whole practices sited two columns apart."""
    atlas = grid_atlas(8, 8, lad_width=4, practice_every=2)
    built = {"build_from": "practices", "target": 24_000} if practices else {}
    plan = propose(atlas, ProposalParams(neighbourhoods={"E07009000": 2, "E07009001": 2}, seed=1, **built))
    units = pd.Series(np.where(np.arange(len(atlas.codes)) % 8 < 3, "WEST", "EAST"), index=atlas.codes)
    into = Geography("units.csv", "new units", units, {"WEST": "West", "EAST": "East"})
    return atlas, renested_plan(plan, into, renest(plan, into))


def rebuilt(atlas, plan: Plan) -> Plan:
    """The plan as a store rebuilds it: the plain atlas, the units put back from each neighbourhood's unit."""
    places, practices = unit_places(plan), plan.practice_assignment
    if practices is not None:
        return Plan.from_practices(
            with_places(atlas, places, None, practices), practices, plan.params, provenance=plan.provenance
        )
    return Plan(
        with_places(atlas, places, plan.assignment, None), plan.assignment, plan.params, provenance=plan.provenance
    )


@pytest.mark.parametrize("practices", [False, True])
def test_a_plan_rebuilt_on_its_units_is_measured_as_made(practices):
    atlas, plan = renested(practices)
    assert set(unit_places(plan).values()) == {"WEST", "EAST"}
    again = rebuilt(atlas, plan)
    assert again["ideal"] == plan["ideal"] and again["deviation_pct"] == plan["deviation_pct"]
    for key in ("deviation_from", "max_abs_deviation_pct", "within_tolerance"):
        assert again.summary()[key] == plan.summary()[key], key
    plain = Plan(atlas, plan.assignment, plan.params, provenance=plan.provenance) if not practices else None
    if plain is not None:  # what a store gave before: the area's atlas, without the units
        assert plain.summary()["max_abs_deviation_pct"] != plan.summary()["max_abs_deviation_pct"]


def test_a_plan_of_a_target_or_of_an_areas_places_stores_no_units():
    atlas = grid_atlas(4, 1, lad_width=2)
    assert unit_places(propose(atlas, ProposalParams(target=3000, seed=1))) is None
    assert unit_places(propose(atlas, ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2}))) is None


@pytest.mark.parametrize("practices", [False, True])
def test_a_move_across_units_is_refused_and_one_within_a_unit_kept(practices):
    atlas, plan = renested(practices)
    places = unit_places(plan)
    by_unit = {u: sorted(n for n in places if places[n] == u) for u in ("WEST", "EAST")}
    many, one = sorted(by_unit, key=lambda u: len(by_unit[u]), reverse=True)
    assert len(by_unit[many]) > 1, by_unit
    members = plan.practice_assignment if practices else plan.assignment
    code = str(sorted(members.index[members == by_unit[many][0]])[0])
    move = plan.move_practices if practices else plan.move
    with pytest.raises(PlanError) as raised:
        move({code: by_unit[one][0]})
    assert code in raised.value.message and f"unit {many}" in raised.value.message
    assert raised.value.column == ("practice_code" if practices else "lsoa_code")
    for tried in (rebuilt(atlas, plan), plan):  # the same answer on every worker's plan
        kept = (tried.move_practices if practices else tried.move)({code: by_unit[many][1]})
        assert unit_places(kept)[by_unit[many][1]] == many
