"""Plans as values: building one checks it against the atlas, moves give children, metrics read like a planner's."""

from __future__ import annotations

import json
import math

import pytest

from geo.testing.disclosure import assert_no_small_counts
from geo.errors import PlanError
from geo.metrics import plan_metrics
from geo.plan import Plan
from geo.testing import grid_atlas
from geo.testing.plans import assert_plan_equal


def test_populations_and_deviation_of_west_east(west_east):
    table = west_east.neighbourhood_table().set_index("name")
    assert west_east.neighbourhoods == ["E", "W"]
    assert table.loc["W", "resident_population"] == 4500
    assert table.loc["E", "population"] == 9000
    assert table.loc["W", "deviation"] == -2250
    assert table.loc["E", "deviation_pct"] == pytest.approx(100 * 2250 / 6750)
    assert table.loc["W", "lsoas"] == 3 and table.loc["E", "lsoas"] == 6


def test_shape_metrics_of_west_east(west_east):
    table = west_east.neighbourhood_table().set_index("name")
    # W is a 1 x 3 km strip, E a 2 x 3 km block.
    assert table.loc["W", "polsby_popper"] == pytest.approx(4 * math.pi * 3e6 / 8000**2)
    assert table.loc["E", "polsby_popper"] == pytest.approx(4 * math.pi * 6e6 / 10000**2)
    # Queen contiguity: 3 shared sides and 4 shared corners cross the W|E line.
    assert table.loc["W", "cut_edges"] == 7 and west_east.summary()["cut_edges"] == 7
    assert list(table["parts"]) == [1, 1]


def test_summary_of_west_east(west_east):
    s = west_east.summary()
    assert s["neighbourhoods"] == 2 and s["population_basis"] == "resident"
    assert s["max_abs_deviation_pct"] == pytest.approx(100 / 3)
    assert s["within_5_pct"] == 0.0 and s["within_10_pct"] == 0.0
    assert s["contiguous"] is True and s["la_crossings"] == 0
    assert s["constrained"] == []


def test_move_returns_child_and_leaves_parent_alone(west_east):
    child = west_east.move({"G0001": "W", "G0004": "W"})
    assert west_east["population"] == {"E": 9000, "W": 4500}
    assert child["population"] == {"E": 6000, "W": 7500}
    assert child.parent is west_east and child.moved == {"G0001": "W", "G0004": "W"}
    assert child.assignment["G0004"] == "W" and west_east.assignment["G0004"] == "E"


def test_move_to_new_label_creates_and_emptying_removes_a_neighbourhood(west_east):
    child = west_east.move({"G0002": "S"})
    assert child.neighbourhoods == ["E", "S", "W"] and child["population"]["S"] == 1500
    gone = child.move({code: "E" for code in ("G0000", "G0003", "G0006")})
    assert gone.neighbourhoods == ["E", "S"]
    assert gone.summary()["neighbourhoods"] == 2


def test_move_breaking_contiguity_is_seen(west_east):
    child = west_east.move({"G0003": "E"})  # W keeps only the corners G0000 and G0006
    assert child["parts"]["W"] == 2 and child.summary()["contiguous"] is False
    assert child.summary()["non_contiguous"] == ["W"]


@pytest.mark.parametrize(
    "moves, column",
    [({"X9999": "W"}, "lsoa_code"), ({"G0001": ""}, "neighbourhood"), ({"G0001": None}, "neighbourhood")],
)
def test_bad_moves_raise_plan_error(west_east, moves, column):
    with pytest.raises(PlanError) as error:
        west_east.move(moves)
    assert error.value.column == column


@pytest.mark.parametrize(
    "assignment, words",
    [
        ({}, "assigns no LSOAs"),
        ({"G0000": "A"}, "missing from the plan"),
        ({**{f"G000{i}": "A" for i in range(9)}, "E01000001": "A"}, "not in the study area"),
        ({**{f"G000{i}": "A" for i in range(8)}, "G0008": " "}, "no neighbourhood name"),
    ],
)
def test_assignments_that_do_not_cover_the_area_are_refused(grid3, assignment, words):
    with pytest.raises(PlanError, match=words):
        Plan(grid3, assignment)


@pytest.mark.parametrize(
    "kwargs, column",
    [
        ({"target": 0}, "target"),
        ({"target": -5}, "target"),
        ({"tolerance": 1.5}, "tolerance"),
        ({"population": "workday"}, "population"),
    ],
)
def test_bad_parameters_raise_plan_error(grid3, kwargs, column):
    with pytest.raises(PlanError) as error:
        Plan(grid3, dict.fromkeys(grid3.codes, "A"), **kwargs)
    assert error.value.column == column


def test_registered_basis_counts_registered_population(grid3):
    plan = Plan(grid3, dict.fromkeys(grid3.codes, "A"), population="registered", target=13000)
    assert plan["population"]["A"] == pytest.approx(grid3.lsoas.registered_population.sum())
    assert plan["population"]["A"] < 13500  # registrations in the grid are a little below residents


def test_unknown_metric_names_the_known_ones(west_east):
    with pytest.raises(KeyError, match="polsby_popper"):
        west_east["polsby"]


def test_metrics_are_cached(west_east):
    assert west_east["shapes"] is west_east["shapes"]


def test_to_dict_is_json_with_sources_and_no_small_counts(west_east):
    doc = west_east.to_dict()
    text = json.dumps(doc)
    assert doc["plan"]["neighbourhoods"] == 2
    assert {"name", "resident_population", "registered_population", "lsoas"} <= doc["neighbourhoods"][0].keys()
    assert "Synthetic test grid" in doc["sources"]["note"]
    assert [v["constraint"] for v in doc["violations"]] == ["population", "population"]
    assert_no_small_counts(json.loads(text))


def test_plan_from_parent_via_constructor_equals_move(west_east):
    moved = west_east.move({"G0001": "W"})
    built = Plan(west_east.atlas, moved.assignment, target=6750, parent=west_east, moved={"G0001": "W"})
    assert_plan_equal(moved, built)
    for name in plan_metrics():
        assert type(moved[name]) is type(built[name])


def test_children_do_not_keep_ancestors_alive():
    import gc

    atlas = grid_atlas(2, 1)
    plan = Plan(atlas, {"G0000": "A", "G0001": "A"})
    child = plan.move({"G0001": "B"})
    del plan
    gc.collect()
    assert child.parent is None and child["population"] == {"A": 1500, "B": 1500}


def test_plans_pickle_for_worker_processes(west_east):
    import pickle

    child = west_east.move({"G0001": "W"})
    child["tallies"]
    copy = pickle.loads(pickle.dumps(child))
    assert copy.parent is None
    assert_plan_equal(child, copy)
