"""Proposals in the request and as background jobs (progress, cancel), and plans created from them."""

from __future__ import annotations

import json
import time

import pytest

from tests.api.conftest import AREA

PARAMS = {"target": 9000, "tolerance": 0.1, "seed": 3, "time_budget": 5}


def _wait(client, job_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        assert 0.0 <= job["progress"] <= 1.0
        time.sleep(0.3)
    raise AssertionError("job did not finish")


def test_small_area_proposal_then_plan_from_it(client, atlas):
    response = client.post(f"/api/v1/areas/{AREA}/proposals", json=PARAMS)
    assert response.status_code == 201, response.text
    proposal = response.json()
    assert proposal["neighbourhoods"] == 6 and proposal["params"]["seed"] == 3
    stored = client.get(f"/api/v1/proposals/{proposal['id']}").json()
    assert set(stored["assignment"]) == set(atlas.codes)
    created = client.post(
        "/api/v1/plans",
        json={"name": "from proposal", "area": AREA, "start": "proposal", "proposal_id": proposal["id"]},
    )
    assert created.status_code == 201, created.text
    metrics = client.get(f"/api/v1/plans/{created.json()['id']}/metrics").json()
    assert metrics["valid"], metrics["violations"]
    assert all(row["resident_population"] == 9000 for row in metrics["neighbourhoods"])


def test_bad_proposal_parameters_are_422(client):
    assert client.post(f"/api/v1/areas/{AREA}/proposals", json={"tolerance": 2}).status_code == 422
    assert client.post(f"/api/v1/areas/{AREA}/proposals", json={"nest": "galaxy"}).status_code == 422
    # issue 23: taken by list builds, but this grid has no wards to keep whole: said, never ignored
    refused = client.post(f"/api/v1/areas/{AREA}/proposals", json={"build_from": "practices", "respect": "wards"})
    assert refused.status_code == 422 and "no electoral wards" in refused.text
    assert client.post("/api/v1/areas/NOWHERE/proposals", json={}).status_code == 404
    response = client.post(
        "/api/v1/plans", json={"name": "x", "area": AREA, "start": "proposal", "proposal_id": "not-there"}
    )
    assert response.status_code == 404


@pytest.mark.slow
def test_background_job_runs_to_done(client):
    response = client.post(f"/api/v1/areas/{AREA}/proposals", json={**PARAMS, "background": True})
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/api/v1/jobs/{response.json()['id']}"
    job = _wait(client, response.json()["id"])
    assert job["status"] == "done", job
    assert job["progress"] == 1.0
    proposal = client.get(f"/api/v1/proposals/{job['result_id']}").json()
    assert proposal["neighbourhoods"] == 6


@pytest.mark.slow
def test_cancel_stops_a_job_and_saves_nothing(client, app, monkeypatch):
    """Asserted on state, not on a sleep: the job is cancelled while it runs, the runner stops its child because
    of the cancel (``execute`` answers "cancelled", not a finished run whose result was refused), and once the
    runner is done with the job it is still cancelled with no result and no proposal saved."""
    import threading

    import api.jobrun
    from sqlalchemy import text

    outcomes, ended = [], threading.Event()
    execute = api.jobrun.execute

    def watched(*args, **kwargs):  # the runner imports execute when it runs a job: this is what it calls
        try:
            outcomes.append(execute(*args, **kwargs))
        finally:
            ended.set()

    monkeypatch.setattr(api.jobrun, "execute", watched)
    job = client.post(f"/api/v1/areas/{AREA}/proposals", json={**PARAMS, "background": True}).json()
    _wait_until(client, job["id"], lambda j: j["status"] == "running")  # its child is computing
    cancelled = client.delete(f"/api/v1/jobs/{job['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert ended.wait(120), "the runner never let go of the cancelled job"
    assert outcomes == ["cancelled"], "the runner must stop the job because it was cancelled"
    job = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert job["status"] == "cancelled" and job["result_id"] is None
    with app.state.nhp.db.read() as session:
        assert session.execute(text("SELECT count(*) FROM proposals")).scalar_one() == 0
    assert client.get("/api/v1/jobs/00000000-0000-0000-0000-000000000000").status_code == 404


def _wait_until(client, job_id, ready, timeout=90):
    """Poll the job until ``ready(job)`` (a state, not a time), failing if it never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}").json()
        if ready(job):
            return job
        assert job["status"] in ("queued", "running"), job
        time.sleep(0.05)
    raise AssertionError("job never reached the state")


def test_starting_and_cancelling_a_job_are_audited(client, app):
    from sqlalchemy import text

    job = client.post(f"/api/v1/areas/{AREA}/proposals", json={**PARAMS, "background": True}).json()
    assert client.delete(f"/api/v1/jobs/{job['id']}").status_code == 200
    with app.state.nhp.db.read() as session:
        rows = session.execute(
            text("SELECT action, actor_name, detail FROM audit_events WHERE action LIKE 'job.%' ORDER BY id")
        ).all()
    events = [(action, json.loads(detail) if isinstance(detail, str) else detail) for action, _, detail in rows]
    assert [a for a, _ in events] == ["job.created", "job.cancelled"]
    assert all(d["job_id"] == job["id"] and d["kind"] == "proposal" and d["area"] == AREA for _, d in events)


def test_an_area_id_too_long_to_store_is_refused_before_any_work(client):
    codes = ",".join(f"E070{i:05d}" for i in range(12))  # 12 codes: 119 characters
    response = client.post(f"/api/v1/areas/{codes}/proposals", json={**PARAMS, "background": True})
    assert response.status_code == 404 and "at most 100 characters" in response.text


def test_a_list_proposal_keeps_the_wards_of_practice_sites_whole(settings):
    """Issue 23 through the API: the body's ``respect`` on a proposal from whole practices (the demo region)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.atlas import load_atlas
    from geo.demo import DEMO_AREA, demo_data_dir

    demo = load_atlas(DEMO_AREA, data_dir=demo_data_dir())
    body = {"build_from": "practices", "respect": "wards", "target": 40_000, "seed": 1, "background": False}
    with TestClient(create_app(settings, atlas_provider={DEMO_AREA: demo}), base_url="http://127.0.0.1") as client:
        response = client.post(f"/api/v1/areas/{DEMO_AREA}/proposals", json=body)
        assert response.status_code == 201, response.text
        proposal = response.json()
    params = proposal["params"]
    assert (
        params["respect"] == "wards"
        and "practices grouped by the ward" in params["provenance"]["params"]["grouped"]["rule"]
    )
    practices = demo.practices[demo.practices.in_area.astype(bool)]
    ward = demo.lsoas.ward_code.reindex(practices.lsoa_code).set_axis(practices.index)
    assigned = {code: label for code, label in params["practice_assignment"].items()}
    per_ward = {}
    for code, label in assigned.items():
        per_ward.setdefault(ward[code], set()).add(label)
    assert set(assigned) == set(practices.index) and all(len(labels) == 1 for labels in per_ward.values())
