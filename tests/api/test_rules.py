"""``GET /limits`` publishes the name rule the service enforces: the page reads its limits from here."""

from __future__ import annotations

from tests.api.conftest import AREA


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
