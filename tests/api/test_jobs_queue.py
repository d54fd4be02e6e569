"""Jobs live in the database: any API process sees them, the caps hold across processes, a result is saved once
whatever the number of attempts, and the durable queue (PostgreSQL) enqueues, cancels and refuses SQLite."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from tests.api.conftest import AREA, auth

PARAMS = {"target": 9000, "tolerance": 0.1, "seed": 3, "time_budget": 5, "background": True}


def _app(settings, atlas, **changes):
    from api.app import create_app

    return create_app(settings.model_copy(update=changes), atlas_provider={AREA: atlas})


def test_a_result_is_saved_once_however_many_attempts_finish(db_url, settings, atlas):
    from geo.propose import ProposalParams

    from api import proposals
    from api.auth import Principal
    from api.db import Database
    from api.jobs import JobStore
    from api.models import Proposal

    store = JobStore(Database(db_url))
    params = ProposalParams.from_settings(settings, **{k: v for k, v in PARAMS.items() if k != "background"})
    job = store.create(
        "proposal", AREA, Principal(1, "alice", "planner"), params.to_dict(), time_budget=5, message="queued"
    )
    first = store.claim(job.id, "worker-A").attempts
    second = store.claim(job.id, "worker-B").attempts  # A stopped sending heartbeats: B runs it again
    result = proposals.compute(atlas, params.to_dict())
    assert store.finish(job.id, first, result) is None, "an attempt that was taken over saves nothing"
    saved = store.finish(job.id, second, result)
    assert saved and store.finish(job.id, second, result) is None, "a second finish of the live attempt is a no-op"
    assert store.claim(job.id, "worker-C") is None, "a finished job is not run again"
    with store.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Proposal)) == 1
        assert session.get(Proposal, saved).created_by == "alice"
    final = store.get(job.id).view()
    assert (final["status"], final["progress"], final["result_id"]) == ("done", 1.0, saved)


def test_every_api_process_sees_the_same_jobs_and_caps(settings, atlas):
    """Two apps on one database are two API processes: a job made on one is read and cancelled on the other,
    and the per-key cap counts the jobs of both."""
    from api.auth import create_key
    from api.jobs import MAX_JOBS_PER_USER

    one, two = _app(settings, atlas), _app(settings, atlas)
    with TestClient(one, base_url="http://127.0.0.1") as a, TestClient(two, base_url="http://127.0.0.1") as b:
        alice = auth(create_key(one.state.nhp.db, "alice", "planner")[1])
        bob = auth(create_key(one.state.nhp.db, "bob", "planner")[1])
        one.state.nhp.jobs._slots = __import__("threading").Semaphore(0)  # keep them queued: nothing computes
        made = [
            a.post(f"/api/v1/areas/{AREA}/proposals", json=PARAMS, headers=alice).json()
            for _ in range(MAX_JOBS_PER_USER)
        ]
        refused = b.post(f"/api/v1/areas/{AREA}/proposals", json=PARAMS, headers=alice)
        assert refused.status_code == 429 and refused.headers["Retry-After"]
        seen = b.get(f"/api/v1/jobs/{made[0]['id']}", headers=bob).json()
        assert (seen["status"], seen["created_by"], seen["result_id"]) == ("queued", "alice", None)
        assert b.delete(f"/api/v1/jobs/{made[0]['id']}", headers=bob).status_code == 403
        assert b.delete(f"/api/v1/jobs/{made[0]['id']}", headers=alice).json()["status"] == "cancelled"
        assert a.get(f"/api/v1/jobs/{made[0]['id']}", headers=alice).json()["status"] == "cancelled"
        assert b.post(f"/api/v1/areas/{AREA}/proposals", json=PARAMS, headers=alice).status_code == 202


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_durable_queue_and_several_workers_need_postgresql(tmp_path, settings, atlas):
    from geo.errors import DataError

    with pytest.raises(DataError, match="needs PostgreSQL"):
        _app(settings, atlas, jobs="queue")
    env = {**os.environ, "NHP_HOME_DIR": str(tmp_path / "home"), "NHP_DATABASE_URL": settings.database_url}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--workers", "2"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "--workers 2 needs PostgreSQL" in done.stderr, done.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_api_only_enqueues_and_a_cancelled_job_leaves_the_queue(settings, atlas):
    from api.auth import create_key

    app = _app(settings, atlas, jobs="queue")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        alice = auth(create_key(app.state.nhp.db, "alice", "planner")[1])
        admin = auth(create_key(app.state.nhp.db, "root", "admin")[1])
        viewer = auth(create_key(app.state.nhp.db, "val", "viewer")[1])
        jobs = [client.post(f"/api/v1/areas/{AREA}/proposals", json=PARAMS, headers=alice) for _ in range(2)]
        assert [j.status_code for j in jobs] == [202, 202]
        first, second = (j.json() for j in jobs)
        assert first["status"] == "queued" and "nhp worker" in first["message"]
        with app.state.nhp.db.read() as session:
            queued = session.execute(
                text(
                    "select j.status, q.status, q.args->>'job_id' from jobs j join "
                    "procrastinate_jobs q on q.id = j.queue_job_id order by j.created_at"
                )
            ).all()
        assert queued == [("queued", "todo", first["id"]), ("queued", "todo", second["id"])]
        assert client.delete(f"/api/v1/jobs/{first['id']}", headers=viewer).status_code == 403
        assert client.delete(f"/api/v1/jobs/{first['id']}", headers=alice).json()["status"] == "cancelled"
        assert client.delete(f"/api/v1/jobs/{second['id']}", headers=admin).json()["status"] == "cancelled"
        with app.state.nhp.db.read() as session:
            states = session.execute(text("select status from procrastinate_jobs order by id")).scalars().all()
        assert states == ["cancelled", "cancelled"], "a cancelled job is never picked up by a worker"
        assert client.get(f"/api/v1/jobs/{first['id']}", headers=viewer).json()["result_id"] is None
