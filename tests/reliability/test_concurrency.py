"""Two planners editing one plan never lose an update: the second to save gets 412 with the current ETag, and after
reloading can apply its own move on top of the first one's. Raced for real against a uvicorn process too."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.api.conftest import AREA, auth, new_plan
from tests.reliability.server import Server


def test_second_planner_gets_412_then_applies_the_move_after_reloading(client, keys):
    alice, bob = auth(keys["planner"]), auth(keys["approver"])  # an approver may plan too
    plan_id, etag = new_plan(client, headers=alice)
    # both read version 1
    assert client.get(f"/api/v1/plans/{plan_id}", headers=bob).headers["ETag"] == etag
    first = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": "E07009001"}}, headers={"If-Match": etag, **alice}
    )
    assert first.status_code == 201
    stale = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0003": "E07009000"}}, headers={"If-Match": etag, **bob}
    )
    assert stale.status_code == 412 and stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["current_etag"] == stale.headers["ETag"] == first.headers["ETag"]
    # Bob reloads, sees Alice's move, and applies his own on top of it
    reloaded = client.get(f"/api/v1/plans/{plan_id}", headers=bob)
    again = client.post(
        f"/api/v1/plans/{plan_id}/moves",
        json={"moves": {"G0003": "E07009000"}},
        headers={"If-Match": reloaded.headers["ETag"], **bob},
    )
    assert again.status_code == 201 and again.json()["version"] == 3
    final = client.get(f"/api/v1/plans/{plan_id}/versions/3", headers=bob).json()["assignment"]
    assert final["G0002"] == "E07009001" and final["G0003"] == "E07009000", "neither update is lost"
    events = [
        (e["action"], e["version"], e["actor_name"])
        for e in client.get(f"/api/v1/plans/{plan_id}/audit", headers=bob).json()
    ]
    assert events == [
        ("plan.created", 1, "planner-key"),
        ("plan.moved", 2, "planner-key"),
        ("plan.moved", 3, "approver-key"),
    ]


@pytest.mark.slow
def test_racing_writers_on_a_real_server_exactly_one_wins_each_round(db_url, tmp_path):
    """Eight clients post a move from the same ETag at the same instant, ten rounds: one 201 and seven 412 each."""
    server = Server(db_url, tmp_path / "home", tmp_path / "server.log")
    server.start()
    try:
        with httpx.Client(base_url=server.base, timeout=30) as http:
            created = http.post("/api/v1/plans", json={"name": "race", "area": AREA, "start": "lad"})
            plan_id, etag = created.json()["id"], created.headers["ETag"]
            for round_ in range(10):
                barrier = threading.Barrier(8)
                statuses: list[int] = []
                current = http.get(f"/api/v1/plans/{plan_id}/versions/{round_ + 1}").json()["assignment"]

                def race(i):
                    code = f"G{(6 * i + round_) % 36:04d}"
                    target = "E07009001" if current[code] == "E07009000" else "E07009000"  # always a real change
                    with httpx.Client(base_url=server.base, timeout=30) as own:
                        barrier.wait()
                        response = own.post(
                            f"/api/v1/plans/{plan_id}/moves", headers={"If-Match": etag}, json={"moves": {code: target}}
                        )
                        statuses.append(response.status_code)

                threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(60)
                assert sorted(statuses) == [201] + [412] * 7, statuses
                latest = http.get(f"/api/v1/plans/{plan_id}")
                assert latest.json()["latest_version"] == round_ + 2
                etag = latest.headers["ETag"]
            versions = [v["version"] for v in http.get(f"/api/v1/plans/{plan_id}/versions").json()]
            assert versions == list(range(1, 12))
    finally:
        server.stop()
