"""Context layers for the planner map: boundaries dissolved from the LSOAs, recounted here from the atlas, and the
legend's sources."""

from __future__ import annotations

import shapely
from shapely.geometry import shape

from geo.testing.disclosure import assert_no_small_counts
from tests.api.conftest import AREA


def test_local_authority_boundaries_cover_their_lsoas_and_recount_their_population(client, atlas):
    answer = client.get(f"/api/v1/areas/{AREA}/boundaries/lad")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection" and body["source"] and body["title"] == "Local authority boundaries"
    by_code = {f["id"]: f for f in body["features"]}
    lsoas = atlas.lsoas
    assert set(by_code) == set(lsoas["lad_code"])
    for code, feature in by_code.items():
        mine = lsoas[lsoas["lad_code"] == code]
        assert feature["properties"]["name"] == mine["lad_name"].iloc[0]
        assert feature["properties"]["lsoas"] == len(mine)
        assert feature["properties"]["resident_population"] == mine["resident_population"].sum()
        # Each LSOA's centre lies in its own authority's outline and in no other.
        polygon = shape(feature["geometry"])
        centres = mine.to_crs(4326).geometry.representative_point()
        assert all(polygon.contains(point) for point in centres)
        others = lsoas[lsoas["lad_code"] != code].to_crs(4326).geometry.representative_point()
        assert not any(polygon.contains(point) for point in others)
    assert shapely.union_all([shape(f["geometry"]) for f in body["features"]]).area > 0
    assert_no_small_counts(body)


def test_an_atlas_without_wards_answers_an_empty_ward_layer_and_says_so_in_the_layer_list(client):
    wards = client.get(f"/api/v1/areas/{AREA}/boundaries/ward")
    assert wards.status_code == 200 and wards.json()["features"] == []
    layers = {layer["id"]: layer for layer in client.get(f"/api/v1/areas/{AREA}/layers").json()}
    assert set(layers) == {"lad", "ward", "imd", "practices"}
    assert layers["ward"]["available"] is False and layers["lad"]["available"] is True
    assert all(layer["source"] and layer["title"] for layer in layers.values())


def test_an_unknown_boundary_level_is_a_problem(client):
    answer = client.get(f"/api/v1/areas/{AREA}/boundaries/county")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "'lad' or 'ward'" in answer.json()["detail"]
