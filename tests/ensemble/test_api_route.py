"""``POST /areas/{area}/ensembles``: a bounded ensemble computed in the request, the same bytes for the same body,
the runs as Parquet, a saved plan placed in it, and refusals for what is too large or not allowed."""

from __future__ import annotations


import pytest
from fastapi.testclient import TestClient

from geo.ensemble import SCORES
from geo.settings import Settings
from geo.testing import grid_atlas

URL = "/api/v1/areas/GRID/ensembles"
BODY = {"steps": 200, "seed": 3, "target": 9000, "tolerance": 0.1, "nest": "lad"}


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(6, 6, lad_width=3)


@pytest.fixture
def app(tmp_path, atlas):
    from api.app import create_app

    settings = Settings(
        home_dir=tmp_path / "home",
        data_dir=None,
        database_url=f"sqlite:///{tmp_path / 'nhp.sqlite3'}",
        target_population=9000,
    )
    return create_app(settings, atlas_provider={"GRID": atlas})


@pytest.fixture
def client(app):
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_summary_is_deterministic_and_within_the_band(client):
    first = client.post(URL, json=BODY)
    assert first.status_code == 200, first.text
    assert client.post(URL, json=BODY).content == first.content
    answer = first.json()
    assert answer["steps"] == 200 and set(answer["scores"]) == set(SCORES)
    assert answer["scores"]["max_abs_deviation_pct"]["max"] <= 10.0 + 1e-9
    assert answer["scores"]["la_crossings"]["max"] == 0  # nested in the two authorities
    assert (
        answer["scores"]["cut_edges"]["min"]
        <= answer["scores"]["cut_edges"]["median"]
        <= answer["scores"]["cut_edges"]["max"]
    )


def test_runs_as_parquet_are_the_cli_runs(client, tmp_path):
    from geo.ensemble.io import read_runs

    response = client.post(URL, json={**BODY, "format": "parquet"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/vnd.apache.parquet"
    path = tmp_path / "runs.parquet"
    path.write_bytes(response.content)
    runs, metadata = read_runs(path)
    assert len(runs) == 200 and metadata["seed"] == 3 and metadata["nest"] == "lad"
    assert (runs.max_abs_deviation_pct <= 10 + 1e-9).all()


def test_a_saved_plan_is_placed(client):
    created = client.post("/api/v1/plans", json={"name": "by authority", "area": "GRID", "start": "lad"})
    assert created.status_code == 201, created.text
    answer = client.post(URL, json={**BODY, "plan_id": created.json()["id"]}).json()
    placement = answer["placement"]
    # One neighbourhood per authority holds 27,000 people against a 9,000 target: 200 % off, above every plan.
    assert placement["scores"]["max_abs_deviation_pct"] == pytest.approx(200.0)
    assert placement["percentiles"]["max_abs_deviation_pct"] == 100.0
    assert all(0 <= p <= 100 for p in placement["percentiles"].values())
    page = client.post(URL, json={**BODY, "plan_id": created.json()["id"], "format": "html"})
    assert page.status_code == 200 and page.text.count("<svg") == len(SCORES)
    assert "<script" not in page.text and "src=" not in page.text


@pytest.mark.parametrize(
    "change", [{"steps": 5001}, {"steps": 0}, {"nest": "ward"}, {"tolerance": 1.5}, {"unknown": 1}, {"plan_id": 0}]
)
def test_bad_bodies_are_422(client, change):
    response = client.post(URL, json={**BODY, **change})
    assert response.status_code == 422, response.text


def test_a_missing_plan_is_404(client):
    assert client.post(URL, json={**BODY, "plan_id": 999}).status_code == 404


def test_a_viewer_may_not_run_an_ensemble(app, client):
    from api.auth import create_key

    secret = create_key(app.state.nhp.db, "viewer-key", "viewer")[1]
    response = client.post(URL, json=BODY, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
