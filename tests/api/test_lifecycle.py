"""Optimistic concurrency (ETag / If-Match), the draft → proposed → agreed lifecycle, and the audit log."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from api.signoff import RULES
from tests.api.conftest import auth, new_plan

MOVE = {"moves": {"G0002": "E07009001"}}


def _move(client, plan_id, etag, moves=MOVE, headers=None):
    return client.post(
        f"/api/v1/plans/{plan_id}/moves",
        json=moves,
        headers={**({"If-Match": etag} if etag else {}), **(headers or {})},
    )


def test_missing_if_match_is_428_and_stale_is_412(client):
    plan_id, etag = new_plan(client)
    response = _move(client, plan_id, None)
    assert response.status_code == 428
    assert response.json()["type"] == "urn:nhp:problem:if-match-required"
    assert _move(client, plan_id, etag).status_code == 201
    stale = _move(client, plan_id, etag, {"moves": {"G0008": "E07009001"}})
    assert stale.status_code == 412
    assert stale.headers["ETag"] == f'"plan-{plan_id}-v2-draft"' == stale.json()["current_etag"]
    versions = client.get(f"/api/v1/plans/{plan_id}/versions").json()
    assert [v["version"] for v in versions] == [1, 2], "a stale move must save nothing"
    assert client.get(f"/api/v1/plans/{plan_id}/versions/2").json()["assignment"]["G0008"] == "E07009000"


def test_concurrent_moves_from_one_etag_let_exactly_one_win(client):
    plan_id, etag = new_plan(client)
    moves = [{"moves": {code: "E07009001"}} for code in ("G0002", "G0008", "G0014", "G0020", "G0026", "G0032")]
    with ThreadPoolExecutor(6) as pool:
        statuses = sorted(pool.map(lambda m: _move(client, plan_id, etag, m).status_code, moves))
    assert statuses == [201] + [412] * 5
    assert client.get(f"/api/v1/plans/{plan_id}").json()["latest_version"] == 2
    moved = [e for e in client.get(f"/api/v1/plans/{plan_id}/audit").json() if e["action"] == "plan.moved"]
    assert len(moved) == 1


def test_lifecycle_to_agreed_and_immutability(client, keys):
    plan_id, etag = new_plan(client, headers=auth(keys["planner"]))
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    submitted = client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **planner})
    assert submitted.status_code == 200 and submitted.json()["state"] == "proposed"
    etag = submitted.headers["ETag"]
    assert etag == f'"plan-{plan_id}-v1-proposed"'
    assert _move(client, plan_id, etag, headers=planner).status_code == 409, "a proposed version is under review"
    body = {"hwb_reference": "LLR HWB 2025-03-14 item 7", "confirmed": list(RULES)}
    assert (
        client.post(f"/api/v1/plans/{plan_id}/agree", json=body, headers={"If-Match": etag, **planner}).status_code
        == 403
    )
    agreed = client.post(f"/api/v1/plans/{plan_id}/agree", json=body, headers={"If-Match": etag, **approver})
    assert agreed.status_code == 200, agreed.text
    record = agreed.json()
    assert record["state"] == "agreed" and record["agreed_by"] == "approver-key"
    assert record["hwb_reference"] == body["hwb_reference"] and record["agreed_at"]
    etag = agreed.headers["ETag"]
    conflict = _move(client, plan_id, etag, headers=planner)
    assert conflict.status_code == 409 and conflict.json()["state"] == "agreed"
    assert client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **planner}).status_code == 409
    # Returning an agreed plan starts version 2 as a draft; version 1 stays agreed and unchanged.
    returned = client.post(f"/api/v1/plans/{plan_id}/return", headers={"If-Match": etag, **planner})
    assert returned.status_code == 200 and returned.json()["version"] == 2 and returned.json()["state"] == "draft"
    assert _move(client, plan_id, returned.headers["ETag"], headers=planner).status_code == 201
    v1 = client.get(f"/api/v1/plans/{plan_id}/versions/1", headers=planner).json()
    assert v1["state"] == "agreed" and v1["assignment"]["G0002"] == "E07009000"


def test_return_from_proposed_and_stale_transition(client):
    plan_id, etag = new_plan(client)
    submitted = client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag})
    assert client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag}).status_code == 412
    back = client.post(
        f"/api/v1/plans/{plan_id}/return",
        json={"note": "needs a rethink"},
        headers={"If-Match": submitted.headers["ETag"]},
    )
    assert back.status_code == 200 and back.json()["version"] == 1 and back.json()["state"] == "draft"
    assert (
        client.post(
            f"/api/v1/plans/{plan_id}/agree", json={"hwb_reference": "x"}, headers={"If-Match": back.headers["ETag"]}
        ).status_code
        == 409
    )
    assert (
        client.post(f"/api/v1/plans/{plan_id}/agree", json={}, headers={"If-Match": back.headers["ETag"]}).status_code
        == 422
    )


def test_audit_records_who_what_when_and_version_never_the_secret(client, keys):
    planner = auth(keys["planner"])
    plan_id, etag = new_plan(client, headers=planner)
    moved = _move(client, plan_id, etag, headers=planner)
    client.post(
        f"/api/v1/plans/{plan_id}/submit",
        json={"note": "for the March board"},
        headers={"If-Match": moved.headers["ETag"], **planner},
    )
    events = client.get(f"/api/v1/plans/{plan_id}/audit", headers=auth(keys["viewer"])).json()
    assert [(e["action"], e["version"]) for e in events] == [
        ("plan.created", 1),
        ("plan.moved", 2),
        ("plan.submitted", 2),
    ]
    assert {e["actor_name"] for e in events} == {"planner-key"}
    assert all(e["actor_key_id"] and e["actor_role"] == "planner" and e["at"] for e in events)
    assert events[1]["detail"]["moves"] == MOVE["moves"]
    assert events[2]["detail"]["note"] == "for the March board"
    text = str(events)
    assert all(secret not in text for secret in keys.values())
    assert (
        client.get(f"/api/v1/plans/{plan_id}/audit", params={"after": events[0]["id"]}, headers=planner).json()[0][
            "action"
        ]
        == "plan.moved"
    )


def test_audit_paging_past_any_id_is_a_422_not_a_crash(client, keys):
    # The fuzzer once sent after=510517984655009185792: more than a database integer holds.
    plan_id, _ = new_plan(client, headers=auth(keys["planner"]))
    for after in (2**31, 2**63, 10**21):
        answer = client.get(f"/api/v1/plans/{plan_id}/audit", params={"after": after}, headers=auth(keys["viewer"]))
        assert answer.status_code == 422, (after, answer.text)
        assert "after" in answer.text
    assert (
        client.get(f"/api/v1/plans/{plan_id}/audit", params={"after": 2**31 - 1}, headers=auth(keys["viewer"])).json()
        == []
    )
