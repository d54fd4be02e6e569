"""Renaming neighbourhoods through the API (a new version, If-Match, audited): issue 12."""

from __future__ import annotations

from tests.api.conftest import new_plan


def test_rename_creates_a_version_and_is_audited(client):
    plan_id, etag = new_plan(client)
    url = f"/api/v1/plans/{plan_id}/rename"
    assert client.post(url, json={"names": {"E07009000": "West"}}).status_code == 428
    response = client.post(url, json={"names": {"E07009000": "West"}, "note": "HWB names"}, headers={"If-Match": etag})
    assert response.status_code == 201, response.text
    assert response.json()["moves"] == {"E07009000": "West"}
    v2 = client.get(f"/api/v1/plans/{plan_id}/versions/2").json()
    assert set(v2["assignment"].values()) == {"West", "E07009001"} and v2["source"] == "rename"
    metrics = client.get(f"/api/v1/plans/{plan_id}/metrics").json()
    assert {row["name"] for row in metrics["neighbourhoods"]} == {"West", "E07009001"}
    audit = client.get(f"/api/v1/plans/{plan_id}/audit").json()
    assert any(e["action"] == "plan.renamed" for e in audit)
    assert client.post(url, json={"names": {"West": "East"}}, headers={"If-Match": etag}).status_code == 412


def test_bad_renames_are_422_and_save_nothing(client):
    plan_id, etag = new_plan(client)
    url = f"/api/v1/plans/{plan_id}/rename"
    for names in ({"Nowhere": "X"}, {"E07009000": "E07009001"}, {"E07009000": "=1+1"}):
        response = client.post(url, json={"names": names}, headers={"If-Match": etag})
        assert response.status_code == 422, (names, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert [v["version"] for v in client.get(f"/api/v1/plans/{plan_id}/versions").json()] == [1]


def test_a_rename_stores_a_pointer_not_the_assignment_and_every_version_reads_back_whole(client, app, atlas):
    """Issue 20, item 6: each rename stored the whole assignment again. A chain of renames (longer than the longest
    chain of pointers), with a move among them, reads back exactly as an independent replay says, from a cold
    service (no cached Plan)."""
    from sqlalchemy import select

    from api.models import PlanVersion
    from api.rename_storage import MAX_DELTA_CHAIN, is_delta

    plan_id, etag = new_plan(client)
    expected = {1: dict(client.get(f"/api/v1/plans/{plan_id}/versions/1").json()["assignment"])}
    names = {"E07009000": "E07009000", "E07009001": "E07009001"}
    steps = MAX_DELTA_CHAIN + 4
    for step in range(steps):
        version = step + 2
        if step == 5:
            response = client.post(
                f"/api/v1/plans/{plan_id}/moves",
                json={"moves": {"G0002": names["E07009001"]}},
                headers={"If-Match": etag},
            )
            expected[version] = {**expected[version - 1], "G0002": names["E07009001"]}
        else:
            new = f"West {step}"
            response = client.post(
                f"/api/v1/plans/{plan_id}/rename", json={"names": {names["E07009000"]: new}}, headers={"If-Match": etag}
            )
            expected[version] = {c: new if n == names["E07009000"] else n for c, n in expected[version - 1].items()}
            names["E07009000"] = new
        assert response.status_code == 201, response.text
        etag = response.headers["ETag"]
    db = app.state.nhp.db
    with db.read() as session:
        stored = dict(
            session.execute(
                select(PlanVersion.version, PlanVersion.assignment).where(PlanVersion.plan_id == plan_id)
            ).all()
        )
    pointers = sorted(v for v, value in stored.items() if is_delta(value))
    # Every rename is a pointer but the move (version 7) and the one after the longest chain (version 24).
    assert pointers == [v for v in range(2, steps + 2) if v not in (7, 7 + MAX_DELTA_CHAIN + 1)], pointers
    # Cold reads: a fresh PlanService rebuilds every version from storage.
    from api.plans import PlanService

    app.state.nhp.plans = PlanService(db, app.state.nhp.atlases)
    for version, assignment in expected.items():
        body = client.get(f"/api/v1/plans/{plan_id}/versions/{version}").json()
        assert body["assignment"] == assignment, version
        rows = client.get(f"/api/v1/plans/{plan_id}/versions/{version}/metrics").json()["neighbourhoods"]
        assert {r["name"] for r in rows} == set(assignment.values()), version
