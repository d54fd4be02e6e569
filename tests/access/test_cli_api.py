"""``nhp sites``, ``nhp access`` and the API routes on the synthetic grid."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import cli
from cli import _common
from geo.testing import grid_atlas
from geo.testing.disclosure import assert_no_small_counts
from tests.api.conftest import AREA, app, atlas, auth, client, db_url, keys, new_plan, settings  # noqa: F401


@pytest.fixture
def grid_cli(monkeypatch, tmp_path):
    grid = grid_atlas(6, 6, lad_width=3)
    monkeypatch.setattr(_common, "atlas_from_args", lambda args: grid)
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"lsoa_code": grid.codes, "neighbourhood": grid.lsoas.lad_code.to_numpy()}).to_csv(plan, index=False)
    return grid, plan


def test_nhp_sites_writes_one_row_per_site(grid_cli, tmp_path, capsys):
    grid, plan = grid_cli
    out = tmp_path / "sites.csv"
    assert (
        cli.main(
            [
                "sites",
                str(plan),
                "--area",
                "GRID",
                "--data-dir",
                "/nonexistent",
                "--per-neighbourhood",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert len(table) == 4 and table.groupby("neighbourhood").size().tolist() == [2, 2]
    assert table.people.sum() == grid.lsoas.resident_population.sum()
    assert "largest optimality gap 0" in capsys.readouterr().out


def test_nhp_sites_reads_a_candidate_file_and_names_a_bad_row(grid_cli, tmp_path, capsys):
    _, plan = grid_cli
    estate = tmp_path / "estate.csv"
    estate.write_text("id,name,easting,northing\nH1,Hall,451500,301500\nH2,Library,454500,304500\n")
    out = tmp_path / "sites.geojson"
    assert (
        cli.main(
            [
                "sites",
                str(plan),
                "--area",
                "GRID",
                "--data-dir",
                "/nonexistent",
                "--total",
                "2",
                "--candidates",
                str(estate),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert {f["properties"]["site_code"] for f in json.loads(out.read_text())["features"]} == {"H1", "H2"}
    estate.write_text("id,name,easting,northing\nH1,Hall,451500,x\n")
    assert (
        cli.main(["sites", str(plan), "--area", "GRID", "--total", "1", "--candidates", str(estate), "--out", str(out)])
        == 2
    )
    assert "row 1, column 'northing'" in capsys.readouterr().err


def test_nhp_access_prints_sources_and_json(grid_cli, capsys):
    _, plan = grid_cli
    assert cli.main(["access", str(plan), "--area", "GRID", "--data-dir", "/nonexistent"]) == 0
    text = capsys.readouterr().out
    assert "Sources and methods" in text and "modelled" in text and "need index" in text
    assert cli.main(["access", str(plan), "--area", "GRID", "--data-dir", "/nonexistent", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert len(body["neighbourhoods"]) == 2 and body["notes"]["thresholds"] == {
        "practice_km": 2.0,
        "hospital_minutes": 30.0,
    }


def test_the_api_answers_access_and_sites_and_refuses_what_is_too_large(client, keys, monkeypatch):
    plan_id, _ = new_plan(client, auth(keys["planner"]))
    access = client.get(f"/api/v1/plans/{plan_id}/access", headers=auth(keys["viewer"]))
    assert access.status_code == 200, access.text
    body = access.json()
    assert len(body["neighbourhoods"]) == 2 and "need_index" in body["neighbourhoods"][0]
    assert_no_small_counts(body)
    assert client.post(f"/api/v1/plans/{plan_id}/sites", headers=auth(keys["viewer"])).status_code == 403
    sites = client.post(f"/api/v1/plans/{plan_id}/sites", json={"per_neighbourhood": 2}, headers=auth(keys["planner"]))
    assert sites.status_code == 200, sites.text
    answer = sites.json()
    assert len(answer["sites"]) == 4 and answer["max_gap"] == 0.0
    # Measured from the access layer's points, and labelled as the access answer labels its neighbourhoods.
    label = answer["notes"]["points"]["label"]
    assert label in answer["notes"]["method"] and label.startswith("straight line from")
    words = {row["neighbourhood"]: row["practice_km_method"] for row in body["neighbourhoods"]}
    one = client.post(f"/api/v1/plans/{plan_id}/sites", json={"per_neighbourhood": 1}, headers=auth(keys["planner"]))
    for site in one.json()["sites"]:  # one site each: its catchment is its whole neighbourhood
        assert site["km_method"] == words[site["neighbourhood"]]
    assert_no_small_counts(answer)
    csv = client.post(f"/api/v1/plans/{plan_id}/sites?format=csv", json={"total": 3}, headers=auth(keys["planner"]))
    assert csv.status_code == 200 and csv.text.startswith("neighbourhood,site_code,site_name,people")
    both = client.post(
        f"/api/v1/plans/{plan_id}/sites", json={"per_neighbourhood": 1, "total": 2}, headers=auth(keys["planner"])
    )
    assert both.status_code == 422
    from api.routes import access as route

    monkeypatch.setattr(route, "MAX_WHOLE_AREA_LSOAS", 10)
    big = client.post(f"/api/v1/plans/{plan_id}/sites", json={"total": 2}, headers=auth(keys["planner"]))
    assert big.status_code == 413 and "at most 10 LSOAs" in big.json()["detail"]
