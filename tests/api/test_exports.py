"""Exports by extension, profiles and the plan map: right format, right content, no small counts."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from geo.testing.disclosure import assert_no_small_counts
from tests.api.conftest import new_plan


@pytest.fixture
def plan_id(client):
    plan_id, etag = new_plan(client)
    client.post(f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag})
    return plan_id


def test_csv_export_is_the_lookup_of_the_chosen_version(client, plan_id, atlas):
    latest = client.get(f"/api/v1/plans/{plan_id}/export.csv")
    assert latest.status_code == 200 and latest.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(latest.text)).set_index("lsoa_code")["neighbourhood"]
    assert len(table) == len(atlas.lsoas) and table["G0002"] == "E07009001"
    first = pd.read_csv(io.StringIO(client.get(f"/api/v1/plans/{plan_id}/export.csv?version=1").text))
    assert first.set_index("lsoa_code").loc["G0002", "neighbourhood"] == "E07009000"


def test_geojson_export_is_wgs84_footprints(client, plan_id):
    response = client.get(f"/api/v1/plans/{plan_id}/export.geojson")
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 2
    lon, lat = body["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert -2 < lon < 0 and 52 < lat < 53
    assert_no_small_counts(body)


def test_gpkg_xlsx_and_html_exports(client, plan_id):
    gpkg = client.get(f"/api/v1/plans/{plan_id}/export.gpkg")
    assert gpkg.status_code == 200 and gpkg.content[:15] == b"SQLite format 3"
    xlsx = client.get(f"/api/v1/plans/{plan_id}/export.xlsx")
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None, header=3)  # title, source, blank, headings
    assert "Summary" in sheets and len(sheets["Summary"]) == 2 and "Notes" in sheets
    html = client.get(f"/api/v1/plans/{plan_id}/profiles.html")
    assert html.status_code == 200 and "E07009001" in html.text
    assert_no_small_counts(html.text)
    assert client.get(f"/api/v1/plans/{plan_id}/export.shp").status_code == 422


def test_plan_map_is_a_leaflet_page(client, plan_id):
    response = client.get(f"/api/v1/plans/{plan_id}/map.html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "leaflet" in response.text.lower() and "E07009001" in response.text
    assert client.get("/api/v1/plans/999/map.html").status_code == 404


@pytest.mark.slow
def test_profiles_pdf_is_a_pdf_pack_of_the_version(client, plan_id):
    response = client.get(f"/api/v1/plans/{plan_id}/profiles.pdf?version=1")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "attachment" in response.headers["content-disposition"]


def test_a_geojson_export_names_its_layer_after_the_plan(client, plan_id):
    body = json.loads(client.get(f"/api/v1/plans/{plan_id}/export.geojson").content)
    assert body["name"].startswith("test_plan_v2") and body["name"] != "export"


def test_a_geopackage_export_has_typed_described_fields_in_a_layer_named_after_the_plan(client, plan_id, tmp_path):
    import sqlite3

    import pyogrio

    path = tmp_path / "export.gpkg"
    path.write_bytes(client.get(f"/api/v1/plans/{plan_id}/export.gpkg").content)
    [(layer, _)] = pyogrio.list_layers(path)
    assert layer.startswith("test_plan_v2")
    info = pyogrio.read_info(path)
    fields = dict(zip(info["fields"], info["dtypes"]))
    assert fields["resident_population"] == "int64" and fields["population"] == "int64"
    with sqlite3.connect(path) as db:
        described = dict(db.execute("SELECT column_name, description FROM gpkg_data_columns").fetchall())
    db.close()
    assert set(fields) <= set(described) and all(described.values())
