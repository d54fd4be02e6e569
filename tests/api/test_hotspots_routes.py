"""Hotspot routes: an uploaded extract finds its planted cluster, bad extracts are 422, the demo's modelled layer
is labelled as such, and no small count leaves the service."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from geo.testing.disclosure import assert_no_small_counts
from geo.settings import Settings
from geo.testing import grid_atlas
from geo.uec import synthetic_extract


@pytest.fixture(scope="module")
def big_atlas():
    return grid_atlas(20, 20, lad_width=10)


@pytest.fixture
def client(tmp_path, big_atlas):
    from api.app import create_app

    app = create_app(Settings(home_dir=tmp_path), atlas_provider={"BIG": big_atlas})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as test_client:
        yield test_client


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode()


def test_uploaded_extract_finds_planted_cluster_without_small_counts(client, big_atlas):
    extract = synthetic_extract(big_atlas, seed=3, hotspots=["G0210"], relative_risk=3.0)
    response = client.post("/api/v1/areas/BIG/hotspots", files={"file": ("ae.csv", io.BytesIO(_csv(extract)))})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["uec_kind"] == "extract"
    high = {row["lsoa_code"] for row in body["lsoas"] if row["hotspot"] == "high"}
    assert "G0210" in high or high & set(big_atlas.neighbours["G0210"])
    assert_no_small_counts(body["lsoas"], 7)


def test_patient_level_upload_returns_only_aggregates(client, big_atlas):
    rows = synthetic_extract(big_atlas, seed=4, patient_level=True, months=1)
    response = client.post(
        "/api/v1/areas/BIG/hotspots?format=csv", files={"file": ("rows.csv", io.BytesIO(_csv(rows)))}
    )
    assert response.status_code == 200
    header = response.text.splitlines()[0]
    assert "arrival" not in header.lower() and header.startswith("lsoa_code,lsoa_name,attendances,")


def test_bad_extract_is_422_naming_the_uploaded_file(client):
    bad = b"lsoa_code,month,attendances\nG0001,2025-01,12\nG0002,2025-01,-3\n"
    response = client.post(
        "/api/v1/areas/BIG/hotspots?strict=true", files={"file": ("my-extract.csv", io.BytesIO(bad))}
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["file"] == "my-extract.csv" and problem["row"] == 2 and problem["column"] == "attendances"


def test_wrong_file_type_is_422(client):
    response = client.post("/api/v1/areas/BIG/hotspots", files={"file": ("notes.docx", io.BytesIO(b"hello"))})
    assert response.status_code == 422 and "notes.docx" in response.json()["detail"]
    assert "unrecognised file type '.docx' for a UEC extract" in response.json()["detail"]


def test_demo_region_modelled_hotspots_are_labelled_modelled(tmp_path):
    from api.app import create_app

    with TestClient(create_app(Settings(home_dir=tmp_path)), base_url="http://127.0.0.1") as client:
        response = client.get("/api/v1/areas/Q99/hotspots")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["uec_kind"] == "modelled" and "modelled" in body["source"].lower()
        assert len(body["lsoas"]) == 200
        assert_no_small_counts(json.dumps(body["lsoas"]), 7)


def test_uploaded_extract_with_small_counts_cannot_be_differenced(client, big_atlas):
    """Issue 15: an LSOA with 5 attendances inside a planted cluster; no total of the answer gives it back."""
    extract = synthetic_extract(big_atlas, seed=3, hotspots=["G0210"], relative_risk=3.0)
    victim = big_atlas.neighbours["G0210"][0]
    extract = extract[extract.lsoa_code != victim]
    extract = pd.concat(
        [
            extract,
            pd.DataFrame(
                [
                    {
                        "lsoa_code": victim,
                        "month": "2025-03",
                        "age_band": extract.age_band.iloc[0],
                        "department_type": "1",
                        "attendances": 5,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    response = client.post("/api/v1/areas/BIG/hotspots", files={"file": ("ae.csv", io.BytesIO(_csv(extract)))})
    assert response.status_code == 200, response.text
    body = response.json()
    row = next(r for r in body["lsoas"] if r["lsoa_code"] == victim)
    assert row["attendances"] is None and row["funnel"] is None and row["hotspot"] is None
    assert body["area"]["rounded_to"] == 10 and body["area"]["suppressed_lsoas"] == 1
    assert all(victim not in c["lsoa_codes"].split() for c in body["clusters"])
    assert_no_small_counts(body)  # runs the differencing search on a hotspot answer
    assert "two-sided" in body["method"] and body["dispersion"]["units"] == 399


@pytest.mark.parametrize("basis", ["resident", "registered"])
def test_plan_hotspots_give_the_plans_own_population(tmp_path, basis):
    """Issue 22: ``/plans/{id}/metrics`` said 158,947 and ``/plans/{id}/hotspots`` 158,790 for one neighbourhood
    of a registered-basis plan (the second re-summed residents): both now read the plan's counted population."""
    from api.app import create_app

    settings = Settings(home_dir=tmp_path, data_dir=None)
    with TestClient(create_app(settings), raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        created = client.post("/api/v1/plans", json={"name": "p", "area": "Q99", "start": "lad", "population": basis})
        assert created.status_code == 201, created.text
        plan_id = created.json()["id"]
        metrics = client.get(f"/api/v1/plans/{plan_id}/metrics").json()
        hotspots = client.get(f"/api/v1/plans/{plan_id}/hotspots")
        assert hotspots.status_code == 200, hotspots.text
        body = hotspots.json()
    assert metrics["summary"]["population_basis"] == body["population_basis"] == basis
    counted = {row["name"]: row["population"] for row in metrics["neighbourhoods"]}
    shown = {row["neighbourhood"]: row["population"] for row in body["neighbourhoods"]}
    assert shown == counted and len(shown) == 3
    if basis == "registered":  # the two bases differ here, so residents could not pass for the plan's population
        residents = {row["name"]: row["resident_population"] for row in metrics["neighbourhoods"]}
        assert residents != counted
    for row in body["neighbourhoods"]:
        assert row["rate_per_1000"] == pytest.approx(1000 * row["attendances"] / row["population"], abs=0.06)
    assert_no_small_counts(body)
