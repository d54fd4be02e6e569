"""Jobs survive their worker being killed: ``nhp serve --workers 2`` over PostgreSQL with the durable queue,
two job workers, and the one holding a proposal job and a hotspot job SIGKILLed mid-way; the other finishes both,
and each is saved once (the hotspot answer is the synchronous GET's).

Worker A (``tests.reliability.jobworker``, two jobs at once) runs the real worker code but holds each job at a
gate after its first progress report, so the test knows both are running on A without guessing how long they
take. Worker B, the real ``nhp worker``, starts once A holds them. Every wait is a poll with a generous deadline;
nothing depends on speed.
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


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


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
        process = subprocess.Popen(
            [sys.executable, *argv], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
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
def test_jobs_whose_worker_is_killed_finish_on_the_other_worker_and_are_saved_once(db_url, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gate = tmp_path / "gate-never-opened"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NHP_HOME_DIR": str(tmp_path / "home"),
        "NHP_DATABASE_URL": db_url,
        "NHP_JOBS": "queue",
        "NHP_HOST": "127.0.0.1",
        "NHP_PORT": str(port),
    }
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
        worker_a = procs.start("worker-a", "-m", "tests.reliability.jobworker", "worker-A", str(gate), "2")
        body = {"target": 50000, "tolerance": 0.1, "seed": 2, "time_budget": 5, "background": True}
        with httpx.Client(base_url=base, timeout=60) as http:
            accepted = [
                http.post(f"/api/v1/areas/{AREA}/proposals", json=body),
                http.post(f"/api/v1/areas/{AREA}/hotspot-jobs", json={"format": "json"}),
            ]
            assert [a.status_code for a in accepted] == [202, 202], [a.text for a in accepted]
            assert [a.json()["status"] for a in accepted] == ["queued", "queued"]
            job_id, hotspot_id = (a.json()["id"] for a in accepted)

            def held_on_a():
                assert worker_a.poll() is None, procs.log("worker-a")
                jobs = [http.get(f"/api/v1/jobs/{i}").json() for i in (job_id, hotspot_id)]
                return jobs if all(j["message"] == "held at the test gate" for j in jobs) else None

            held = _poll(held_on_a, 180, "worker A to take both jobs")
            assert all(j["status"] == "running" and j["progress"] == 0.05 for j in held)
            with engine.connect() as conn:
                for i in (job_id, hotspot_id):
                    assert conn.execute(text("select worker, attempts from jobs where id = :id"), {"id": i}).one() == (
                        "worker-A",
                        1,
                    )
            # B starts now, so that it was A that took the job; both wait on the same queue from here on.
            worker_b = procs.start(
                "worker-b",
                "-m",
                "cli",
                "worker",
                "--name",
                "worker-B",
                "--heartbeat",
                "0.5",
                "--stalled-after",
                "3",
                "--log-level",
                "info",
            )
            _poll(lambda: "Starting worker" in procs.log("worker-b"), 120, "worker B to start")
            computing = _children(worker_a.pid)
            spawned = [pid for pid in computing if b"spawn_main" in _cmdline(pid)]  # not the resource tracker
            assert len(spawned) == 2, "worker A computes each job in a child process of its own"
            os.kill(worker_a.pid, signal.SIGKILL)
            worker_a.wait(10)

            def finished():
                assert worker_b.poll() is None, procs.log("worker-b")
                jobs = [http.get(f"/api/v1/jobs/{i}").json() for i in (job_id, hotspot_id)]
                return jobs if all(j["status"] not in ("queued", "running") for j in jobs) else None

            job, hotspot_job = _poll(finished, 300, "worker B to finish both jobs", every=0.5)
            for done in (job, hotspot_job):
                assert done["status"] == "done", (done, procs.log("worker-b"))
                assert done["progress"] == 1.0 and done["result_id"]
            proposal = http.get(f"/api/v1/proposals/{job['result_id']}").json()
            lsoas = http.get(f"/api/v1/areas/{AREA}").json()["lsoas"]
            assert len(proposal["assignment"]) == lsoas and proposal["neighbourhoods"] >= 1
            answer = http.get(f"/api/v1/hotspot-results/{hotspot_job['result_id']}")
            assert answer.status_code == 200 and len(answer.json()["lsoas"]) == lsoas
            assert answer.content == http.get(f"/api/v1/areas/{AREA}/hotspots").content, "the GET's answer"
        with engine.connect() as conn:
            for i in (job_id, hotspot_id):
                assert conn.execute(text("select worker, attempts from jobs where id = :id"), {"id": i}).one() == (
                    "worker-B",
                    2,
                )
            assert conn.execute(text("select count(*) from proposals")).scalar() == 1, "saved exactly once"
            assert conn.execute(text("select count(*) from hotspot_results")).scalar() == 1, "saved exactly once"
            left = text("select count(*) from procrastinate_jobs where lock = :id and status in ('todo', 'doing')")
            for i in (job_id, hotspot_id):
                assert conn.execute(left, {"id": i}).scalar() == 0, "nothing of it is left in the queue"
        # The killed worker's child stopped too, instead of computing for nobody.
        _poll(lambda: not any(_alive(pid) for pid in computing), 30, "worker A's child to exit")
    finally:
        procs.stop()
        engine.dispose()
