"""Sign-off that shows validity: the unmet rules of the version being agreed, each confirmed knowingly (refused
otherwise, recorded in the audit); the list of versions awaiting the caller's sign-off; who may agree."""

from __future__ import annotations

from tests.api.conftest import TARGET, auth, new_plan


def _submit(client, plan_id, etag, headers):
    response = client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **headers})
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def _agree(client, plan_id, etag, headers, confirmed=None, reference="HWB 2026-03-14 item 7"):
    body = {"hwb_reference": reference, **({"confirmed": confirmed} if confirmed is not None else {})}
    return client.post(f"/api/v1/plans/{plan_id}/agree", json=body, headers={"If-Match": etag, **headers})


def _invalid_proposed_plan(client, planner):
    """One neighbourhood per authority (27,000 people each against a target of 9,000) with one LSOA moved across
    the authority boundary: outside tolerance and crossing authorities."""
    plan_id, etag = new_plan(client, headers=planner)
    moved = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag, **planner}
    )
    assert moved.status_code == 201, moved.text
    return plan_id, _submit(client, plan_id, moved.headers["ETag"], planner)


def test_unmet_rules_are_those_of_the_versions_own_metrics(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    plan_id, etag = _invalid_proposed_plan(client, planner)
    box = client.get(f"/api/v1/plans/{plan_id}/signoff", headers=approver)
    assert box.status_code == 200, box.text
    box = box.json()
    assert box["version"] == 2 and box["state"] == "proposed" and box["etag"] == etag and box["can_agree"]
    metrics = client.get(f"/api/v1/plans/{plan_id}/versions/2/metrics", headers=approver).json()
    tolerance = 100 * metrics["summary"]["tolerance"]
    outside = {r["name"] for r in metrics["neighbourhoods"] if abs(r["deviation_pct"]) > tolerance}
    crossing = {n for v in metrics["violations"] if v["constraint"] == "la_nesting" for n in v["neighbourhoods"]}
    rules = {r["rule"]: r for r in box["unmet"]}
    assert outside and crossing, "the fixture must break both rules"
    assert set(rules["population"]["neighbourhoods"]) == outside
    assert set(rules["la_nesting"]["neighbourhoods"]) == crossing
    assert rules["population"]["count"] == len(outside) and str(len(outside)) in rules["population"]["text"]
    splits = metrics["summary"]["practice_splits"]
    assert ("practice_splits" in rules) == (splits > 0)
    if splits:
        assert f"{splits} of {metrics['summary']['practices']} GP practices" in rules["practice_splits"]["text"]
    assert "contiguity" not in rules and metrics["summary"]["contiguous"]


def test_agree_is_refused_until_every_unmet_rule_is_confirmed(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    plan_id, etag = _invalid_proposed_plan(client, planner)
    unmet = client.get(f"/api/v1/plans/{plan_id}/signoff", headers=approver).json()["unmet"]
    rules = [r["rule"] for r in unmet]
    assert {"population", "la_nesting"} <= set(rules)

    for confirmed in (None, [], rules[1:]):
        refused = _agree(client, plan_id, etag, approver, confirmed)
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["type"] == "urn:nhp:problem:unconfirmed-rules"
        missing = [r for r in rules if r not in (confirmed or [])]
        assert problem["unconfirmed"] == missing
        assert all(r["text"] in problem["detail"] for r in unmet if r["rule"] in missing)
    # Nothing was agreed or audited by the refusals.
    assert client.get(f"/api/v1/plans/{plan_id}", headers=approver).headers["ETag"] == etag
    events = client.get(f"/api/v1/plans/{plan_id}/audit", headers=approver).json()
    assert not [e for e in events if e["action"] == "plan.agreed"]

    agreed = _agree(client, plan_id, etag, approver, rules + ["contiguity"])  # an extra confirmation is harmless
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["state"] == "agreed"
    [event] = [
        e for e in client.get(f"/api/v1/plans/{plan_id}/audit", headers=approver).json() if e["action"] == "plan.agreed"
    ]
    assert event["actor_name"] == "approver-key" and event["version"] == 2
    recorded = event["detail"]["confirmed_unmet"]
    assert [r["rule"] for r in recorded] == rules, "only the rules unmet are recorded, in the box's order"
    assert [r["text"] for r in recorded] == [r["text"] for r in unmet], "with the words the approver saw"


def test_a_plan_meeting_every_rule_is_agreed_without_confirmations(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    # One neighbourhood per authority of 18 cells, with a target of 18 cells: every rule met except, perhaps,
    # practices split (the grid's practices do not follow the authorities); then only that one is asked for.
    plan_id, etag = new_plan(client, headers=planner, target=TARGET * 3)
    etag = _submit(client, plan_id, etag, planner)
    box = client.get(f"/api/v1/plans/{plan_id}/signoff", headers=approver).json()
    metrics = client.get(f"/api/v1/plans/{plan_id}/metrics", headers=approver).json()
    assert metrics["valid"]
    assert [r["rule"] for r in box["unmet"]] == (["practice_splits"] if metrics["summary"]["practice_splits"] else [])
    agreed = _agree(client, plan_id, etag, approver, [r["rule"] for r in box["unmet"]])
    assert agreed.status_code == 200, agreed.text


def test_unknown_confirmation_keys_are_refused_as_bad_input(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    plan_id, etag = _invalid_proposed_plan(client, planner)
    for bad in (["Population!"], ["x" * 41], ["population"] * 21, "population"):
        response = _agree(client, plan_id, etag, approver, bad)
        assert response.status_code == 422, (bad, response.text)


def test_awaiting_list_and_who_may_agree(client, keys, app):
    from api.auth import create_key

    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    second = auth(create_key(app.state.nhp.db, "second-approver", "approver")[1])
    by_planner, _ = _invalid_proposed_plan(client, planner)
    by_approver, etag = _invalid_proposed_plan(client, approver)  # an approver who authored cannot agree it
    draft, _ = new_plan(client, headers=planner)  # a draft awaits nobody

    def awaiting(headers):
        response = client.get("/api/v1/signoff/awaiting", headers=headers)
        assert response.status_code == 200, response.text
        return [(p["plan_id"], p["version"]) for p in response.json()]

    assert awaiting(approver) == [(by_planner, 2)]
    assert awaiting(second) == [(by_approver, 2), (by_planner, 2)], "newest submission first"
    assert awaiting(planner) == [] and awaiting(auth(keys["viewer"])) == []
    listed = client.get("/api/v1/signoff/awaiting", headers=second).json()[0]
    assert listed["name"] == "test plan" and listed["submitted_by"] == "approver-key" and listed["etag"] == etag

    own = client.get(f"/api/v1/plans/{by_approver}/signoff", headers=approver).json()
    assert own["can_agree"] is False and own["authored_versions"] == [1, 2] and own["submitted_by"] == "approver-key"
    assert client.get(f"/api/v1/plans/{by_approver}/signoff", headers=second).json()["can_agree"] is True
    assert client.get(f"/api/v1/plans/{by_planner}/signoff", headers=planner).json()["can_agree"] is False
    assert client.get(f"/api/v1/plans/{draft}/signoff", headers=approver).json()["can_agree"] is False
    # The server refuses what the box does not offer (four-eyes), even with every rule confirmed.
    rules = [r["rule"] for r in own["unmet"]]
    assert _agree(client, by_approver, etag, approver, rules).status_code == 403
    assert _agree(client, by_approver, etag, second, rules).status_code == 200
    assert awaiting(second) == [(by_planner, 2)]


def test_the_awaiting_list_counts_each_versions_unmet_rules_as_its_signoff_box_lists_them(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    invalid, _ = _invalid_proposed_plan(client, planner)
    fitting, etag = new_plan(client, headers=planner, target=27_000)  # one neighbourhood per authority, on target
    _submit(client, fitting, etag, planner)
    listed = client.get("/api/v1/signoff/awaiting", headers=approver)
    assert listed.status_code == 200, listed.text
    counts = {item["plan_id"]: item["unmet_rules"] for item in listed.json()}
    for plan_id in (invalid, fitting):
        box = client.get(f"/api/v1/plans/{plan_id}/signoff", headers=approver).json()
        assert counts[plan_id] == len(box["unmet"]), plan_id
    assert counts[invalid] >= 2  # outside the tolerance and across authorities
    assert counts[fitting] < counts[invalid] and counts[fitting] <= 1  # at most its split practices
