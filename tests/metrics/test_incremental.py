"""Metrics patched from the moved LSOAs equal a full recount, whatever sequence of moves made the plan.

Polsby-Popper is patched from shared boundary lengths, so it is checked against shapely's dissolve of the same
neighbourhoods, on the synthetic grid and on real LSOA boundaries (QK1).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.metrics import REGISTRY, plan_metrics
from geo.metrics import edit
from geo.metrics.edit import PATCHED
from geo.plan import Plan
from geo.testing import grid_atlas

ATLAS = grid_atlas(4, 4, lad_width=2, practice_every=3, seed=3)
CODES = list(ATLAS.codes)
# Dict-valued metrics keyed by neighbourhood name: comparable between a child and a fresh plan of its assignment.
BY_NAME = [
    "resident_population",
    "registered_population",
    "population",
    "lsoas",
    "deviation_pct",
    "core20_pct",
    "core20_population",
    "mean_imd_score",
    "local_decile_mix",
    "lad_codes",
    "main_lad",
    "polsby_popper",
    "parts",
    "cut_edges",
    "practices",
    "pcns",
    "age_bands",
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
    for name in plan_metrics():
        plan[name]
    for step in sequence:
        plan = plan.move(step)
        chain.append(plan)  # keep parents alive so every step is patched, not recounted
        for name in plan_metrics():
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
    # Arrays in atlas order (edges, LSOAs, practices) are exactly a recount's.
    np.testing.assert_array_equal(plan["cut"], fresh["cut"])
    np.testing.assert_array_equal(plan["components"], fresh["components"])
    home = plan["practice_home"]
    np.testing.assert_array_equal(
        np.array(plan.labels + ["-"], dtype=object)[home],
        np.array(fresh.labels + ["-"], dtype=object)[fresh["practice_home"]],
    )
    np.testing.assert_allclose(plan["perimeter_by_label"][rows], fresh["perimeter_by_label"][fresh_rows], rtol=1e-9)
    np.testing.assert_array_equal(plan["practice_split_mask"], fresh["practice_split_mask"])
    np.testing.assert_allclose(plan["practice_home_patients"], fresh["practice_home_patients"], atol=1e-6)
    assert_compactness_is_dissolved(plan)
    # Every figure of the summary, which is what an edit re-reads.
    _same({**plan.summary(), "name": None}, {**fresh.summary(), "name": None})


def _assert_patched_equals_recount(plan: Plan, target: float) -> None:
    """Every patched figure of ``plan`` equals that of a plan of the same assignment counted from scratch."""
    fresh = Plan(plan.atlas, plan.assignment, target=target)
    for name in BY_NAME:
        _same(plan[name], fresh[name])
    rows = [plan.labels.index(n) for n in plan.neighbourhoods]
    fresh_rows = [fresh.labels.index(n) for n in fresh.neighbourhoods]
    np.testing.assert_array_equal(plan["cut"], fresh["cut"])
    np.testing.assert_array_equal(plan["components"], fresh["components"])
    np.testing.assert_allclose(plan["perimeter_by_label"][rows], fresh["perimeter_by_label"][fresh_rows], rtol=1e-9)
    np.testing.assert_allclose(plan["practice_tallies"][rows], fresh["practice_tallies"][fresh_rows], atol=1e-6)
    names = np.array(plan.labels + ["-"], dtype=object)
    fresh_names = np.array(fresh.labels + ["-"], dtype=object)
    np.testing.assert_array_equal(names[plan["practice_home"]], fresh_names[fresh["practice_home"]])
    np.testing.assert_array_equal(names[plan["practice_label"]], fresh_names[fresh["practice_label"]])
    np.testing.assert_allclose(plan["practice_home_patients"], fresh["practice_home_patients"], atol=1e-6)
    np.testing.assert_array_equal(plan["practice_split_mask"], fresh["practice_split_mask"])
    for name in ("own_patients", "list_population", "practice_home_share_quantiles", "local_authorities"):
        _same(plan[name], fresh[name])
    # The LA count (one compiled pass over the tallies) is the number of LAs the neighbourhood is said to span.
    assert plan["local_authorities"] == {name: len(lads) for name, lads in plan["lad_codes"].items()}
    _same({**plan.summary(), "name": None}, {**fresh.summary(), "name": None})


GRID = grid_atlas(6, 6, lad_width=3, practice_every=2, seed=5)
GRID_CODES = list(GRID.codes)
single_moves = st.lists(
    st.tuples(st.sampled_from(GRID_CODES), st.sampled_from(["A", "B", "C", "D", "E"])), min_size=1, max_size=40
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_moves)
def test_single_lsoa_moves_patched_equal_recount(sequence):
    # One LSOA at a time (the compiled single-row patches: parts that split and merge, practices changing home,
    # neighbourhoods emptied and refilled), each step patched from its parent, then compared with a recount.
    plan = Plan(GRID, {c: "ABCD"[(i % 6) // 3 + 2 * (i // 18)] for i, c in enumerate(GRID_CODES)}, target=9000)
    plan.summary()
    chain = [plan]
    for code, label in sequence:
        if plan.assignment[code] == label:
            continue
        plan = plan.move({code: label})
        chain.append(plan)
        plan.summary()
    _assert_patched_equals_recount(plan, 9000)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_moves)
def test_one_row_edit_patches_exactly_as_each_metric_alone(sequence):
    # geo.metrics.edit works out the nine arrays of a one-LSOA edit in one call: the same arrays, bit for bit, as
    # each metric's own updater gives from the same parent when that path is not taken.
    plan = Plan(GRID, {c: "ABCD"[(i % 6) // 3 + 2 * (i // 18)] for i, c in enumerate(GRID_CODES)}, target=9000)
    chain = [plan]
    for code, label in sequence:
        if plan.assignment[code] == label:
            continue
        plan.summary()  # the parent holds all nine arrays
        together = plan.move({code: label})
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(edit, "_worked_out", lambda plan: None)
            alone = plan.move({code: label})
            arrays = {name: np.asarray(alone[name]) for name in PATCHED}
        if label in plan.labels:  # a new neighbourhood grows the tables: patched one metric at a time
            assert edit.one_row_edit(together) is not None
        for name in PATCHED:
            np.testing.assert_array_equal(np.asarray(together[name]), arrays[name], err_msg=name)
        plan = together
        chain.append(plan)


def test_a_move_of_more_rows_than_the_patch_limit_is_recounted():
    # Beyond PATCH_LIMIT moved rows the updaters recount (a re-nesting or an upload moves that many at once).
    atlas = grid_atlas(10, 10, lad_width=5, practice_every=3, seed=2)
    codes = list(atlas.codes)
    plan = Plan(atlas, {c: "AB"[i // 50] for i, c in enumerate(codes)}, target=75_000)
    for name in plan_metrics():
        plan[name]
    child = plan.move({c: "C" for c in codes[:70]})
    for name in plan_metrics():
        child[name]
    _assert_patched_equals_recount(child, 75_000)


def assert_compactness_is_dissolved(plan):
    """Polsby-Popper from boundary lengths equals 4πA/P² of shapely's union of each neighbourhood's LSOAs."""
    for name, score in plan["polsby_popper"].items():
        shape = shapely.union_all(plan.arrays.geometry[plan.members(plan.labels.index(name))])
        assert score == pytest.approx(4 * math.pi * shape.area / shape.length**2, abs=1e-6)


def test_children_patch_rather_than_recount(monkeypatch):
    calls = {
        "tallies": 0,
        "practice_tallies": 0,
        "shapes": 0,
        "perimeter_by_label": 0,
        "cut": 0,
        "components": 0,
        "practice_home": 0,
        "practice_home_patients": 0,
        "practice_split_mask": 0,
    }
    for name in calls:
        original = REGISTRY[name].compute

        def counting(plan, _original=original, _name=name):
            calls[_name] += 1
            return _original(plan)

        monkeypatch.setattr(REGISTRY[name], "compute", counting)
    plan = Plan(ATLAS, {c: "ABCD"[i % 4] for i, c in enumerate(CODES)})
    for name in plan_metrics():
        plan[name]
    middle = plan.move({"G0000": "B"})  # never asked for a metric: patched on the way down
    child = middle.move({"G0005": "A"})
    for name in plan_metrics():
        child[name]
    assert calls == dict.fromkeys(calls, 1)


def test_unchanged_neighbourhood_shapes_are_reused():
    plan = Plan(ATLAS, {c: "ABCD"[i % 4] for i, c in enumerate(CODES)})
    shapes = plan["shapes"]
    child = plan.move({"G0000": "B"})
    untouched = [k for k in child.live if child.labels[k] in {"C", "D"}]
    assert all(child["shapes"][k] is shapes[k] for k in untouched)


@pytest.mark.realdata
def test_patched_compactness_and_parts_on_real_boundaries(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("QK1", data_dir=data_dir)
    plan = Plan(atlas, atlas.lsoas["lad_code"], target=50_000)
    plan.summary()
    rng = np.random.default_rng(16)
    chain = [plan]
    for _ in range(40):  # moves across local authority boundaries, some of them cutting a part off
        edges = plan.arrays.edges[plan["cut"]]
        i, j = edges[rng.integers(len(edges))]
        plan = plan.move({plan.arrays.codes[i]: plan.labels[plan.label_index[j]]})
        chain.append(plan)
        plan.summary()
    fresh = Plan(atlas, plan.assignment, target=50_000)
    np.testing.assert_array_equal(plan["components"], fresh["components"])
    assert plan["parts"] == fresh["parts"]
    assert_compactness_is_dissolved(plan)
    _same({**plan.summary(), "name": None}, {**fresh.summary(), "name": None})
