"""Comparing plans: moved LSOAs, renamed neighbourhoods matched by shared population, metric deltas."""

from __future__ import annotations

import pytest

from geo.plan.compare import compare_plans, match_neighbourhoods
from geo.errors import PlanError
from geo.plan import Plan
from geo.testing import grid_atlas


def test_a_plan_compared_with_itself_has_no_differences(west_east):
    diff = compare_plans(west_east, west_east)
    assert diff["lsoas_moved"] == 0 and diff["moved"] == []
    assert all(m["delta"] in (0, 0.0, None) for m in diff["metrics"].values())


def test_renamed_plan_is_matched_not_moved(grid3, west_east):
    renamed = Plan(grid3, west_east.assignment.map({"W": "Coalville", "E": "Ashby"}), target=6750)
    assert match_neighbourhoods(west_east, renamed) == {"E": "Ashby", "W": "Coalville"}
    assert compare_plans(west_east, renamed)["lsoas_moved"] == 0


def test_moved_lsoas_population_and_deltas(west_east):
    after = west_east.move({"G0001": "W", "G0004": "W"})  # W 7,500 and E 6,000 against 6,750
    diff = compare_plans(west_east, after)
    assert diff["lsoas_moved"] == 2 and diff["population_moved"] == 3000
    assert {m["lsoa_code"] for m in diff["moved"]} == {"G0001", "G0004"}
    dev = diff["metrics"]["max_abs_deviation_pct"]
    assert dev["a"] == pytest.approx(100 / 3) and dev["b"] == pytest.approx(100 * 750 / 6750)
    assert dev["delta"] == pytest.approx(dev["b"] - dev["a"])
    pair = next(p for p in diff["neighbourhoods"] if p["a"] == "W")
    assert (pair["b"], pair["population_a"], pair["population_b"]) == ("W", 4500, 7500)


def test_extra_neighbourhood_in_b_is_listed(west_east):
    diff = compare_plans(west_east, west_east.move({"G0008": "North"}))
    assert {"a": None, "b": "North"}.items() <= next(p for p in diff["neighbourhoods"] if p["b"] == "North").items()


def test_plans_of_different_areas_are_refused(west_east):
    other = grid_atlas(2, 1)
    with pytest.raises(PlanError, match="different LSOAs"):
        compare_plans(west_east, Plan(other, dict.fromkeys(other.codes, "A")))


def test_each_neighbourhood_says_what_left_and_joined_it(west_east):
    after = west_east.move({"G0001": "W", "G0004": "W"})
    diff = compare_plans(west_east, after)
    pairs = {p["a"]: p for p in diff["neighbourhoods"]}
    lsoas = west_east.atlas.lsoas.resident_population
    # an independent recount: the moved LSOAs' residents, counted from the atlas
    assert pairs["E"]["lsoas_out"] == 2 and pairs["E"]["population_out"] == lsoas[["G0001", "G0004"]].sum()
    assert pairs["W"]["lsoas_in"] == 2 and pairs["W"]["population_in"] == pairs["E"]["population_out"]
    assert (pairs["W"]["lsoas_out"], pairs["E"]["lsoas_in"]) == (0, 0)
    assert pairs["W"]["changed"] and pairs["E"]["changed"] and diff["neighbourhoods_changed"] == 2
    unchanged = compare_plans(west_east, west_east)
    assert unchanged["neighbourhoods_changed"] == 0 and not any(p["changed"] for p in unchanged["neighbourhoods"])


def test_a_new_neighbourhood_is_a_change_with_everything_joining_it(west_east):
    diff = compare_plans(west_east, west_east.move({"G0008": "North"}))
    north = next(p for p in diff["neighbourhoods"] if p["b"] == "North")
    assert north["changed"] and north["lsoas_in"] == 1 and north["lsoas_out"] == 0


def test_every_pct_is_a_percentage_not_a_fraction(west_east):
    atlas = west_east.atlas
    at_target = Plan(atlas, dict.fromkeys(atlas.codes, "All"), target=int(atlas.lsoas.resident_population.sum()))
    diff = compare_plans(at_target, at_target.move({"G0001": "New"}))
    metrics = diff["metrics"]
    assert metrics["within_5_pct"]["a"] == 100.0 and metrics["within_10_pct"]["a"] == 100.0
    assert metrics["within_tolerance_pct"]["a"] == 100.0 and "within_tolerance" not in metrics
    shares = [v for k, m in metrics.items() if k.endswith("_pct") for v in (m["a"], m["b"]) if v is not None]
    assert all(0 <= v <= 100 for v in shares) and any(v > 1 for v in shares)
