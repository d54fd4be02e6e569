"""Every output path of the API on a synthetic area full of small counts: no count of 1 to 7 leaves the service.

The atlas has residents, registered patients, practice list sizes and patients-in-area of 1..7 in many places, and
the uploaded UEC extract has attendances of 1..7. Each output (JSON, GeoJSON, CSV, GeoPackage, XLSX, HTML, the map)
goes through :func:`geo.disclosure.assert_no_small_counts`. Paths already covered elsewhere (hotspot JSON in
tests/api/test_hotspots_routes.py, the footprint GeoJSON and profiles.html in tests/api/test_exports.py) are
repeated here on the small-count area, which those tests do not use.
"""

from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geo.testing.disclosure import assert_no_small_counts
from geo.settings import Settings
from geo.testing import grid_atlas

AREA = "SMALL"


@pytest.fixture(scope="module")
def small_atlas():
    population = np.resize([3, 1500, 6, 900, 2000, 1], 36)
    atlas = grid_atlas(6, 6, population=population, lad_width=3)
    regs = atlas.registrations
    regs.loc[regs.index[::3], "patients"] = (np.arange(len(regs.index[::3])) % 7) + 1
    practices = atlas.practices
    practices["list_size"] = [(i % 7) + 1 if i % 2 else 5000 for i in range(len(practices))]
    practices["patients_in_area"] = [(i % 7) + 1 for i in range(len(practices))]
    atlas.lsoas["registered_population"] = np.resize([2, 1200, 7, 4000], 36)
    return atlas


@pytest.fixture(scope="module")
def service(small_atlas, tmp_path_factory):
    from api.app import create_app

    home = tmp_path_factory.mktemp("disclosure-home")
    app = create_app(Settings(home_dir=home, target_population=9000), atlas_provider={AREA: small_atlas})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        created = client.post("/api/v1/plans", json={"name": "small", "area": AREA, "start": "lad"})
        plan_id = created.json()["id"]
        client.post(
            f"/api/v1/plans/{plan_id}/moves",
            json={"moves": {"G0002": "E07009001", "G0005": "Tiny"}},
            headers={"If-Match": created.headers["ETag"]},
        )
        yield client, plan_id


def test_the_area_really_has_small_counts(small_atlas):
    assert set(range(1, 8)) <= set(small_atlas.registrations.patients.astype(int))
    assert set(small_atlas.practices.patients_in_area) == set(range(1, 8))


def _ok(response):
    assert response.status_code == 200, response.text[:500]
    return response


@pytest.mark.parametrize("path", ["lsoas", "practices"])
def test_area_layers(service, path):
    client, _ = service
    body = json.loads(_ok(client.get(f"/api/v1/areas/{AREA}/{path}")).content)
    assert_no_small_counts(body)
    from api.routes.areas import COUNT_FIELDS

    for feature in body["features"]:  # the API also suppresses populations and list sizes (not count-named)
        for field in COUNT_FIELDS & set(feature["properties"]):
            value = feature["properties"][field]
            assert value is None or not 0 < value < 7.5, (field, value)


@pytest.mark.parametrize("url", ["metrics", "versions/1/metrics", "versions/2/metrics", "diff?a=1&b=2"])
def test_plan_json(service, url):
    client, plan_id = service
    assert_no_small_counts(_ok(client.get(f"/api/v1/plans/{plan_id}/{url}")).json())


@pytest.mark.parametrize(
    "url",
    [
        "export.csv",
        "export.geojson",
        "export.geojson?layer=lsoas",
        "export.html",
        "export.xlsx",
        "profiles.csv",
        "profiles.html",
        "profiles.xlsx",
        "map.html",
        "export.gpkg",
        "export.gpkg?layer=lsoas",
    ],
)
def test_plan_files(service, url, tmp_path):
    client, plan_id = service
    response = _ok(client.get(f"/api/v1/plans/{plan_id}/{url}"))
    name = url.split("?")[0]
    path = tmp_path / name
    path.write_bytes(response.content)
    if name.endswith(".gpkg"):
        for layer in gpd.list_layers(path).name:
            assert_no_small_counts(pd.DataFrame(gpd.read_file(path, layer=layer).drop(columns="geometry")))
    else:
        assert_no_small_counts(path)


@pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
def test_hotspots_of_an_extract_with_small_counts(service, small_atlas, fmt, tmp_path):
    client, _ = service
    counts = [(i % 8) if i % 3 == 0 else 40 + i for i in range(36)]
    extract = "lsoa_code,month,attendances\n" + "".join(f"{c},2025-01,{n}\n" for c, n in zip(small_atlas.codes, counts))
    assert set(range(1, 8)) <= set(counts)
    response = _ok(
        client.post(
            f"/api/v1/areas/{AREA}/hotspots?format={fmt}",
            files={"file": ("small.csv", io.BytesIO(extract.encode()), "text/csv")},
        )
    )
    path = tmp_path / f"hotspots.{fmt}"
    path.write_bytes(response.content)
    assert_no_small_counts(path if fmt != "json" else response.json())
