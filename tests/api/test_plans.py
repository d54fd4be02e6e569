"""Plans through the API: create, move with ETags, versions, metrics, diff; on SQLite and PostgreSQL."""

from __future__ import annotations

from geo.testing.disclosure import assert_no_small_counts
from tests.api.conftest import AREA, new_plan

PROBLEM = "application/problem+json"


def test_create_plan_starts_as_draft_version_1(client, atlas):
    plan_id, etag = new_plan(client)
    assert etag == f'"plan-{plan_id}-v1-draft"'
    body = client.get(f"/api/v1/plans/{plan_id}/versions/1").json()
    assert body["state"] == "draft" and body["source"] == "lad"
    assert body["assignment"] == atlas.lsoas.lad_code.to_dict()


def test_one_neighbourhood_start_and_listing(client, atlas):
    plan_id, _ = new_plan(client, start="one", neighbourhood="Whole area")
    version = client.get(f"/api/v1/plans/{plan_id}/versions/1").json()
    assert set(version["assignment"].values()) == {"Whole area"}
    listed = client.get("/api/v1/plans", params={"area": AREA}).json()
    assert [p["id"] for p in listed] == [plan_id]
    assert client.get("/api/v1/plans", params={"area": "OTHER"}).json() == []


def test_move_creates_a_new_version_with_a_new_etag(client):
    plan_id, etag = new_plan(client)
    response = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag}
    )
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == f'"plan-{plan_id}-v2-draft"'
    assert response.json()["moves"] == {"G0002": "E07009001"}
    v2 = client.get(f"/api/v1/plans/{plan_id}/versions/2").json()
    assert v2["assignment"]["G0002"] == "E07009001" and v2["parent_version"] == 1
    v1 = client.get(f"/api/v1/plans/{plan_id}/versions/1").json()
    assert v1["assignment"]["G0002"] == "E07009000", "the old version must not change"
    assert [v["version"] for v in client.get(f"/api/v1/plans/{plan_id}/versions").json()] == [1, 2]


def test_metrics_follow_the_move(client):
    plan_id, etag = new_plan(client)
    before = client.get(f"/api/v1/plans/{plan_id}/versions/1/metrics").json()
    pops = {row["name"]: row["resident_population"] for row in before["neighbourhoods"]}
    assert pops == {"E07009000": 27000, "E07009001": 27000}
    client.post(f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag})
    after = client.get(f"/api/v1/plans/{plan_id}/metrics").json()
    assert after["version"] == 2
    pops = {row["name"]: row["resident_population"] for row in after["neighbourhoods"]}
    assert pops == {"E07009000": 25500, "E07009001": 28500}
    assert after["summary"]["la_crossings"] == 1
    assert_no_small_counts(after)


def test_validation_lists_failed_constraints(client):
    # Target 9000 with two neighbourhoods of 27,000: both are far outside the band.
    plan_id, _ = new_plan(client)
    body = client.get(f"/api/v1/plans/{plan_id}/versions/1/metrics").json()
    assert body["valid"] is False
    assert any(v["neighbourhoods"] for v in body["violations"])


def test_diff_of_two_versions(client):
    plan_id, etag = new_plan(client)
    client.post(
        f"/api/v1/plans/{plan_id}/moves",
        json={"moves": {"G0002": "E07009001", "G0008": "E07009001"}},
        headers={"If-Match": etag},
    )
    diff = client.get(f"/api/v1/plans/{plan_id}/diff", params={"a": 1, "b": 2}).json()
    assert diff["lsoas_moved"] == 2
    assert {m["lsoa_code"] for m in diff["moved"]} == {"G0002", "G0008"}


def test_moving_unknown_lsoa_is_422_and_saves_nothing(client):
    plan_id, etag = new_plan(client)
    response = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {"E01999999": "X"}}, headers={"If-Match": etag}
    )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["column"] == "lsoa_code"
    assert client.get(f"/api/v1/plans/{plan_id}").json()["latest_version"] == 1


def test_a_move_that_changes_nothing_is_refused(client):
    plan_id, etag = new_plan(client)
    response = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0000": "E07009000"}}, headers={"If-Match": etag}
    )
    assert response.status_code == 422
    assert client.get(f"/api/v1/plans/{plan_id}").json()["latest_version"] == 1


def test_unknown_plan_version_and_area_are_404(client):
    assert client.get("/api/v1/plans/999").status_code == 404
    plan_id, _ = new_plan(client)
    assert client.get(f"/api/v1/plans/{plan_id}/versions/7").status_code == 404
    response = client.post("/api/v1/plans", json={"name": "x", "area": "NOPE", "start": "one"})
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM


def test_bad_parameters_are_422(client):
    response = client.post("/api/v1/plans", json={"name": "x", "area": AREA, "target": -5})
    assert response.status_code == 422
    response = client.post("/api/v1/plans", json={"name": "x", "area": AREA, "population": "martians"})
    assert response.status_code == 422
    assert client.get("/api/v1/plans").json() == []


def test_plans_survive_a_restart(settings, atlas):
    """A second app on the same database sees the plan, its versions and its audit trail."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings, atlas_provider={AREA: atlas}), base_url="http://127.0.0.1") as first:
        plan_id, etag = new_plan(first)
        first.post(f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag})
    with TestClient(create_app(settings, atlas_provider={AREA: atlas}), base_url="http://127.0.0.1") as second:
        assert second.get(f"/api/v1/plans/{plan_id}").json()["latest_version"] == 2
        metrics = second.get(f"/api/v1/plans/{plan_id}/versions/2/metrics").json()
        assert {r["name"]: r["resident_population"] for r in metrics["neighbourhoods"]}["E07009001"] == 28500
        assert [e["action"] for e in second.get(f"/api/v1/plans/{plan_id}/audit").json()] == [
            "plan.created",
            "plan.moved",
        ]
