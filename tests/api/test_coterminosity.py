"""Coterminosity of a stored plan with built-in geographies through the API (issue 12); files are never read
from the server's disk on a client's say-so."""

from __future__ import annotations

from tests.api.conftest import new_plan


def test_coterminosity_with_local_authorities(client):
    plan_id, etag = new_plan(client)
    client.post(f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag})
    body = client.get(f"/api/v1/plans/{plan_id}/coterminosity", params={"with": "las,pcns"}).json()
    las = body["coterminosity"][0]
    assert las["geography"] == "las" and las["units_split"] == 1 and las["split"][0]["unit"] == "E07009000"
    assert 0 < las["coterminosity_index"] < 1 and body["version"] == 2
    assert client.get(f"/api/v1/plans/{plan_id}/coterminosity", params={"with": "wards"}).status_code == 422
    assert client.get(f"/api/v1/plans/{plan_id}/coterminosity", params={"with": "/etc/passwd"}).status_code == 422
