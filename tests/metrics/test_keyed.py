"""Per-neighbourhood figures of a plan and another layer (coterminosity with a geography, UEC load of a hotspot
layer) are registered metrics: computed once per plan and layer, equal to an independent recount, and the value
every output reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.hotspots import by_neighbourhood, find_hotspots
from geo.metrics import REGISTRY, plan_metrics
from geo.plan import Plan
from geo.plan.coterminosity import align_all, coterminosity
from geo.plan.geography import geography
from geo.testing import grid_atlas
from geo.uec import read_uec_extract, synthetic_extract, write_extract

ATLAS = grid_atlas(6, 6, lad_width=3)


def _plan(**kwargs) -> Plan:
    return Plan(
        ATLAS,
        {c: ("N" if int(c[1:]) < 18 else "S") + ("W" if int(c[1:]) % 6 < 4 else "E") for c in ATLAS.codes},
        **kwargs,
    )


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    path = tmp_path_factory.mktemp("uec") / "extract.csv"
    write_extract(synthetic_extract(ATLAS, seed=5), path)
    return find_hotspots(ATLAS, read_uec_extract(path, ATLAS))


def _count_computes(monkeypatch, name) -> list:
    calls = []
    original = REGISTRY[name].compute

    def counting(plan, of):
        calls.append(of)
        return original(plan, of)

    monkeypatch.setattr(REGISTRY[name], "compute", counting)
    return calls


def test_the_figures_are_in_the_registry_and_keyed_ones_need_their_layer():
    assert {"coterminosity", "uec", "ethnicity", "practice_shares"} <= set(REGISTRY)
    assert "coterminosity" not in plan_metrics() and "ethnicity" in plan_metrics()
    with pytest.raises(KeyError, match="plan.metric"):
        _plan()["coterminosity"]
    with pytest.raises(TypeError):
        _plan().metric("population", "wards")


def test_coterminosity_is_computed_once_per_plan_and_built_in_geography(monkeypatch):
    calls = _count_computes(monkeypatch, "coterminosity")
    plan = _plan()
    first = coterminosity(plan, "las")
    assert coterminosity(plan, "las") is first and align_all(plan, "las")[0] is first
    assert plan.metric("coterminosity", geography(ATLAS, "las")) is first
    assert len(calls) == 1
    # A child is another plan: its own value, counted once.
    child = plan.move({"G0003": "NW"})
    assert coterminosity(child, "las") is not first and len(calls) == 2


def test_a_files_geography_is_cached_by_the_object_not_by_its_name(monkeypatch):
    calls = _count_computes(monkeypatch, "coterminosity")
    plan = _plan()
    west = ATLAS.lsoas.lad_code.map({"E07009000": "X", "E07009001": "Y"})
    one = geography(ATLAS, "las").__class__("mine.csv", "units of mine.csv", west.rename("unit"), {})
    other = one.__class__("mine.csv", "units of mine.csv", pd.Series("Z", index=ATLAS.codes, name="unit"), {})
    a, b = plan.metric("coterminosity", one), plan.metric("coterminosity", other)
    assert a.index == pytest.approx(coterminosity(plan, "las").index) and b.index == 1.0  # one unit holds all
    assert plan.metric("coterminosity", one) is a and len(calls) == 3


def test_uec_sums_equal_a_recount_and_are_computed_once(monkeypatch, result):
    calls = _count_computes(monkeypatch, "uec")
    plan = _plan(population="registered")
    exact = by_neighbourhood(result, plan, suppressed=False)
    published = by_neighbourhood(result, plan)
    assert len(calls) == 1
    frame = result.frame.assign(hood=plan.assignment.reindex(result.frame.index))
    recount = frame.groupby("hood").attendances.sum()
    np.testing.assert_allclose(exact.attendances.to_numpy(), recount.reindex(exact.index).to_numpy())
    # The population is the plan's own counted one (its basis), exact inside and published at the edge.
    registered = ATLAS.lsoas.registered_population.groupby(plan.assignment).sum()
    np.testing.assert_allclose(exact.population.to_numpy(), registered.reindex(exact.index).to_numpy())
    assert published.population.tolist() == [r["population"] for r in plan.neighbourhood_table().to_dict("records")]
    np.testing.assert_allclose(exact.rate_per_1000, 1000 * recount.reindex(exact.index) / exact.population)


def test_ethnicity_and_practice_shares_equal_a_recount():
    atlas = grid_atlas(4, 4)
    rng = np.random.default_rng(1)
    from geo.atlas.model import ETHNICITY_COLUMNS

    for column in ETHNICITY_COLUMNS:
        atlas.lsoas[column] = rng.integers(0, 500, len(atlas.lsoas)).astype(float)
    plan = Plan(atlas, dict(zip(atlas.codes, ["A"] * 5 + ["B"] * 11)))
    expected = atlas.lsoas[ETHNICITY_COLUMNS].groupby(plan.assignment).sum()
    pd.testing.assert_frame_equal(plan["ethnicity"], expected.rename_axis(None), check_names=False)
    reg = atlas.registrations.assign(hood=atlas.registrations.lsoa_code.map(plan.assignment))
    patients = reg.groupby(["hood", "practice_code"]).patients.sum().unstack(fill_value=0.0)
    shares = patients.div(atlas.practices.list_size.astype(float), axis=1)
    got = plan["practice_shares"]
    np.testing.assert_allclose(got.to_numpy(), shares.reindex(index=got.index, columns=got.columns).fillna(0.0))
    listed = Plan.from_practices(atlas, dict(zip(atlas.practices.index, "ABAB")), target=12_000)
    assert listed["practice_shares"].to_dict("index") == {
        "A": dict(zip(atlas.practices.index, [1.0, 0.0, 1.0, 0.0])),
        "B": dict(zip(atlas.practices.index, [0.0, 1.0, 0.0, 1.0])),
    }
