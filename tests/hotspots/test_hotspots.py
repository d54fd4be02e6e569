"""Planted UEC hotspot clusters on a synthetic grid are found, with few false ones; outputs carry their source."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.hotspots import by_neighbourhood, find_hotspots
from geo.testing import grid_atlas
from geo.uec import planted_lsoas, read_uec_extract, synthetic_extract, write_extract


def test_planted_clusters_are_found_with_few_false_ones(planted):
    atlas, layer, result, truth = planted
    found = set(result.frame.index[result.frame.hotspot == "high"])
    halo = set(planted_lsoas(atlas, sorted(truth)))  # the clusters and the ring of LSOAs touching them
    precision = len(found & truth) / max(len(found), 1)
    recall = len(found & truth) / len(truth)
    # Gi* scores an LSOA *with its neighbours*, so a cell touching three planted cells can test high (the halo);
    # nothing may be found away from the planted clusters.
    assert found <= halo, f"false hotspots away from the clusters: {sorted(found - halo)}"
    assert precision >= 0.65, f"false hotspots: {sorted(found - truth)}"
    # Conditional permutations are cautious at a cluster's corners; centres and most edges must be found.
    assert recall >= 0.6, f"missed: {sorted(truth - found)}"
    assert {"G0105", "G0290"} <= found


def test_clusters_are_contiguous_and_ranked_by_excess(planted):
    atlas, layer, result, truth = planted
    clusters = result.clusters
    assert len(clusters) == 2
    assert clusters.excess.is_monotonic_decreasing
    assert clusters.cluster.tolist() == [1, 2]
    for codes in clusters.lsoa_codes:
        members = set(codes.split())
        assert members <= set(planted_lsoas(atlas, sorted(truth)))
        assert any(c in members for c in ("G0105", "G0290"))
    row = clusters.iloc[0]
    assert row.excess == pytest.approx(row.attendances - row.expected)
    assert row.ratio_lci > 1.5


def test_frame_has_the_documented_columns_and_fdr_q_values(planted):
    atlas, layer, result, truth = planted
    for column in ["attendances", "rate_per_1000", "rate_lci", "rate_uci", "expected", "ratio", "gi_z", "gi_p",
                   "gi_q", "hotspot"]:
        assert column in result.frame.columns
    assert (result.frame.gi_q >= result.frame.gi_p - 1e-12).all()
    assert result.standardised  # the synthetic extract has age bands: indirect standardisation
    assert result.frame.expected.sum() == pytest.approx(result.frame.attendances.sum())


def test_no_hotspots_on_a_flat_map():
    atlas = grid_atlas(12, 12)
    extract = synthetic_extract(atlas, seed=5, hotspots=[], lsoa_effect_sd=0.0)
    layer = read_uec_extract(write_extract(extract, __import__("tempfile").mktemp(suffix=".csv")), atlas)
    result = find_hotspots(atlas, layer, permutations=999, seed=3)
    assert (result.frame.hotspot == "high").sum() <= 2
    assert result.frame.hotspot.isin(["high", "low", ""]).all()


def test_same_seed_same_answer(planted):
    atlas, layer, result, truth = planted
    again = find_hotspots(atlas, layer, alpha=0.05, permutations=999, seed=1)
    pd.testing.assert_series_equal(again.frame.gi_p, result.frame.gi_p)


def test_by_neighbourhood_ratios_against_the_study_area(planted):
    atlas, layer, result, truth = planted
    # West and east halves: the (5, 5) cluster is in the west, the (10, 14) cluster straddles the middle.
    cols = pd.Series(range(400), index=atlas.lsoas.index) % 20
    plan = cols.map(lambda c: "West" if c < 10 else "East")
    raw = by_neighbourhood(result, plan, suppressed=False)
    assert raw.attendances.sum() == pytest.approx(layer.total)
    assert raw.loc["West", "hotspot_lsoas"] + raw.loc["East", "hotspot_lsoas"] == (result.frame.hotspot == "high").sum()
    # ratio is observed / expected at study-area rates, so the population-weighted mean is 1
    assert (raw.ratio * raw.expected).sum() / raw.expected.sum() == pytest.approx(1.0)
    assert (raw.ratio_lci < raw.ratio).all() and (raw.ratio < raw.ratio_uci).all()


def test_csv_and_geojson_say_where_the_data_come_from(planted, tmp_path):
    atlas, layer, result, truth = planted
    table = pd.read_csv(result.to_csv(tmp_path / "h.csv"), dtype={"lsoa_code": str})
    assert len(table) == 400 and table.uec_kind.eq("extract").all()
    assert set(table.hotspot.fillna("")) <= {"high", "low", ""}
    collection = json.loads(result.to_geojson(tmp_path / "h.geojson").read_text())
    assert collection["uec_kind"] == "extract" and "Gi*" in collection["source"]
    first = collection["features"][0]
    assert first["properties"]["lsoa_code"] == "G0000"
    x, y = first["geometry"]["coordinates"][0][0]
    assert -10 < x < 3 and 49 < y < 61  # WGS84 longitude/latitude, as GeoJSON requires
