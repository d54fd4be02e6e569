"""Tallies patched from the moved LSOAs equal a full recount, whatever sequence of moves made the plan."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.metrics import REGISTRY
from geo.plan import Plan
from geo.testing import grid_atlas

ATLAS = grid_atlas(4, 4, lad_width=2, practice_every=3, seed=3)
CODES = list(ATLAS.codes)
# Dict-valued metrics keyed by neighbourhood name: comparable between a child and a fresh plan of its assignment.
BY_NAME = [
    "resident_population", "registered_population", "population", "lsoas", "deviation_pct", "core20_pct",
    "core20_population", "mean_imd_score", "local_decile_mix", "lad_codes", "main_lad", "polsby_popper", "parts",
    "cut_edges", "practices", "pcns", "age_bands",
]

moves = st.lists(
    st.dictionaries(st.sampled_from(CODES), st.sampled_from(["A", "B", "C", "D", "new"]), min_size=1, max_size=4),
    min_size=1,
    max_size=12,
)


def _same(x, y):
    if isinstance(x, dict):
        assert x.keys() == y.keys()
        for key in x:
            _same(x[key], y[key])
    elif isinstance(x, float):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-6) or (np.isnan(x) and np.isnan(y))
    else:
        assert x == y


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves)
def test_incremental_metrics_equal_recount(sequence):
    plan = Plan(ATLAS, {c: "ABCD"[i % 4] for i, c in enumerate(CODES)}, target=6000)
    chain = [plan]
    for name in REGISTRY:
        plan[name]
    for step in sequence:
        plan = plan.move(step)
        chain.append(plan)  # keep parents alive so every step is patched, not recounted
        for name in REGISTRY:
            plan[name]
    fresh = Plan(ATLAS, plan.assignment, target=6000)
    for name in BY_NAME:
        _same(plan[name], fresh[name])
    assert set(plan["practice_splits"]) == set(fresh["practice_splits"])
    assert plan["registration_leakage_pct"] == pytest.approx(fresh["registration_leakage_pct"])
    rows = [plan.labels.index(n) for n in plan.neighbourhoods]
    fresh_rows = [fresh.labels.index(n) for n in fresh.neighbourhoods]
    np.testing.assert_allclose(plan["tallies"][rows], fresh["tallies"][fresh_rows], atol=1e-6)
    np.testing.assert_allclose(plan["practice_tallies"][rows], fresh["practice_tallies"][fresh_rows], atol=1e-6)


def test_children_patch_rather_than_recount(monkeypatch):
    calls = {"tallies": 0, "practice_tallies": 0, "shapes": 0}
    for name in calls:
        original = REGISTRY[name].compute

        def counting(plan, _original=original, _name=name):
            calls[_name] += 1
            return _original(plan)

        monkeypatch.setattr(REGISTRY[name], "compute", counting)
    plan = Plan(ATLAS, {c: "ABCD"[i % 4] for i, c in enumerate(CODES)})
    for name in REGISTRY:
        plan[name]
    middle = plan.move({"G0000": "B"})  # never asked for a metric: patched on the way down
    child = middle.move({"G0005": "A"})
    for name in REGISTRY:
        child[name]
    assert calls == {"tallies": 1, "practice_tallies": 1, "shapes": 1}


def test_unchanged_neighbourhood_shapes_are_reused():
    plan = Plan(ATLAS, {c: "ABCD"[i % 4] for i, c in enumerate(CODES)})
    shapes = plan["shapes"]
    child = plan.move({"G0000": "B"})
    untouched = [k for k in child.live if child.labels[k] in {"C", "D"}]
    assert all(child["shapes"][k] is shapes[k] for k in untouched)
