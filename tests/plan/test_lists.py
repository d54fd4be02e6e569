"""List-based plans: whole practices, their lists, the place footprint they imply, and how list and place align.

The grid is 6 x 6 cells of 1,500 residents in two authorities (``tests/api/conftest.py`` draws it); its practices'
patients spread over neighbouring cells, so lists and footprints differ as they do in real areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import PlanError
from geo.plan import Plan
from geo.plan.io import load_plan, write_plan
from geo.testing import grid_atlas


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(6, 6, lad_width=3)


def halves(atlas) -> dict[str, str]:
    """Practices west of the authority boundary in W, the rest in E."""
    x = atlas.practices.geometry.x
    return {code: ("W" if x[code] < x.median() else "E") for code in atlas.practices.index}


def test_list_population_is_the_sum_of_the_practices_lists(atlas):
    plan = Plan.from_practices(atlas, halves(atlas), target=20_000)
    lists = atlas.registrations.groupby("practice_code").patients.sum()
    expected = {
        hood: float(lists.reindex([c for c, h in halves(atlas).items() if h == hood]).sum()) for hood in ("E", "W")
    }
    assert plan["list_population"] == pytest.approx(expected)
    assert plan["population"] == plan["list_population"] and plan.population == "list"
    # Reconciliation: every listed patient lives in one footprint or outside the neighbourhood's own one.
    for hood, listed in plan["list_population"].items():
        assert plan["own_patients"][hood] + plan["patients_from_outside"][hood] == pytest.approx(listed)


def test_each_lsoa_joins_the_neighbourhood_whose_practices_hold_most_of_its_patients(atlas):
    practices = halves(atlas)
    plan = Plan.from_practices(atlas, practices, target=20_000)
    reg = atlas.registrations.assign(hood=atlas.registrations.practice_code.map(practices))
    most = reg.groupby(["lsoa_code", "hood"]).patients.sum().unstack(fill_value=0).idxmax(axis=1)
    # Every LSOA of the grid has registered residents and no footprint has a detached part to repair.
    assert plan.provenance.footprint == ()
    assert plan.assignment.reindex(most.index).equals(most.rename("neighbourhood"))
    assert plan["contiguous"]


def test_alignment_recounted_from_the_registrations(atlas):
    for plan in (
        Plan.from_practices(atlas, halves(atlas), target=20_000),
        Plan(atlas, atlas.lsoas.lad_code.to_dict(), target=27_000),
    ):
        own = plan["practice_label"]
        label_of_practice = {code: plan.labels[k] for code, k in zip(plan.arrays.practice_codes, own) if k >= 0}
        reg = atlas.registrations.assign(
            hood=atlas.registrations.lsoa_code.map(plan.assignment),
            practice_hood=atlas.registrations.practice_code.map(label_of_practice),
        )
        aligned = reg.patients[reg.hood == reg.practice_hood].sum() / reg.patients.sum()
        assert plan["alignment_pct"] == pytest.approx(100 * aligned)
        # Published as a whole percent (geo.disclosure.publish_share), so it cannot give back a small count.
        assert plan.summary()["alignment_pct"] == round(100 * aligned)


def test_moving_a_practice_gives_the_same_figures_as_building_afresh(atlas):
    practices = halves(atlas)
    plan = Plan.from_practices(atlas, practices, target=20_000)
    _ = plan.summary()  # cache the parent's metrics so the child patches them
    code = next(c for c, h in practices.items() if h == "W")
    child = plan.move_practices({code: "E"})
    fresh = Plan.from_practices(atlas, {**practices, code: "E"}, target=20_000)
    assert child.parent is plan and child.practice_assignment[code] == "E"
    for metric in ("population", "list_population", "resident_population", "alignment", "core20_pct", "parts"):
        assert child[metric] == pytest.approx(fresh[metric]), metric
    with pytest.raises(PlanError, match="move practices, not LSOAs"):
        plan.move({atlas.codes[0]: "E"})


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda p: {**p, "Y99999": "E"}, "not an open practice of the study area"),
        (lambda p: dict(list(p.items())[1:]), "missing from the plan"),
        (lambda p: {**p, next(iter(p)): " "}, "has no neighbourhood name"),
    ],
)
def test_bad_practice_assignments_are_refused(atlas, change, words):
    with pytest.raises(PlanError, match=words):
        Plan.from_practices(atlas, change(halves(atlas)), target=20_000)


def test_practice_plan_files_round_trip_and_bad_rows_are_named(atlas, tmp_path):
    plan = Plan.from_practices(atlas, halves(atlas), target=20_000)
    path = write_plan(plan, tmp_path / "practices.csv")
    assert path.read_text().splitlines()[0] == "practice_code,neighbourhood,population_basis,target,tolerance"
    again = load_plan(path, atlas, target=20_000)
    assert again.built_from == "practices" and again.practice_assignment.equals(plan.practice_assignment)
    assert again.assignment.equals(plan.assignment)
    lines = path.read_text().splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines, lines[1]]) + "\n")  # the first practice again, in the last row
    with pytest.raises(PlanError) as error:
        load_plan(bad, atlas, target=20_000)
    assert error.value.row == len(lines) and error.value.column == "practice_code"
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("\n".join([lines[0], "Q12345,E", *lines[1:]]) + "\n")
    with pytest.raises(PlanError) as error:
        load_plan(unknown, atlas, target=20_000)
    assert error.value.row == 1 and "Q12345" in error.value.message


def test_an_lsoa_plan_reports_each_practices_share_at_home(atlas):
    plan = Plan(atlas, atlas.lsoas.lad_code.to_dict(), target=27_000)
    shares = plan["practice_home_share"]
    assert set(shares) == set(atlas.practices.index[atlas.practices.in_area])
    assert all(0 < s <= 1 for s in shares.values())
    q = plan.summary()["practice_home_share"]
    assert "min" not in q  # one practice's share, with its public list size, would give a count back
    assert q["p10"] <= q["p25"] <= q["median"] <= 100
    assert q["median"] == round(100 * float(np.median(list(shares.values()))))


def test_a_practice_with_no_registered_patients_is_left_out_and_listed(atlas):
    import dataclasses

    empty = atlas.practices.iloc[[0]].copy()
    empty.index = ["Y99999"]
    empty["list_size"] = 0
    opened = dataclasses.replace(atlas, practices=pd.concat([atlas.practices, empty]))
    practices = {**halves(atlas), "Y99999": "E"}
    plan = Plan.from_practices(opened, practices, target=20_000)
    assert "Y99999" not in plan.practice_assignment.index
    assert any("Y99999" in note for note in plan.provenance.footprint)
    # Not required either: the plan without it is complete.
    assert Plan.from_practices(opened, halves(atlas), target=20_000).practice_assignment.equals(
        plan.practice_assignment
    )


def test_a_practice_moved_to_a_new_name_follows_the_name_rule(atlas):
    plan = Plan.from_practices(atlas, halves(atlas), target=20_000)
    code = next(iter(halves(atlas)))
    with pytest.raises(PlanError, match="formula"):
        plan.move_practices({code: "=HYPERLINK(\"http://evil.example\")"})
    assert plan.move_practices({code: "Abbey"}).practice_assignment[code] == "Abbey"
