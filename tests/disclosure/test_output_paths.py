"""Every output of the UEC layer goes through disclosure control: planted counts 1..7 never appear."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.plan import Plan
from geo.testing.disclosure import assert_no_small_counts
from geo.testing import grid_atlas
from geo.uec.layer import UecLayer
from geo.atlas.model import SourceInfo


@pytest.fixture(scope="module")
def small_counts():
    """A 10 x 10 grid whose attendances include every count 1..7 many times, and two neighbourhoods."""
    from geo.hotspots import find_hotspots

    atlas = grid_atlas(10, 10, population=np.resize([40, 300, 1500], 100))
    rng = np.random.default_rng(0)
    counts = np.where(np.arange(100) % 3 == 0, np.arange(100) % 8, rng.integers(20, 400, 100)).astype(float)
    layer = UecLayer(
        pd.Series(counts, index=atlas.codes),
        "extract",
        SourceInfo("uec", "planted", "2025"),
        "2025-01-01",
        "2025-12-31",
        12,
    )
    assert set(range(1, 8)) <= set(counts.astype(int))
    result = find_hotspots(atlas, layer, permutations=99, seed=1)
    plan = Plan(atlas, pd.Series(np.where(np.arange(100) % 10 < 5, "West", "East"), index=atlas.codes), target=30_000)
    return atlas, layer, result, plan


def test_hotspot_csv_and_geojson(small_counts, tmp_path):
    atlas, layer, result, plan = small_counts
    csv = result.to_csv(tmp_path / "h.csv")
    assert_no_small_counts(csv)
    table = pd.read_csv(csv)
    small = layer.attendances.between(1, 7).to_numpy()
    # suppressed counts are empty cells, and so are their rate, ratio and expected value
    assert table.loc[small, ["attendances", "rate_per_1000", "ratio", "expected"]].isna().all(axis=None)
    assert table.attendances.notna().sum() > 50
    geojson = result.to_geojson(tmp_path / "h.geojson")
    assert_no_small_counts(geojson)
    props = [f["properties"] for f in json.loads(geojson.read_text())["features"]]
    assert sum(p["attendances"] is None for p in props) == int(table.attendances.isna().sum())


def test_cluster_and_neighbourhood_tables(small_counts):
    atlas, layer, result, plan = small_counts
    from geo.hotspots import by_neighbourhood

    assert_no_small_counts(result.published())
    assert_no_small_counts(result.published_clusters())
    assert_no_small_counts(by_neighbourhood(result, plan))


def test_neighbourhood_totals_are_margins_that_hide_their_small_parts():
    """A neighbourhood whose only LSOA is suppressed is suppressed; one with a suppressed LSOA counts it as 4 and
    is rounded to 10, so the study-area total and the other neighbourhoods never give it back."""
    from geo.hotspots import by_neighbourhood, find_hotspots

    atlas = grid_atlas(4, 1, population=[1000, 1000, 1000, 1000])
    for small in (1, 5, 7):
        layer = UecLayer(
            pd.Series([float(small), 90.0, 300.0, 3.0], index=atlas.codes),
            "extract",
            SourceInfo("u", "x", "y"),
            "",
            "",
            12,
        )
        result = find_hotspots(atlas, layer)
        table = by_neighbourhood(result, pd.Series(["A", "B", "C", "C"], index=atlas.codes))
        assert table.attendances.isna().tolist() == [True, False, False]
        assert table.loc["A", ["rate_per_1000", "ratio", "ratio_lci", "funnel"]].isna().all()
        assert table.loc["C", "attendances"] == 300 and table.loc["C", "rounded_to"] == 10  # 300 + 4 -> 300
        assert result.published_area()["attendances"] == 400  # 390 + 4 + 4, rounded: the same for any 1..7


@pytest.mark.parametrize("suffix", [".html", ".csv", ".xlsx"])
def test_profiles(small_counts, tmp_path, suffix):
    from geo.profiles import neighbourhood_profiles

    atlas, layer, result, plan = small_counts
    # registrations with small numbers from each neighbourhood as well
    atlas.registrations.loc[atlas.registrations.index[:12], "patients"] = np.arange(1, 13)
    path = neighbourhood_profiles(plan, result).write(tmp_path / f"profiles{suffix}")
    assert_no_small_counts(path)
    if suffix == ".html":
        text = path.read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
        assert "<svg" in text and "counts of 1 to 7 are suppressed" in text.lower()
