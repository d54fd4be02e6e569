"""Cached read answers (api/readcache.py) stay exactly what the database says, across worker processes.

Two apps on one database stand for two ``nhp serve`` workers: each keeps its own caches, so a change made through
one must show at once in the other's versions, audit trail, metrics and authentication.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.plan_versions import audit_events, list_versions
from api.schemas import AuditEventPublic, VersionPublic
from api.serialize import version_public
from tests.api.conftest import AREA, auth, new_plan


@pytest.fixture
def other(settings, atlas):
    """A second app (another worker) on the same database."""
    from api.app import create_app

    with TestClient(
        create_app(settings, atlas_provider={AREA: atlas}), raise_server_exceptions=False, base_url="http://127.0.0.1"
    ) as test_client:
        yield test_client


def stored_versions(app, plan_id):
    """The versions as the database holds them, rendered without any cache."""
    with app.state.nhp.db.read() as session:
        return [
            VersionPublic.model_validate(version_public(v)).model_dump(mode="json")
            for v in list_versions(session, plan_id)
        ]


def stored_audit(app, plan_id):
    with app.state.nhp.db.read() as session:
        return [AuditEventPublic.model_validate(e).model_dump(mode="json") for e in audit_events(session, plan_id)]


def move(client, plan_id, etag, code, label):
    response = client.post(f"/api/v1/plans/{plan_id}/moves", json={"moves": {code: label}}, headers={"If-Match": etag})
    assert response.status_code == 201, response.text
    return response.headers["ETag"]


def test_versions_follow_moves_and_state_changes_made_by_another_worker(app, client, other):
    plan_id, etag = new_plan(client)
    assert client.get(f"/api/v1/plans/{plan_id}/versions").json() == stored_versions(app, plan_id)
    etag = move(other, plan_id, etag, "G0003", "E07009000")
    seen = client.get(f"/api/v1/plans/{plan_id}/versions").json()
    assert [v["version"] for v in seen] == [1, 2] and seen == stored_versions(app, plan_id)
    # Submit, then return to draft in place: the same version changes state twice, the same ETag comes back.
    submitted = other.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag})
    assert submitted.status_code == 200, submitted.text
    assert client.get(f"/api/v1/plans/{plan_id}/versions").json()[-1]["state"] == "proposed"
    returned = other.post(f"/api/v1/plans/{plan_id}/return", headers={"If-Match": submitted.headers["ETag"]})
    assert returned.status_code == 200, returned.text
    assert client.get(f"/api/v1/plans/{plan_id}/versions").json() == stored_versions(app, plan_id)
    assert client.get(f"/api/v1/plans/{plan_id}/versions").json()[-1]["state"] == "draft"


def test_audit_trail_and_its_pages_match_the_database(app, client, other):
    plan_id, etag = new_plan(client)
    for k, code in enumerate(["G0003", "G0004", "G0009", "G0010"]):
        etag = move(client if k % 2 else other, plan_id, etag, code, "E07009000")
        assert client.get(f"/api/v1/plans/{plan_id}/audit").json() == stored_audit(app, plan_id)
    everything = stored_audit(app, plan_id)
    assert [e["action"] for e in everything] == ["plan.created"] + ["plan.moved"] * 4
    after = everything[1]["id"]
    page = client.get(f"/api/v1/plans/{plan_id}/audit", params={"after": after, "limit": 2}).json()
    assert page == [e for e in everything if e["id"] > after][:2]
    assert client.get(f"/api/v1/plans/{plan_id}/audit", params={"after": everything[-1]["id"]}).json() == []
    assert client.get("/api/v1/plans/999999/audit").status_code == 404
    assert client.get("/api/v1/plans/999999/versions").status_code == 404


def test_metrics_are_those_of_the_latest_version_whoever_wrote_it(client, other):
    plan_id, etag = new_plan(client)
    first = client.get(f"/api/v1/plans/{plan_id}/metrics")
    assert first.headers["ETag"] == first.json()["etag"] == etag
    etag = move(other, plan_id, etag, "G0003", "E07009000")
    second = client.get(f"/api/v1/plans/{plan_id}/metrics")
    assert second.headers["ETag"] == second.json()["etag"] == etag and second.json()["version"] == 2
    people = {row["name"]: row["resident_population"] for row in second.json()["neighbourhoods"]}
    assert people == {"E07009000": 19 * 1500, "E07009001": 17 * 1500}  # 18 cells each before one moved
    # The first version's answer is unchanged, and the same body is served again.
    assert client.get(f"/api/v1/plans/{plan_id}/versions/1/metrics").json() == first.json()


def test_a_key_created_by_another_worker_ends_local_mode_at_once(client, other):
    assert client.get("/api/v1/plans").status_code == 200  # local single-user mode: no key yet
    created = other.post("/api/v1/keys", json={"name": "first", "role": "admin"})
    assert created.status_code == 201, created.text
    assert client.get("/api/v1/plans").status_code == 401
    secret = created.json()["secret"]
    assert client.get("/api/v1/plans", headers=auth(secret)).status_code == 200


def test_an_edit_made_by_another_worker_is_replayed_and_scored_the_same(app, client, other):
    # Worker "client" holds version 1; "other" saves version 2. Reading version 2, "client" replays the stored moves
    # on its own version 1 (no recount of every metric) and must answer exactly what "other" answers.
    plan_id, etag = new_plan(client)
    assert client.get(f"/api/v1/plans/{plan_id}/metrics").status_code == 200  # client now holds version 1
    other.get(f"/api/v1/plans/{plan_id}/metrics")
    etag = move(other, plan_id, etag, "G0003", "E07009000")
    mine, theirs = client.get(f"/api/v1/plans/{plan_id}/metrics"), other.get(f"/api/v1/plans/{plan_id}/metrics")
    assert mine.status_code == theirs.status_code == 200
    assert mine.json() == theirs.json() and mine.json()["version"] == 2
    assert mine.json()["summary"]["name"] == f"plan-{plan_id}-v2"
    service = client.app.state.nhp.plans
    replayed = service.cache.get((plan_id, 2))
    assert replayed is not None and replayed.parent is service.cache.get((plan_id, 1))
