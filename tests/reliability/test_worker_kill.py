"""A job survives its worker being killed: ``nhp serve --workers 2`` over PostgreSQL with the durable queue,
two job workers, and the one holding the job SIGKILLed mid-way; the other finishes it, and it is saved once.

Worker A (``tests.reliability.jobworker``) runs the real worker code but holds each proposal at a gate after its
first progress report, so the test knows the job is running on A without guessing how long a proposal takes.
Worker B, the real ``nhp worker``, starts once A holds the job. Every wait is a poll with a generous deadline; nothing depends on speed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.reliability.server import ROOT, free_port

AREA = "Q99"  # the synthetic demo region: every process loads it the same way, without the official files


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _poll(check, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


class Processes:
    """Processes the test starts, all stopped at the end whatever happens."""

    def __init__(self, env: dict, logs: Path) -> None:
        self.env, self.logs, self.started = env, logs, []

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        process = subprocess.Popen([sys.executable, *argv], env=self.env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT)
        log.close()
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_job_whose_worker_is_killed_finishes_on_the_other_worker_and_is_saved_once(db_url, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gate = tmp_path / "gate-never-opened"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NHP_HOME_DIR": str(tmp_path / "home"), "NHP_DATABASE_URL": db_url,
           "NHP_JOBS": "queue", "NHP_HOST": "127.0.0.1", "NHP_PORT": str(port)}
    procs = Processes(env, tmp_path)
    engine = create_engine(db_url)
    try:
        serve = procs.start("serve", "-m", "cli", "serve", "--workers", "2", "--log-level", "warning")

        def ready():
            assert serve.poll() is None, procs.log("serve")
            try:
                return httpx.get(f"{base}/api/v1/areas", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        _poll(ready, 180, "the API")
        assert len(_children(serve.pid)) >= 2, "nhp serve --workers 2 runs two worker processes"
        worker_a = procs.start("worker-a", "-m", "tests.reliability.jobworker", "worker-A", str(gate))
        body = {"target": 50000, "tolerance": 0.1, "seed": 2, "time_budget": 5, "background": True}
        with httpx.Client(base_url=base, timeout=60) as http:
            accepted = http.post(f"/api/v1/areas/{AREA}/proposals", json=body)
            assert accepted.status_code == 202, accepted.text
            job_id = accepted.json()["id"]
            assert accepted.json()["status"] == "queued"

            def held_on_a():
                assert worker_a.poll() is None, procs.log("worker-a")
                job = http.get(f"/api/v1/jobs/{job_id}").json()
                return job if job["message"] == "held at the test gate" else None

            held = _poll(held_on_a, 180, "worker A to take the job")
            assert held["status"] == "running" and held["progress"] == 0.05
            with engine.connect() as conn:
                assert conn.execute(text("select worker, attempts from jobs where id = :id"),
                                    {"id": job_id}).one() == ("worker-A", 1)
            # B starts now, so that it was A that took the job; both wait on the same queue from here on.
            worker_b = procs.start("worker-b", "-m", "cli", "worker", "--name", "worker-B", "--heartbeat", "0.5",
                                   "--stalled-after", "3", "--log-level", "info")
            _poll(lambda: "Starting worker" in procs.log("worker-b"), 120, "worker B to start")
            computing = _children(worker_a.pid)
            assert computing, "worker A computes the job in a child process"
            os.kill(worker_a.pid, signal.SIGKILL)
            worker_a.wait(10)

            def finished():
                assert worker_b.poll() is None, procs.log("worker-b")
                job = http.get(f"/api/v1/jobs/{job_id}").json()
                return job if job["status"] not in ("queued", "running") else None

            job = _poll(finished, 240, "worker B to finish the job", every=0.5)
            assert job["status"] == "done", (job, procs.log("worker-b"))
            assert job["progress"] == 1.0 and job["result_id"]
            proposal = http.get(f"/api/v1/proposals/{job['result_id']}").json()
            lsoas = http.get(f"/api/v1/areas/{AREA}").json()["lsoas"]
            assert len(proposal["assignment"]) == lsoas and proposal["neighbourhoods"] >= 1
        with engine.connect() as conn:
            assert conn.execute(text("select worker, attempts from jobs where id = :id"),
                                {"id": job_id}).one() == ("worker-B", 2)
            assert conn.execute(text("select count(*) from proposals")).scalar() == 1, "saved exactly once"
            left = text("select count(*) from procrastinate_jobs where lock = :id and status in ('todo', 'doing')")
            assert conn.execute(left, {"id": job_id}).scalar() == 0, "nothing of it is left in the queue"
        # The killed worker's child stopped too, instead of computing for nobody.
        _poll(lambda: not any(_alive(pid) for pid in computing), 30, "worker A's child to exit")
    finally:
        procs.stop()
        engine.dispose()
