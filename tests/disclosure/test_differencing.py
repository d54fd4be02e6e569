"""Disclosure by differencing (issue 15): no count of 1..7 can be worked out by subtracting shown parts from a
published total, within one answer or between the answers for nested or overlapping areas."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from geo.atlas.model import SourceInfo
from geo.disclosure import publish_share, publish_totals
from geo.hotspots import by_neighbourhood, find_hotspots
from geo.testing import grid_atlas
from geo.testing.differencing import Margin, find_differences
from geo.testing.disclosure import DisclosureError, assert_no_differencing, assert_no_small_counts
from geo.uec.layer import UecLayer


def _layer(atlas, counts):
    return UecLayer(
        pd.Series(counts, index=atlas.codes, dtype=float),
        "extract",
        SourceInfo("uec", "synthetic", "2025"),
        "2025-01-01",
        "2025-12-31",
        12,
    )


def _sub_atlas(atlas, codes):
    """The same LSOAs as a smaller study area (an area nested in the first)."""
    part = grid_atlas(2, 2)
    keep = [atlas.position[c] for c in codes]
    part.lsoas = atlas.lsoas.iloc[keep].copy()
    part.adjacency = atlas.adjacency[keep][:, keep]
    for name in ("position", "neighbours"):
        part.__dict__.pop(name, None)
    return part


def test_the_attack_of_issue_15_is_found_by_the_checker():
    # 47 LSOAs in a cluster, one of them with 5: the old cluster total minus the 46 shown gave back 5
    parts = {f"L{i}": 2000.0 + i for i in range(46)} | {"E01025730": None}
    total = sum(v for v in parts.values() if v) + 5
    with pytest.raises(DisclosureError, match="E01025730 is 5"):
        assert_no_differencing(
            {
                "lsoas": [{"lsoa_code": c, "attendances": v} for c, v in parts.items()],
                "clusters": [{"cluster": 1, "lsoa_codes": " ".join(parts), "attendances": total}],
            }
        )
    # rounding a true total is not enough: 7 hidden, shown parts summing to 98 + 7 -> 110 pins it to 7
    assert find_differences({"a": 98.0, "b": None}, [Margin("t", frozenset("ab"), 110.0, 10)], 7) == [
        "t: b is 7 (1 candidate)"
    ]
    # and two nested areas with exact totals give it back by difference
    assert find_differences(
        {"a": 40.0, "b": 50.0, "c": None},
        [Margin("big", frozenset("abc"), 96.0), Margin("small", frozenset("ab"), 90.0)],
        7,
    )


def test_published_totals_do_not_depend_on_suppressed_parts():
    for hidden in range(1, 8):
        out = publish_totals(pd.Series([121.0, hidden, 300.0]), pd.Series(["A", "A", "B"]), threshold=7)
        assert out.total.tolist() == [130.0, 300.0] and out.rounded_to.tolist() == [10, 1]
    assert np.isnan(publish_totals(pd.Series([0.0, 3.0]), threshold=7).total.iloc[0])


def test_shares_are_suppressed_with_a_small_part_or_complement():
    assert publish_share(3, 500) is None and publish_share(495, 500) is None and publish_share(250, 500) == 50.0


def _answers(counts, nx, ny, plan, sub):
    atlas = grid_atlas(nx, ny, population=1000)
    result = find_hotspots(atlas, _layer(atlas, counts))
    nested = _sub_atlas(atlas, sub)
    nested_result = find_hotspots(nested, _layer(nested, counts.reindex(sub)))
    hoods = by_neighbourhood(result, plan).reset_index()
    members = {k: list(v) for k, v in plan.groupby(plan).groups.items()}
    neighbourhood_answer = {"neighbourhoods": json.loads(hoods.to_json(orient="records"))}
    return result.answer(), nested_result.answer(), (neighbourhood_answer, members)


@st.composite
def small_count_extracts(draw):
    nx, ny = draw(st.integers(3, 6)), draw(st.integers(3, 6))
    n = nx * ny
    kinds = draw(st.lists(st.sampled_from(["zero", "small", "big", "hot"]), min_size=n, max_size=n))
    values = [
        draw(st.integers(1, 7))
        if k == "small"
        else draw(st.integers(8, 400))
        if k == "big"
        else draw(st.integers(600, 2000))
        if k == "hot"
        else 0
        for k in kinds
    ]
    other = [draw(st.integers(1, 7)) if k == "small" else v for k, v in zip(kinds, values)]
    hoods = draw(st.lists(st.sampled_from("ABC"), min_size=n, max_size=n))
    cut = draw(st.integers(1, n - 1))
    return nx, ny, values, other, hoods, cut


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_count_extracts())
def test_no_subtraction_reveals_a_small_count(extract):
    nx, ny, values, other, hoods, cut = extract
    codes = [f"G{i:04d}" for i in range(nx * ny)]
    plan = pd.Series(hoods, index=codes)
    sub = codes[:cut]
    first = _answers(pd.Series(values, index=codes, dtype=float), nx, ny, plan, sub)
    # every subtraction within and between the three answers (area, nested area, plan)
    assert_no_differencing(*first)
    for answer in first[:2]:
        assert_no_small_counts(answer)
    assert_no_small_counts(first[2][0])
    # the strong form: change every suppressed count to another value of 1..7 and nothing published changes
    second = _answers(pd.Series(other, index=codes, dtype=float), nx, ny, plan, sub)
    assert json.dumps(first[0], sort_keys=True) == json.dumps(second[0], sort_keys=True)
    assert json.dumps(first[1], sort_keys=True) == json.dumps(second[1], sort_keys=True)
    assert json.dumps(first[2][0], sort_keys=True) == json.dumps(second[2][0], sort_keys=True)
