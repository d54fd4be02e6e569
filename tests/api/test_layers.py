"""Context layers for the planner map: boundaries dissolved from the LSOAs, recounted here from the atlas, and the
legend's sources."""

from __future__ import annotations

import json

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


def _practice_layer(cell: float) -> list:
    """The practice layer's patients in the area when the first practice has one more registration cell, of
    ``cell`` patients, in the area (as two study areas one LSOA apart would)."""
    import pandas as pd

    from api.routes.areas import _cached
    from geo.testing import grid_atlas

    atlas = grid_atlas(6, 4, lad_width=3, practice_every=3)
    code = atlas.practices.index[0]
    extra = pd.DataFrame({"practice_code": [code], "lsoa_code": [atlas.codes[-1]], "patients": [cell]})
    atlas.registrations = pd.concat([atlas.registrations, extra], ignore_index=True)
    atlas.practices.loc[code, "patients_in_area"] += cell  # as the atlas counts it from its registrations
    body = json.loads(_cached(atlas, "practices"))
    return [f["properties"]["patients_in_area"] for f in body["features"]]


def test_the_practice_layer_gives_back_no_registration_cell():
    """Each practice's exact patients in the area, from two areas one LSOA apart, gave that LSOA's registrations
    (1 to 7) back, and beside its list those living elsewhere; as a margin of its cells it does not."""
    assert _practice_layer(1.0) == _practice_layer(4.0) == _practice_layer(7.0)
