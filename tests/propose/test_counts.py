"""How many, not only how big: a count for the whole area or per place, and a size band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.errors import PlanError
from geo.propose import ProposalParams, propose
from geo.propose.counts import apportion, parse_counts, place_counts, place_deviation
from geo.testing import grid_atlas


@pytest.fixture(scope="module")
def grid():
    pop = np.random.default_rng(7).integers(1000, 2000, 144)
    return grid_atlas(12, 12, lad_width=4, population=pop)


def per_place(plan) -> dict:
    lsoas = plan.atlas.lsoas
    frame = pd.DataFrame({"n": plan.assignment, "lad": lsoas.lad_code})
    assert (frame.groupby("n").lad.nunique() == 1).all()
    return frame.drop_duplicates("n").lad.value_counts().sort_index().to_dict()


def test_apportion_is_largest_remainder_with_at_least_one_each():
    rng = np.random.default_rng(1)
    for _ in range(200):
        w = rng.integers(1, 1000, rng.integers(1, 9))
        n = int(rng.integers(len(w), 40))
        parts = apportion(n, w)
        assert parts.sum() == n and (parts >= 1).all()
        order = np.argsort(w, kind="stable")  # more people never get fewer neighbourhoods
        assert (np.diff(parts[order]) >= 0).all() or len(set(w)) < len(w)
        quota = n * w / w.sum()
        if (quota >= 1).all():  # no place lifted to one: plain largest remainder, within one of the quota
            assert (np.abs(parts - quota) < 1).all()
    assert apportion(12, [368_558, 712_353, 41_043]).tolist() == [4, 7, 1]


def test_a_count_for_the_whole_area_and_each_place_ideal(grid):
    plan = propose(grid, ProposalParams(neighbourhoods=7, seed=1))
    assert len(plan.neighbourhoods) == 7
    ideals = plan.provenance.params["ideal_sizes"]
    assert sum(v["neighbourhoods"] for v in ideals.values()) == 7
    for lad, k in per_place(plan).items():
        pop = grid.lsoas.resident_population[grid.lsoas.lad_code == lad].sum()
        assert ideals[lad]["neighbourhoods"] == k and ideals[lad]["ideal"] == pytest.approx(pop / k)
    assert plan.params.target == pytest.approx(grid.lsoas.resident_population.sum() / 7, abs=1)
    assert place_deviation(plan).abs().max() <= plan.tolerance


def test_a_count_per_place(grid):
    counts = {"E07009000": 1, "E07009001": 3, "E07009002": 2}
    plan = propose(grid, ProposalParams(neighbourhoods=counts, seed=1))
    assert per_place(plan) == counts
    with pytest.raises(PlanError, match="missing Grid District 2 \\(E07009002\\); unknown E0700XXXX"):
        propose(grid, ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 3, "E0700XXXX": 2}))
    with pytest.raises(PlanError, match="cannot give each of the 3 places"):
        propose(grid, ProposalParams(neighbourhoods=2))
    with pytest.raises(PlanError, match="cannot have 49"):
        propose(grid, ProposalParams(neighbourhoods={"E07009000": 49, "E07009001": 3, "E07009002": 2}))


def test_parse_and_bad_counts():
    assert parse_counts("3") == 3 and parse_counts("A=1,B=2") == {"A": 1, "B": 2}
    for bad in ("three", "A=1,B", "A=x", "A=1,A=2"):
        with pytest.raises(PlanError):
            parse_counts(bad)
    with pytest.raises(PlanError, match="number of neighbourhoods"):
        ProposalParams(neighbourhoods=0)
    with pytest.raises(PlanError, match="not yet taken for practices"):
        ProposalParams(build_from="practices", neighbourhoods=3)
    pops = pd.Series({"A": 10.0, "B": 20.0})
    with pytest.raises(PlanError, match="more than the area's 3 building blocks"):
        place_counts(pops, 4, capacity=pd.Series({"A": 1, "B": 2}))


def test_a_size_band_instead_of_target_and_tolerance(grid):
    params = ProposalParams(min_size=30_000, max_size=40_000, seed=1)
    assert params.band == pytest.approx((30_000, 40_000))
    plan = propose(grid, params)
    assert all(30_000 <= p <= 40_000 for p in plan["population"].values())
    for bad in (
        {"min_size": 40_000, "max_size": 30_000},
        {"min_size": 30_000},
        {"min_size": 1, "max_size": 2, "neighbourhoods": 3},
    ):
        with pytest.raises(PlanError):
            ProposalParams(**bad)


def test_the_api_body_takes_the_new_fields():
    from api.schemas import ProposalParamsBody

    body = ProposalParamsBody(build_from="msoas", neighbourhoods={"E06000016": 4}, min_size=None)
    assert body.neighbourhoods == {"E06000016": 4}
    with pytest.raises(Exception):
        ProposalParamsBody(neighbourhoods={"E06000016": 0})


@pytest.mark.realdata
def test_llr_twelve_and_per_place(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("QK1", data_dir=data_dir)
    plan = propose(atlas, ProposalParams(neighbourhoods=12, nest="utla", build_from="msoas", seed=1))
    assert len(plan.neighbourhoods) == 12 and plan.summary()["contiguous"]
    ideals = plan.provenance.params["ideal_sizes"]
    assert {p: v["neighbourhoods"] for p, v in ideals.items()} == {"E06000016": 4, "E06000017": 1, "E10000018": 7}
    counts = {"E06000016": 3, "E06000017": 1, "E10000018": 8}
    plan = propose(atlas, ProposalParams(neighbourhoods=counts, nest="utla", seed=1))
    frame = pd.DataFrame({"n": plan.assignment, "p": atlas.lsoas.utla_code})
    assert (frame.groupby("n").p.nunique() == 1).all()
    assert frame.drop_duplicates("n").p.value_counts().to_dict() == {"E10000018": 8, "E06000016": 3, "E06000017": 1}
    assert place_deviation(plan).abs().max() <= 0.10
