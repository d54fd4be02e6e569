"""``GET /limits`` publishes the name rule the service enforces: the page reads its limits from here."""

from __future__ import annotations

from tests.api.conftest import AREA, new_plan


def test_published_name_limit_is_the_one_the_service_enforces(client):
    limits = client.get("/api/v1/limits").json()
    longest = limits["name_max_length"]
    assert client.post("/api/v1/plans", json={"name": "n" * longest, "area": AREA, "start": "lad"}).status_code == 201
    too_long = client.post("/api/v1/plans", json={"name": "n" * (longest + 1), "area": AREA, "start": "lad"})
    assert too_long.status_code == 422
    for char in limits["name_forbidden_start"]:
        answer = client.post("/api/v1/plans", json={"name": f"{char}1+1", "area": AREA, "start": "lad"})
        assert answer.status_code == 422, (char, answer.text)
    assert set(limits["name_forbidden_start"]) == {"=", "+", "-", "@"}


def test_the_schema_states_the_limit_the_service_enforces(client):
    longest = client.get("/api/v1/limits").json()["name_max_length"]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    plan_create = schemas["PlanCreate"]["properties"]
    assert plan_create["name"]["maxLength"] == longest
    assert plan_create["neighbourhood"]["maxLength"] == longest
    moves = schemas["MovesCreate"]
    assert moves["properties"]["moves"]["additionalProperties"]["maxLength"] == longest


def test_a_move_to_a_missing_value_word_is_refused_and_nothing_is_saved(client):
    plan_id, etag = new_plan(client)
    for word in ("None", "NaN", "nan", "NA", "null", "#N/A", "=1+1", "x" * 81):
        answer = client.post(
            f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": word}}, headers={"If-Match": etag}
        )
        assert answer.status_code == 422, (word, answer.text)
    assert [v["version"] for v in client.get(f"/api/v1/plans/{plan_id}/versions").json()] == [1]
    assert client.get(f"/api/v1/plans/{plan_id}/metrics").status_code == 200
