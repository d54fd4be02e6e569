"""The populations an edited plan publishes, from patched margin sums, equal the margin rule applied afresh."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.disclosure import publish_sums
from geo.plan import Plan
from geo.plan.report import published_populations
from geo.testing import grid_atlas

# Small populations (some LSOAs and practices of 1 to 7) so that suppression and rounding are exercised.
ATLAS = grid_atlas(4, 4, lad_width=2, practice_every=3, seed=3)
ATLAS.lsoas["resident_population"] = [3.0, 1500, 6, 1500, 0, 1500, 1500, 7, 1500, 1500, 2, 1500, 1500, 1500, 5, 8]
CODES = list(ATLAS.codes)

moves = st.lists(
    st.dictionaries(st.sampled_from(CODES), st.sampled_from(["A", "B", "C", "D", "new"]), min_size=1, max_size=3),
    min_size=1,
    max_size=10,
)


def recount(plan: Plan) -> dict:
    """The margin rule straight from geo.disclosure over the plan's LSOAs and practices."""
    arrays, live, n = plan.arrays, plan.live, len(plan.labels)
    out = {}
    for column in ("resident_population", "registered_population"):
        total, rounded = publish_sums(arrays.values[:, arrays.column(column)], plan.label_index, n)
        out[column], out[column + "_rounded_to"] = total[live], rounded[live]
    practice_label = np.asarray(plan["practice_label"], dtype=np.int64)
    total, rounded = publish_sums(arrays.practice_list, practice_label, n)
    out["list_population"], out["list_population_rounded_to"] = total[live], rounded[live]
    out["area_list_population"] = publish_sums(arrays.practice_list, np.where(practice_label >= 0, 0, -1), 1)[0][0]
    values = arrays.values[:, arrays.column("resident_population")]
    out["area_population"] = publish_sums(values, np.zeros(len(values), np.int64), 1)[0][0]
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves)
def test_published_populations_after_edits_equal_the_rule_applied_afresh(sequence):
    plan = Plan(ATLAS, {c: "ABCD"[i % 4] for i, c in enumerate(CODES)}, target=6000)
    chain = [plan]
    published_populations(plan)
    for step in sequence:
        plan = plan.move(step)
        chain.append(plan)  # parents stay alive: every step's margin sums are patched, not recounted
        published = published_populations(plan)
    expected = recount(plan)
    for key, value in expected.items():
        np.testing.assert_allclose(published[key], value, rtol=1e-12, atol=1e-9, err_msg=key)
    assert published["population"] is published["resident_population"]
    # Shared by every reader of the plan: no published array can be changed in place.
    assert not any(v.flags.writeable for v in published.values() if isinstance(v, np.ndarray))


def test_a_neighbourhood_of_small_lsoas_alone_is_suppressed():
    plan = Plan(ATLAS, {c: ("Tiny" if c == CODES[0] else "Rest") for c in CODES}, target=6000)
    published = published_populations(plan.move({CODES[2]: "Tiny"}))  # 3 + 6 residents: both parts small
    tiny = plan.move({CODES[2]: "Tiny"}).neighbourhoods.index("Tiny")
    assert np.isnan(published["resident_population"][tiny])
    assert published["resident_population_rounded_to"][tiny] == 10
