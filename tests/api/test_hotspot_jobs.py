"""Hotspot jobs: the modelled layer computed in the background gives the GET's answer, under the same caps,
ownership and cancel as proposal jobs; a layer that cannot be built fails the job with the GET's problem, and
the durable queue (PostgreSQL) only enqueues. Every wait is a poll with a generous deadline."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geo.testing import grid_atlas
from geo.testing.disclosure import assert_no_small_counts
from tests.api.conftest import AREA, auth

DEMO = "Q99"  # the synthetic demo region: its modelled layer needs no official files


def _app(settings, **changes):
    from api.app import create_app

    provider = None if changes.pop("demo", True) else {AREA: grid_atlas(6, 6, lad_width=3)}
    return create_app(settings.model_copy(update=changes), atlas_provider=provider)


def _finished(client, job_id: str, headers=None, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers or {}).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_a_hotspot_job_gives_the_answer_of_the_get(settings):
    app = _app(settings)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        jobs, answers = {}, {}
        for fmt in ("json", "csv", "geojson"):
            if len(jobs) == 2:  # at most 2 unfinished jobs per key
                _finished(client, jobs["json"])
            accepted = client.post(f"/api/v1/areas/{DEMO.lower()}/hotspot-jobs", json={"format": fmt})
            assert accepted.status_code == 202, accepted.text
            assert accepted.headers["Location"] == f"/api/v1/jobs/{accepted.json()['id']}"
            assert (accepted.json()["kind"], accepted.json()["area"]) == ("hotspots", DEMO)
            jobs[fmt] = accepted.json()["id"]
        for fmt, job_id in jobs.items():
            job = _finished(client, job_id)
            assert (job["status"], job["progress"]) == ("done", 1.0), job
            stored = client.get(f"/api/v1/hotspot-results/{job['result_id']}")
            direct = client.get(f"/api/v1/areas/{DEMO}/hotspots", params={"format": fmt})
            assert stored.status_code == direct.status_code == 200
            assert stored.headers["content-type"] == direct.headers["content-type"]
            assert stored.content == direct.content, f"the {fmt} job answers as the GET does"
            answers[fmt] = stored.text
        answer = json.loads(answers["json"])
        assert answer["uec_kind"] == "modelled" and "modelled" in answer["source"].lower()
        lsoas = client.get(f"/api/v1/areas/{DEMO}").json()["lsoas"]
        assert len(answer["lsoas"]) == lsoas == len({row["lsoa_code"] for row in answer["lsoas"]})
        assert_no_small_counts(answer)  # with the differencing search over its totals
        assert_no_small_counts(answers["csv"])
        with app.state.nhp.db.read() as session:
            rows = session.execute(text("select format, created_by, job_id from hotspot_results order by format")).all()
        assert [(r.format, r.job_id) for r in rows] == [(f, jobs[f]) for f in ("csv", "geojson", "json")]
        assert len(json.loads(answers["geojson"])["features"]) == lsoas
        assert rows[0].created_by == client.get("/api/v1/me").json()["name"]
        assert client.get("/api/v1/hotspot-results/no-such-result").status_code == 404


def test_hotspot_jobs_share_the_caps_ownership_and_cancel_of_proposal_jobs(settings):
    from api.auth import create_key
    from api.jobs import MAX_JOBS_PER_USER

    app = _app(settings)
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        alice = auth(create_key(app.state.nhp.db, "alice", "planner")[1])
        bob = auth(create_key(app.state.nhp.db, "bob", "planner")[1])
        viewer = auth(create_key(app.state.nhp.db, "val", "viewer")[1])
        app.state.nhp.jobs._slots = threading.Semaphore(0)  # keep them queued: nothing computes
        url = f"/api/v1/areas/{DEMO}/hotspot-jobs"
        assert client.post(url, json={}, headers=viewer).status_code == 403, "a job needs a planner"
        assert client.post(url, json={"format": "xml"}, headers=alice).status_code == 422
        assert client.post(url, json={"format": "csv", "extract": "x"}, headers=alice).status_code == 422
        assert client.post("/api/v1/areas/NOWHERE/hotspot-jobs", headers=alice).status_code == 404
        made = [client.post(url, headers=alice) for _ in range(MAX_JOBS_PER_USER)]  # no body: JSON
        assert [m.status_code for m in made] == [202] * MAX_JOBS_PER_USER
        refused = client.post(url, json={"format": "json"}, headers=alice)
        assert refused.status_code == 429 and refused.headers["Retry-After"]
        proposal = client.post(f"/api/v1/areas/{DEMO}/proposals", json={"background": True}, headers=alice)
        assert proposal.status_code == 429, "one cap counts jobs of every kind"
        first = made[0].json()["id"]
        seen = client.get(f"/api/v1/jobs/{first}", headers=viewer).json()
        assert (seen["status"], seen["created_by"], seen["result_id"]) == ("queued", "alice", None)
        assert client.delete(f"/api/v1/jobs/{first}", headers=bob).status_code == 403
        assert client.delete(f"/api/v1/jobs/{first}", headers=alice).json()["status"] == "cancelled"
        assert client.post(url, headers=alice).status_code == 202, "a cancelled job frees its place"


def test_a_hotspot_job_whose_layer_cannot_be_built_fails_with_the_get_problem(settings, monkeypatch):
    monkeypatch.delenv("NHP_DATA_DIR", raising=False)  # the child process computing the job reads its own settings
    app = _app(settings, demo=False)
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        direct = client.get(f"/api/v1/areas/{AREA}/hotspots")
        assert direct.status_code == 422
        accepted = client.post(f"/api/v1/areas/{AREA}/hotspot-jobs", json={"format": "geojson"})
        assert accepted.status_code == 202, accepted.text
        job = _finished(client, accepted.json()["id"])
        assert job["status"] == "failed" and job["result_id"] is None
        assert job["error"]["status"] == 422 and job["error"]["detail"] == direct.json()["detail"]
        with app.state.nhp.db.read() as session:
            assert session.execute(text("select count(*) from hotspot_results")).scalar() == 0


def test_a_job_whose_child_cannot_start_is_failed_and_frees_its_place(settings, monkeypatch):
    from api import jobrun

    def broken(store, atlases, job_id, worker, **_):
        store.claim(job_id, worker)
        raise RuntimeError("the child process could not start")

    monkeypatch.setattr(jobrun, "execute", broken)
    app = _app(settings)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        ids = [client.post(f"/api/v1/areas/{DEMO}/hotspot-jobs").json()["id"] for _ in range(2)]
        for job_id in ids:
            job = _finished(client, job_id)
            assert (job["status"], job["error"]["title"]) == ("failed", "The job could not run")
        assert client.post(f"/api/v1/areas/{DEMO}/hotspot-jobs").status_code == 202, "not held under the caps"


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_api_only_enqueues_a_hotspot_job_on_the_durable_queue(settings):
    app = _app(settings, jobs="queue")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        job = client.post(f"/api/v1/areas/{DEMO}/hotspot-jobs", json={"format": "csv"}).json()
        assert (job["status"], job["kind"]) == ("queued", "hotspots") and "nhp worker" in job["message"]
        with app.state.nhp.db.read() as session:
            queued = session.execute(
                text(
                    "select j.kind, j.params, q.status, q.args->>'job_id' from jobs j join "
                    "procrastinate_jobs q on q.id = j.queue_job_id"
                )
            ).one()
        assert queued == ("hotspots", {"format": "csv"}, "todo", job["id"])
        assert client.delete(f"/api/v1/jobs/{job['id']}").json()["status"] == "cancelled"
        with app.state.nhp.db.read() as session:
            assert session.execute(text("select status from procrastinate_jobs")).scalar() == "cancelled"
