"""Heavy work done in a request (a proposal with ``background: false``, an upload being parsed) counts against the
same per-key and service caps as background jobs, and admins always keep places of their own."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from contextlib import ExitStack

import pytest

from tests.api.conftest import AREA, auth, new_plan

PARAMS = {"target": 9000, "tolerance": 0.1, "seed": 3, "time_budget": 5, "background": False}


@pytest.fixture
def gate(monkeypatch):
    """Hold every in-request proposal at its start until the test opens the gate (then it computes for real),
    so requests are in flight at once however fast the machine; records how many have started."""
    from api import proposals

    real, opened, started = proposals.compute, threading.Event(), threading.Semaphore(0)

    def held(atlas, params):
        started.release()
        assert opened.wait(60), "the test never opened the gate"
        return real(atlas, params)

    monkeypatch.setattr(proposals, "compute", held)
    yield opened, started
    opened.set()


def _in_thread(call) -> tuple[threading.Thread, dict]:
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("response", call()))
    thread.start()
    return thread, out


def test_synchronous_proposals_take_places_of_the_job_caps(client, keys, gate, app):
    from api.limits import MAX_PER_KEY, held

    opened, started = gate
    planner, url = auth(keys["planner"]), f"/api/v1/areas/{AREA}/proposals"
    plan_id, _ = new_plan(client, headers=planner)
    running = [_in_thread(lambda: client.post(url, json=PARAMS, headers=planner)) for _ in range(MAX_PER_KEY)]
    for _ in running:
        assert started.acquire(timeout=60)
    db = app.state.nhp.db
    assert held(db) == MAX_PER_KEY
    refused = client.post(url, json=PARAMS, headers=planner)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "at most 2" in refused.json()["detail"]
    job = client.post(url, json={**PARAMS, "background": True}, headers=planner)
    assert job.status_code == 429, "a job and an in-request proposal share one cap"
    # Another user's read is not held up by the running proposals.
    assert client.get(f"/api/v1/plans/{plan_id}/metrics", headers=auth(keys["viewer"])).status_code == 200
    opened.set()
    for thread, out in running:
        thread.join(120)
        assert out["response"].status_code == 201, out["response"].text
    assert held(db) == 0, "every place is given back when its request ends"
    assert client.post(url, json=PARAMS, headers=planner).status_code == 201


def test_keys_below_admin_cannot_fill_the_places_kept_for_admins(client, keys, app):
    from api.auth import Principal
    from api.limits import ADMIN_RESERVE, MAX_PER_KEY, MAX_TOTAL, heavy_work

    db, url = app.state.nhp.db, f"/api/v1/areas/{AREA}/proposals"
    others = [Principal(100 + i, f"planner-{i}", "planner") for i in range((MAX_TOTAL - ADMIN_RESERVE) // MAX_PER_KEY)]
    with ExitStack() as holding:
        for who in others:  # these planners' heavy work is running
            for _ in range(MAX_PER_KEY):
                holding.enter_context(heavy_work(db, who, "proposal"))
        refused = client.post(url, json=PARAMS, headers=auth(keys["planner"]))
        assert refused.status_code == 429 and "kept for admins" in refused.json()["detail"]
        assert client.post(url, json={**PARAMS, "background": True}, headers=auth(keys["planner"])).status_code == 429
        assert client.post(url, json=PARAMS, headers=auth(keys["admin"])).status_code == 201
    assert client.post(url, json=PARAMS, headers=auth(keys["planner"])).status_code == 201


def test_uploads_are_parsed_only_within_the_caps(client, keys, app, atlas):
    from api.auth import Principal, list_keys
    from api.limits import MAX_PER_KEY, heavy_work

    db, planner = app.state.nhp.db, auth(keys["planner"])
    me = next(k for k in list_keys(db) if k.role == "planner")
    body = ("lsoa_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(atlas.codes))).encode()

    def upload():
        return client.post(
            "/api/v1/plans/import",
            files={"file": ("plan.csv", io.BytesIO(body), "text/csv")},
            data={"area": AREA},
            headers=planner,
        )

    def extract():
        rows = "lsoa_code,attendances\n" + "".join(f"{c},{20 + i}\n" for i, c in enumerate(atlas.codes))
        return client.post(
            f"/api/v1/areas/{AREA}/hotspots",
            files={"file": ("uec.csv", io.BytesIO(rows.encode()), "text/csv")},
            headers=planner,
        )

    with ExitStack() as holding:
        for _ in range(MAX_PER_KEY):
            holding.enter_context(heavy_work(db, Principal(me.id, me.name, me.role), "proposal"))
        for refused in (upload(), extract()):
            assert refused.status_code == 429, refused.text
            assert refused.headers["Retry-After"]
    assert upload().status_code == 201
    assert extract().status_code != 429


def test_a_place_left_by_a_killed_process_is_cleared(tmp_path):
    from api.auth import Principal
    from api.db import Database
    from api.jobs import identity
    from api.limits import MAX_PER_KEY, WorkSlot, heavy_work, held
    from api.models import utcnow

    db = Database(f"sqlite:///{tmp_path / 'slots.sqlite3'}")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = identity().rsplit(":", 1)[0]
    alice = Principal(1, "alice", "planner")
    with db.write() as session:
        for i in range(MAX_PER_KEY):
            session.add(
                WorkSlot(
                    id=f"left-{i}",
                    kind="import",
                    owner_key_id=1,
                    owner_name="alice",
                    owner_role="planner",
                    worker=f"{host}:{dead.stdout.strip()}",
                    started_at=utcnow(),
                )
            )
    assert held(db) == MAX_PER_KEY
    with heavy_work(db, alice, "import"):
        assert held(db) == 1, "the dead process's places were cleared, not counted"


def test_sites_and_ensembles_are_run_only_within_the_caps(client, keys, app):
    """Hub siting (HiGHS for up to a minute) and a ReCom ensemble (up to 5,000 steps, and the proposal it starts
    from) are computed in their request: each takes a place of the caller's caps, so one planner key cannot
    occupy every worker thread with them (four at once from one key all ran before)."""
    from api.auth import Principal, list_keys
    from api.limits import MAX_PER_KEY, heavy_work, held

    db, planner = app.state.nhp.db, auth(keys["planner"])
    me = next(k for k in list_keys(db) if k.role == "planner")
    plan_id, _ = new_plan(client, headers=planner)

    def sites():
        return client.post(f"/api/v1/plans/{plan_id}/sites", json={}, headers=planner)

    def ensemble():
        return client.post(f"/api/v1/areas/{AREA}/ensembles", json={"steps": 5}, headers=planner)

    with ExitStack() as holding:
        for _ in range(MAX_PER_KEY):
            holding.enter_context(heavy_work(db, Principal(me.id, me.name, me.role), "proposal"))
        for refused in (sites(), ensemble()):
            assert refused.status_code == 429, refused.text
            assert refused.headers["Retry-After"]
    assert sites().status_code == 200
    assert ensemble().status_code == 200
    assert held(db) == 0, "every place is given back when its request ends"


def test_building_an_atlas_takes_a_place_of_the_callers_caps(client, keys, app):
    """Building an area's atlas (seconds of CPU, hundreds of MB) is heavy work: one planner key built four ICBs at
    once. An area already in memory is served whatever the caps."""
    from api.auth import Principal, list_keys
    from api.limits import MAX_PER_KEY, heavy_work

    db, planner = app.state.nhp.db, auth(keys["planner"])
    me = Principal(*next((k.id, k.name, k.role) for k in list_keys(db) if k.role == "planner"))
    assert app.state.nhp.atlases.loaded(AREA) is None
    with ExitStack() as holding:
        for _ in range(MAX_PER_KEY):
            holding.enter_context(heavy_work(db, me, "proposal"))
        for refused in (
            client.get(f"/api/v1/areas/{AREA}", headers=planner),
            client.post("/api/v1/plans", json={"name": "p", "area": AREA, "start": "lad"}, headers=planner),
        ):
            assert refused.status_code == 429, refused.text
        assert app.state.nhp.atlases.loaded(AREA) is None
    assert client.get(f"/api/v1/areas/{AREA}", headers=planner).status_code == 200
    with ExitStack() as holding:
        for _ in range(MAX_PER_KEY):
            holding.enter_context(heavy_work(db, me, "proposal"))
        assert client.get(f"/api/v1/areas/{AREA}/lsoas", headers=planner).status_code == 200


def test_an_atlas_a_plan_needs_is_built_only_within_the_callers_caps(client, keys, app, settings, atlas):
    """A route reached by a plan id builds the plan's atlas when it is not in memory (after a restart or an
    eviction): that takes a place of the caller's caps as a route naming the area does, so a viewer cannot start
    atlas builds beyond them (reading a plan's metrics built one whatever the caps)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import Principal, list_keys
    from api.limits import MAX_PER_KEY, heavy_work, held

    plan_id, _ = new_plan(client, headers=auth(keys["planner"]))
    db, viewer = app.state.nhp.db, auth(keys["viewer"])
    me = Principal(*next((k.id, k.name, k.role) for k in list_keys(db) if k.role == "viewer"))
    restarted = create_app(settings, atlas_provider={AREA: atlas})  # the same database, nothing in memory
    atlases, url = restarted.state.nhp.atlases, f"/api/v1/plans/{plan_id}/metrics"
    with TestClient(restarted, raise_server_exceptions=False, base_url="http://127.0.0.1") as fresh:
        with ExitStack() as holding:
            for _ in range(MAX_PER_KEY):
                holding.enter_context(heavy_work(db, me, "proposal"))
            refused = fresh.get(url, headers=viewer)
            assert refused.status_code == 429, refused.text
            assert refused.headers["Retry-After"]
            assert atlases.loaded(AREA) is None, "no atlas is built beyond the caps"
        assert fresh.get(url, headers=viewer).status_code == 200
        assert atlases.loaded(AREA) is not None
    assert held(db) == 0, "every place is given back when its request ends"


def test_an_area_in_memory_named_in_another_case_takes_no_place(client, keys, app):
    """The second review: a plan created for "grid" while "GRID" was in memory took a place (a 429 with the
    key's places full), because the capped getter looked the id up as sent."""
    from api.auth import Principal, list_keys
    from api.limits import MAX_PER_KEY, heavy_work

    planner = auth(keys["planner"])
    new_plan(client, headers=planner)  # the area is in memory
    db = app.state.nhp.db
    me = Principal(*next((k.id, k.name, k.role) for k in list_keys(db) if k.role == "planner"))
    with ExitStack() as holding:
        for _ in range(MAX_PER_KEY):
            holding.enter_context(heavy_work(db, me, "proposal"))
        made = client.post(
            "/api/v1/plans", json={"name": "lower case", "area": AREA.lower(), "start": "lad"}, headers=planner
        )
    assert made.status_code == 201, made.text
