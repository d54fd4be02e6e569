"""Exact Poisson intervals, indirect standardisation and funnel limits against values worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.hotspots.stats import area_statistics, funnel_flag, funnel_limits, poisson_ci, rate_per_1000, ratio_ci


@pytest.mark.parametrize(
    "k, lower, upper", [(0, 0.0, 3.689), (1, 0.0253, 5.572), (10, 4.795, 18.39), (100, 81.36, 121.63)]
)
def test_garwood_interval_matches_published_tables(k, lower, upper):
    lo, hi = poisson_ci(k)
    assert float(lo) == pytest.approx(lower, abs=0.01)
    assert float(hi) == pytest.approx(upper, abs=0.01)


def test_rate_per_1000_scales_the_count_interval():
    out = rate_per_1000(pd.Series([10], index=["X"]), pd.Series([2000], index=["X"]))
    assert out.loc["X"].tolist() == pytest.approx([5.0, 4.795 / 2, 18.39 / 2], abs=0.01)
    assert np.isnan(rate_per_1000([5], [0]).rate_per_1000[0])


def test_indirectly_standardised_ratio_by_hand():
    # Two areas, two age bands. Standard (whole table) rates: young 40/2000 = 0.02, old 40/1000 = 0.04.
    # Area A: expected = 1500*0.02 + 200*0.04 = 38, observed 30 -> ISR 0.789.
    # Area B: expected =  500*0.02 + 800*0.04 = 42, observed 50 -> ISR 1.190.
    obs_age = pd.DataFrame({"young": [25, 15], "old": [5, 35]}, index=["A", "B"])
    pop_age = pd.DataFrame({"young": [1500, 500], "old": [200, 800]}, index=["A", "B"])
    out = area_statistics(obs_age.sum(axis=1), pop_age.sum(axis=1), obs_age, pop_age)
    assert out.attrs["standardised"]
    assert out.expected.tolist() == pytest.approx([38.0, 42.0])
    assert out.ratio.tolist() == pytest.approx([30 / 38, 50 / 42])
    lo, hi = poisson_ci(30)
    assert out.loc["A", "ratio_lci"] == pytest.approx(lo / 38) and out.loc["A", "ratio_uci"] == pytest.approx(hi / 38)
    # the expected counts add up to the observed total: the standard is the study area itself
    assert out.expected.sum() == pytest.approx(80)


def test_crude_ratio_without_ages():
    out = area_statistics(pd.Series([30, 10]), pd.Series([1000, 3000]))
    assert not out.attrs["standardised"]
    assert out.expected.tolist() == pytest.approx([10.0, 30.0])


def test_funnel_limits_narrow_with_size_and_bracket_one():
    limits = funnel_limits([10.0, 100.0, 1000.0])
    width = (limits.upper_998 - limits.lower_998).to_numpy()
    assert width[0] > width[1] > width[2]
    assert (limits.lower_998 < limits.lower_95).all() and (limits.upper_95 < limits.upper_998).all()
    assert ((limits.lower_95 < 1) & (limits.upper_95 > 1)).all()
    # For E = 1000 the exact limits are close to the normal ones: 1 +- 1.96 / sqrt(1000)
    assert limits.upper_95[2] == pytest.approx(1 + 1.96 / np.sqrt(1000), abs=0.005)


def test_funnel_flags_points_outside():
    flags = funnel_flag([100, 125, 140, 70], [100, 100, 100, 100]).tolist()
    assert flags == ["within", "above 95%", "above 99.8%", "below 99.8%"]


def test_ratio_ci_of_zero_expected_is_missing():
    assert ratio_ci([5], [0]).isna().all(axis=None)
