"""The need index against a hand-computed example, and the ranking least healthy life first."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geo.access.need import need_by_neighbourhood, need_layer, zscores
from geo.plan import Plan
from geo.testing import grid_atlas


def test_need_index_matches_a_hand_computed_example():
    # Four LSOAs of 1,000, 1,000, 2,000 and 4,000 residents; two neighbourhoods: N1 = {0, 1}, N2 = {2, 3}.
    atlas = grid_atlas(4, 1, population=np.array([1000, 1000, 2000, 4000]))
    indicators = pd.DataFrame(
        {"years_of_potential_life_lost": [80.0, 60.0, 50.0, 40.0], "core20": [1.0, 1.0, 0.0, 0.0]}, index=atlas.codes
    )
    layer = need_layer(atlas, indicators=indicators)
    # YPLL: m = (80 + 60 + 100 + 160) / 8 = 50; variance = (900 + 100 + 0 + 400) / 8 = 175.
    s = math.sqrt(175.0)
    z_ypll = [30 / s, 10 / s, 0.0, -10 / s]
    # Core20: m = 2/8 = 0.25; variance = (2 * 0.5625 + 6 * 0.0625) / 8 = 0.1875.
    t = math.sqrt(0.1875)
    z_core = [0.75 / t, 0.75 / t, -0.25 / t, -0.25 / t]
    assert layer.z_years_of_potential_life_lost.tolist() == pytest.approx(z_ypll)
    assert layer.z_core20.tolist() == pytest.approx(z_core)
    scores = [(a + b) / 2 for a, b in zip(z_ypll, z_core)]
    assert layer.need_score.tolist() == pytest.approx(scores)
    plan = Plan(atlas, {"G0000": "N1", "G0001": "N1", "G0002": "N2", "G0003": "N2"})
    table = need_by_neighbourhood(plan, layer)
    assert table.at["N1", "need_index"] == pytest.approx((scores[0] + scores[1]) / 2)
    assert table.at["N2", "need_index"] == pytest.approx((2 * scores[2] + 4 * scores[3]) / 6)
    assert table.at["N1", "health_proxy"] == pytest.approx((z_ypll[0] + z_ypll[1]) / 2)
    assert table.at["N1", "years_of_potential_life_lost"] == pytest.approx(70.0)
    assert table.at["N1", "core20_pct"] == 100 and table.at["N2", "core20_pct"] == 0
    assert table.index.tolist() == ["N1", "N2"] and table.healthy_life_rank.tolist() == [1, 2]
    assert table.need_rank.tolist() == [1, 2]


def test_the_index_is_never_called_healthy_life_expectancy_and_states_its_formula():
    atlas = grid_atlas(2, 1)
    layer = need_layer(atlas, indicators=pd.DataFrame({"years_of_potential_life_lost": [1.0, 2.0]}, index=atlas.codes))
    notes = layer.attrs["notes"]
    assert "population-weighted" in notes["formula"]
    assert all("life expectancy" not in label.lower() for label in notes["indicators"].values())
    assert "proxy for healthy life" in notes["indicators"]["years_of_potential_life_lost"]


def test_a_constant_indicator_adds_nothing_and_missing_values_are_left_out():
    z = zscores(pd.DataFrame({"flat": [3.0, 3.0, 3.0], "gap": [1.0, np.nan, 3.0]}), np.array([1.0, 1.0, 1.0]))
    assert z.flat.tolist() == [0.0, 0.0, 0.0]
    assert z.gap.iloc[0] == pytest.approx(-1.0) and np.isnan(z.gap.iloc[1])


def test_the_default_layer_reads_the_atlas_columns_without_a_data_folder():
    atlas = grid_atlas(3, 3)
    layer = need_layer(atlas, "/nonexistent")
    assert {"core20", "aged_65_plus"} <= set(layer.columns)
    expected = atlas.lsoas.age_65_plus / atlas.lsoas.resident_population
    assert layer.aged_65_plus.tolist() == pytest.approx(expected.tolist())
    assert "years_of_potential_life_lost" in layer.attrs["notes"]["left_out"]
