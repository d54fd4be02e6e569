"""Plans on the real Leicester, Leicestershire and Rutland atlas (QK1): what a planner would check first."""

from __future__ import annotations

import pytest

from geo.metrics import plan_metrics
from geo.plan import Plan
from geo.plan.io import read_plan, write_plan
from geo.testing.plans import assert_plan_equal

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def qk1(data_dir):
    from geo.atlas import load_atlas

    return load_atlas("QK1", data_dir=data_dir)


@pytest.fixture(scope="module")
def by_lad(qk1):
    return Plan(qk1, qk1.lsoas["lad_name"], target=50_000, name="one per LAD")


def test_one_neighbourhood_per_local_authority(qk1, by_lad):
    s = by_lad.summary()
    assert s["neighbourhoods"] == qk1.lsoas.lad_code.nunique() == 9
    assert s["la_crossings"] == 0 and s["contiguous"] is True
    assert s["population"] == qk1.lsoas.resident_population.sum()
    # Rutland (about 41,000 people) is too small for a 50,000 +-10% neighbourhood: reported, not failed.
    assert "Rutland" in s["constrained"]
    assert "Rutland" not in {n for v in by_lad.validate() for n in v.neighbourhoods}
    assert 0 < s["mean_polsby_popper"] < 1


def test_a_move_on_real_boundaries_equals_a_recount(qk1, by_lad):
    for name in plan_metrics():
        by_lad[name]
    edge = next(e for e in qk1.edges() if qk1.lsoas.lad_name.iloc[e[0]] != qk1.lsoas.lad_name.iloc[e[1]])
    code, into = qk1.codes[edge[0]], qk1.lsoas.lad_name.iloc[edge[1]]
    moved = by_lad.move({code: into})
    fresh = Plan(qk1, moved.assignment, target=50_000)
    for name in ("population", "registered_population", "polsby_popper", "parts", "core20_pct"):
        assert moved[name] == pytest.approx(fresh[name])
    assert moved["lad_codes"] == fresh["lad_codes"]
    assert moved.summary()["la_crossings"] == 1


def test_geopackage_round_trip(tmp_path, qk1, by_lad):
    again = Plan(qk1, read_plan(write_plan(by_lad, tmp_path / "lads.gpkg"), qk1), target=50_000, name="one per LAD")
    assert_plan_equal(by_lad, again)
