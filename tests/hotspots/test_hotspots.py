"""Planted UEC hotspot clusters are found, the test is the documented analytic Gi* with two-sided BH FDR, and an
LSOA is high only when its own rate is above the area's."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.hotspots import by_neighbourhood, find_hotspots
from geo.testing import grid_atlas
from geo.testing.disclosure import assert_no_differencing, assert_no_small_counts
from geo.uec import planted_lsoas, read_uec_extract, synthetic_extract, write_extract


def test_planted_clusters_are_found_with_few_false_ones(planted):
    atlas, layer, result, truth = planted
    found = set(result.frame.index[result.frame.hotspot == "high"])
    precision = len(found & truth) / max(len(found), 1)
    recall = len(found & truth) / len(truth)
    assert precision >= 0.9, f"false hotspots: {sorted(found - truth)}"
    assert recall >= 0.9, f"missed: {sorted(truth - found)}"


def test_icb_like_monthly_extract_with_small_counts(icb_like):
    atlas, layer, result, hot, cold = icb_like
    frame = result.frame
    assert ((frame.attendances >= 1) & (frame.attendances <= 7)).sum() >= 10  # the extract has small counts
    found = set(frame.index[frame.hotspot == "high"])
    assert len(found & hot) / len(hot) >= 0.8, f"missed: {sorted(hot - found)}"
    assert len(found & hot) / max(len(found), 1) >= 0.8, f"false: {sorted(found - hot)}"
    low = set(frame.index[frame.hotspot == "low"])
    assert len(low & cold) / len(cold) >= 0.6 and low <= cold | set(planted_lsoas(atlas, sorted(cold)))
    # nothing below (above) the area rate is high (low): the area rate is ratio 1 by construction
    area_rate = 1000 * frame.attendances.sum() / frame.population.sum()
    assert (frame.loc[frame.hotspot == "high", "rate_per_1000"] > area_rate * 0.97).all()
    assert (frame.loc[frame.hotspot == "high", "ratio_lci"] > 1).all()
    assert (frame.loc[frame.hotspot == "low", "ratio_uci"] < 1).all()
    answer = result.answer()
    assert_no_small_counts(answer)
    assert_no_differencing(answer)


def test_an_lsoa_below_the_area_rate_is_never_high_because_of_its_neighbours():
    atlas = grid_atlas(9, 9)
    counts = pd.Series(600.0, index=atlas.codes)
    centre = "G0040"
    ring = atlas.neighbours[centre]
    counts[ring] = 1500.0  # a strong high window around the centre...
    counts[centre] = 450.0  # ...whose own rate is below the area's
    from geo.atlas.model import SourceInfo
    from geo.uec.layer import UecLayer

    layer = UecLayer(counts, "extract", SourceInfo("uec", "planted", "2025"), "2025-01-01", "2025-12-31", 12)
    result = find_hotspots(atlas, layer)
    assert result.frame.loc[centre, "gi_q"] <= 0.05 and result.frame.loc[centre, "gi_z"] > 0
    assert result.frame.loc[centre, "hotspot"] == ""
    assert (result.frame.loc[ring, "hotspot"] == "high").sum() >= 4  # its neighbours above the area rate are


def test_analytic_gi_matches_esda_and_is_two_sided(planted):
    from esda.getisord import G_Local

    atlas, layer, result, truth = planted
    y = result.frame["ratio"].to_numpy()
    reference = G_Local(y, atlas.weights(), transform="B", star=True, permutations=0)
    assert result.frame.gi_z.to_numpy() == pytest.approx(reference.Zs, abs=1e-9)
    assert result.frame.gi_p.to_numpy() == pytest.approx(np.minimum(1, 2 * reference.p_norm), abs=1e-12)
    assert result.frame.gi_q.to_numpy() == pytest.approx(stats.false_discovery_control(2 * reference.p_norm))
    assert result.inference == "analytic" and result.permutations == 0 and "two-sided" in result.source_note


def test_answer_does_not_depend_on_the_permutation_setting(planted, monkeypatch):
    from geo.settings import get_settings

    atlas, layer, result, truth = planted
    monkeypatch.setenv("NHP_HOTSPOT_PERMUTATIONS", "99")
    get_settings.cache_clear()
    again = find_hotspots(atlas, layer, alpha=0.05)
    get_settings.cache_clear()
    pd.testing.assert_frame_equal(again.frame, result.frame)


def test_permutation_count_is_raised_to_what_the_fdr_needs():
    atlas = grid_atlas(6, 6)
    layer = read_uec_extract(
        write_extract(
            synthetic_extract(atlas, seed=3, hotspots=["G0014"]), __import__("tempfile").mktemp(suffix=".csv")
        ),
        atlas,
    )
    result = find_hotspots(atlas, layer, inference="permutation", permutations=99, seed=2)
    assert result.permutations >= 2 * 36 / 0.05 - 1
    assert result.frame.gi_p.min() >= 2 / (result.permutations + 1) - 1e-12
    analytic = find_hotspots(atlas, layer)
    assert np.corrcoef(result.frame.gi_z, analytic.frame.gi_z)[0, 1] > 0.999  # same statistic, other p
    assert result.frame.loc["G0014", "hotspot"] == analytic.frame.loc["G0014", "hotspot"] == "high"


def test_the_analytic_path_never_loads_esda_or_compiles(tmp_path):
    # esda's numba kernels compile for about a minute in each new process; the analytic test must not reach them
    code = (
        "import sys; from geo.testing import grid_atlas; from geo.hotspots import find_hotspots;"
        "from geo.uec import synthetic_extract, read_uec_extract, write_extract;"
        "a = grid_atlas(8, 8); p = write_extract(synthetic_extract(a, seed=1, hotspots=['G0027']), sys.argv[1]);"
        "l = read_uec_extract(p, a); before = set(sys.modules);"
        "r = find_hotspots(a, l); r.answer();"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('esda', 'numba', 'libpysal')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "x.csv")], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_clusters_are_connected_and_ranked_by_excess(planted):
    atlas, layer, result, truth = planted
    clusters = result.clusters
    assert clusters.cluster.tolist() == ["H1", "H2"] and clusters.excess.is_monotonic_decreasing
    for codes in clusters.lsoa_codes:
        members = codes.split()
        assert set(members) <= set(planted_lsoas(atlas, sorted(truth)))  # the clusters and the ring round them
        assert len(set(members) & truth) >= 8
        sub = atlas.adjacency[[atlas.position[c] for c in members]][:, [atlas.position[c] for c in members]]
        from scipy.sparse.csgraph import connected_components

        assert connected_components(sub, directed=False)[0] == 1
    row = clusters.iloc[0]
    assert row.excess == pytest.approx(row.attendances - row.expected)
    published = result.published_clusters()
    assert published.ratio_lci.iloc[0] > 1.5 and (published.rounded_to == 1).all()
    assert published.attendances.tolist() == clusters.attendances.round().tolist()


def test_no_hotspots_on_a_flat_map():
    atlas = grid_atlas(12, 12)
    extract = synthetic_extract(atlas, seed=5, hotspots=[], lsoa_effect_sd=0.0)
    layer = read_uec_extract(write_extract(extract, __import__("tempfile").mktemp(suffix=".csv")), atlas)
    result = find_hotspots(atlas, layer)
    assert (result.frame.hotspot != "").sum() == 0
    assert result.dispersion["overdispersed"] is False


def test_by_neighbourhood_ratios_against_the_study_area(planted):
    atlas, layer, result, truth = planted
    cols = pd.Series(range(400), index=atlas.lsoas.index) % 20
    plan = cols.map(lambda c: "West" if c < 10 else "East")
    raw = by_neighbourhood(result, plan, suppressed=False)
    assert raw.attendances.sum() == pytest.approx(layer.total)
    assert raw.hotspot_lsoas.sum() == (result.frame.hotspot == "high").sum()
    assert (raw.ratio * raw.expected).sum() / raw.expected.sum() == pytest.approx(1.0)
    assert (raw.ratio_lci < raw.ratio).all() and (raw.ratio < raw.ratio_uci).all()
    published = by_neighbourhood(result, plan)
    west = layer.attendances[cols < 10].sum()  # an independent recount from the layer
    assert published.loc["West", "attendances"] == round(west) and published.loc["West", "rounded_to"] == 1


def test_csv_and_geojson_say_where_the_data_come_from(planted, tmp_path):
    atlas, layer, result, truth = planted
    table = pd.read_csv(result.to_csv(tmp_path / "h.csv"), dtype={"lsoa_code": str})
    assert len(table) == 400 and table.uec_kind.eq("extract").all()
    assert set(table.hotspot.fillna("")) <= {"high", "low", ""}
    collection = json.loads(result.to_geojson(tmp_path / "h.geojson").read_text())
    assert collection["uec_kind"] == "extract" and "Gi*" in collection["source"]
    assert collection["area"]["attendances"] == round(layer.total)
    first = collection["features"][0]
    assert first["properties"]["lsoa_code"] == "G0000"
    x, y = first["geometry"]["coordinates"][0][0]
    assert -10 < x < 3 and 49 < y < 61  # WGS84 longitude/latitude, as GeoJSON requires
