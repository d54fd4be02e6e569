"""Crash safety: SIGKILL the server again and again while edits are being saved; every acknowledged version survives.

Two writers each move LSOAs on their own plan as fast as the server answers, each move made from the ETag of the
previous answer. The server is killed five times, each once both writers have had a random number (1 to 4) of edits
acknowledged in that round and then a random moment later, and restarted on the same database. After each
restart every version the writers were told was saved (201 received) must be there with the same assignment and
ETag, version numbers must run 1..latest without gaps, ``plans.latest_version`` must be the last version, and the
audit log must hold exactly one event per version (created, then one move per later version).
"""

from __future__ import annotations

import random
import threading
import time

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.reliability.server import Server

KILLS = 5
CODES = [f"G{i:04d}" for i in range(36)]


class Writer(threading.Thread):
    """Moves one LSOA back and forth on one plan until stopped; records each acknowledged version."""

    def __init__(self, base: str, plan_id: int, etag: str, assignment: dict[str, str], seed: int) -> None:
        super().__init__(daemon=True)
        self.base, self.plan_id, self.etag = base, plan_id, etag
        self.assignment = dict(assignment)
        self.acked: dict[int, tuple[dict[str, str], str]] = {}
        self.rng = random.Random(seed)
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as http:  # a slow answer on a loaded machine is no failure
            while not self.stop.is_set():
                code = self.rng.choice(CODES)
                target = "E07009001" if self.assignment[code] == "E07009000" else "E07009000"
                try:
                    response = http.post(
                        f"/api/v1/plans/{self.plan_id}/moves",
                        json={"moves": {code: target}},
                        headers={"If-Match": self.etag},
                    )
                except httpx.TransportError:
                    return  # the server died mid-request: this move is not acknowledged
                if response.status_code != 201:
                    raise AssertionError(f"move answered {response.status_code}: {response.text}")
                self.assignment[code] = target
                self.etag = response.headers["ETag"]
                self.acked[response.json()["version"]] = (dict(self.assignment), self.etag)


def _latest(http: httpx.Client, plan_id: int) -> tuple[dict[str, str], str]:
    plan = http.get(f"/api/v1/plans/{plan_id}").json()
    version = http.get(f"/api/v1/plans/{plan_id}/versions/{plan['latest_version']}")
    return version.json()["assignment"], version.headers["ETag"]


def _check_database(db_url: str, plan_ids: list[int]) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            for plan_id in plan_ids:
                latest = conn.execute(text("select latest_version from plans where id = :p"), {"p": plan_id}).scalar()
                versions = (
                    conn.execute(
                        text("select version from plan_versions where plan_id = :p order by version"), {"p": plan_id}
                    )
                    .scalars()
                    .all()
                )
                assert versions == list(range(1, latest + 1)), f"plan {plan_id}: versions {versions}, latest {latest}"
                events = conn.execute(
                    text("select action, version from audit_events where plan_id = :p order by id"), {"p": plan_id}
                ).all()
                assert [tuple(e) for e in events] == [("plan.created", 1)] + [
                    ("plan.moved", v) for v in range(2, latest + 1)
                ]
    finally:
        engine.dispose()


def _crash_loop(db_url: str, tmp_path) -> dict:
    server = Server(db_url, tmp_path / "home", tmp_path / "server.log")
    server.start()
    rng = random.Random(7)
    acked: dict[int, dict[int, tuple[dict, str]]] = {}
    try:
        with httpx.Client(base_url=server.base, timeout=10) as http:
            plan_ids = []
            for _ in range(2):
                created = http.post("/api/v1/plans", json={"name": "crash", "area": "GRID", "start": "lad"})
                assert created.status_code == 201, created.text
                plan_ids.append(created.json()["id"])
                acked[plan_ids[-1]] = {1: _latest(http, plan_ids[-1])}
        for kill in range(KILLS):
            with httpx.Client(base_url=server.base, timeout=10) as http:
                writers = [
                    Writer(server.base, p, *_latest(http, p)[::-1], seed=kill * 10 + i) for i, p in enumerate(plan_ids)
                ]
            for writer in writers:
                writer.start()
            # Kill once each writer has had a few edits acknowledged in this round (counted, so a loaded machine
            # cannot leave a round without edits), then a random moment later, so the kill lands mid-save.
            wanted = rng.randint(1, 4)
            while any(w.is_alive() and len(w.acked) < wanted for w in writers):
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.3))
            server.kill()
            for writer in writers:
                writer.stop.set()
                writer.join(15)
                acked[writer.plan_id].update(writer.acked)
            server.start()
            with httpx.Client(base_url=server.base, timeout=10) as http:
                for plan_id, versions in acked.items():
                    for version, (assignment, etag) in versions.items():
                        response = http.get(f"/api/v1/plans/{plan_id}/versions/{version}")
                        assert response.status_code == 200, f"acknowledged version {version} lost after kill {kill}"
                        assert response.headers["ETag"] == etag
                        assert response.json()["assignment"] == assignment
            _check_database(db_url, plan_ids)
    finally:
        server.stop()
    return {plan_id: len(versions) for plan_id, versions in acked.items()}


@pytest.mark.slow
def test_sigkill_while_saving_loses_no_acknowledged_version(db_url, tmp_path):
    saved = _crash_loop(db_url, tmp_path)
    print(f"crash loop: {KILLS} SIGKILLs, acknowledged versions checked per plan: {saved}")
    assert all(count > KILLS for count in saved.values()), f"too few edits were made to prove anything: {saved}"
