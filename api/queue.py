"""The durable job queue (``NHP_JOBS=queue``): procrastinate on the plans' PostgreSQL database.

The API only enqueues: :class:`QueueRunner` inserts the job's row (``api.jobs``, under the caps) and defers the
task ``nhp.run_job(job_id)`` on procrastinate, in the same database. ``nhp worker`` (:func:`run_worker`), on this
machine or any other that reaches the database, takes tasks one at a time and runs them with
:func:`api.jobrun.execute`: the job's row says what to run, and receives progress, cancel and the result.

A worker killed mid-job (SIGKILL, power cut) stops sending procrastinate heartbeats; every live worker looks for
jobs left ``doing`` by a worker silent for ``stalled_after`` seconds and puts them back in the queue, where
another worker picks them up and starts the next attempt (the row's ``attempts``; a result is saved only by the
live attempt, once). The queue's tables come with migration 0003; procrastinate keeps the finished tasks, the
``jobs`` rows keep what the API shows.

Examples
--------
>>> conninfo("postgresql+psycopg://nhp:secret@db.example/nhp?sslmode=require")
'postgresql://nhp:secret@db.example/nhp?sslmode=require'
"""

from __future__ import annotations

import asyncio
import logging
import threading

from sqlalchemy.engine import make_url

from api.auth import Principal
from api.db import Database
from api.jobrun import execute
from api.jobs import JobRecord, JobRunner, JobStore
from api.limits import identity
from api.problems import Problem
from geo.errors import DataError

log = logging.getLogger("nhp.api")

QUEUE = "nhp-jobs"
TASK = "nhp.run_job"


def conninfo(url: str) -> str:
    """The libpq URI of a SQLAlchemy PostgreSQL URL (procrastinate talks to psycopg directly)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run_job(context, job_id: str) -> None:
    """The task: run one job on this worker (its store and atlases come with the worker's context)."""
    nhp = context.additional_context["nhp"]
    status = execute(nhp["store"], nhp["atlases"], job_id, nhp["name"], stop=nhp["stop"])
    log.info("job %s: %s", job_id, status or "nothing to do (finished, cancelled or taken over)")


def make_app(url: str, *, worker: bool = False):
    """A procrastinate App on the database ``url`` with the task registered (async connector for a worker,
    a small sync pool for the API)."""
    import procrastinate  # lazy: the job queue only on PostgreSQL

    if worker:
        connector = procrastinate.PsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=4)
    else:
        connector = procrastinate.SyncPsycopgConnector(conninfo=conninfo(url), min_size=0, max_size=4)
    app = procrastinate.App(connector=connector)
    app.task(name=TASK, queue=QUEUE, pass_context=True)(_run_job)
    return app


def require_postgres(db: Database) -> None:
    """Refuse the durable queue on SQLite, saying why."""
    if db.backend != "postgresql":
        raise DataError(
            "NHP_JOBS=queue needs PostgreSQL (NHP_DATABASE_URL): the queue lives in the database "
            "that API processes and `nhp worker` machines share",
            column="NHP_JOBS",
            expected="NHP_JOBS=local with SQLite, or NHP_DATABASE_URL=postgresql+psycopg://...",
        )


class QueueRunner:
    """The API side of the queue: same interface as :class:`api.jobs.JobRunner`, but nothing runs here."""

    message = "waiting for a job worker (nhp worker)"

    def __init__(self, db: Database) -> None:
        require_postgres(db)
        self.store = JobStore(db)
        self._app = make_app(db.url)
        self._lock = threading.Lock()
        self._open = False

    def _opened(self):
        with self._lock:
            if not self._open:
                self._app.open()
                self._open = True
        return self._app

    def submit(self, kind: str, area: str, actor: Principal, params: dict, *, time_budget: float) -> JobRecord:
        """Insert the job (429 beyond the caps) and enqueue it; 503 when the queue cannot be reached."""
        record = self.store.create(kind, area, actor, params, time_budget=time_budget, message=self.message)
        try:
            task = self._opened().tasks[TASK]
            queue_id = task.configure(lock=record.id, queueing_lock=record.id).defer(job_id=record.id)
        except Exception as error:
            log.error("could not enqueue job %s: %s", record.id, type(error).__name__)
            self.store.fail(record.id, None, {"status": 503, "title": "The job queue is unavailable"})
            raise Problem(
                503,
                "Service unavailable",
                "the job queue cannot be reached: try again shortly",
                slug="queue-unavailable",
                headers={"Retry-After": "30"},
            ) from error
        with self.store.db.write() as session:
            session.query(JobRecord).filter_by(id=record.id).update({"queue_job_id": queue_id})
        record.queue_job_id = queue_id
        return record

    def get(self, job_id: str) -> JobRecord:
        return self.store.get(job_id)

    def cancel(self, job_id: str, actor: Principal) -> JobRecord:
        """Cancel in the row (the worker running it stops within a fraction of a second) and in the queue."""
        record = self.store.cancel(job_id, actor)
        if record.status == "cancelled" and record.queue_job_id is not None:
            try:  # a queued task is dropped; a running one is told to abort (the row already stops it)
                self._opened().job_manager.cancel_job_by_id(record.queue_job_id, abort=True)
            except Exception as error:  # the row decides: a worker that takes it later finds it cancelled
                log.warning("job %s: queue cancel failed: %s", job_id, type(error).__name__)
        return record

    def shutdown(self) -> None:
        """Close the queue's connections; queued and running jobs carry on (they belong to the workers)."""
        with self._lock:
            if self._open:
                self._app.close()
                self._open = False


def make_runner(settings, db: Database, atlases):
    """The runner ``NHP_JOBS`` asks for: ``local`` (default) or ``queue``."""
    mode = str(getattr(settings, "jobs", "local") or "local")
    if mode == "queue":
        return QueueRunner(db)
    if mode != "local":
        raise DataError(f"NHP_JOBS={mode!r} is not a job runner", column="NHP_JOBS", expected="local or queue")
    return JobRunner(db, atlases)


async def _recover(app, stalled_after: float, every: float) -> None:
    """Put back in the queue the jobs of workers that stopped sending heartbeats (killed, or cut off)."""
    while True:
        try:
            for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after):
                log.warning("job %s: its worker stopped; queued again", job.id)
                await app.job_manager.retry_job(job)
        except Exception as error:  # the database is away for a moment: try again next round
            log.warning("stalled-job check failed: %s", type(error).__name__)
        await asyncio.sleep(every)


def run_worker(
    db: Database,
    atlases,
    *,
    concurrency: int = 1,
    heartbeat: float = 10.0,
    stalled_after: float = 30.0,
    name: str | None = None,
) -> None:
    """Run a job worker until SIGINT/SIGTERM: ``concurrency`` jobs at once, each in its own child process."""
    require_postgres(db)
    app = make_app(db.url, worker=True)
    stop = threading.Event()
    context = {"nhp": {"store": JobStore(db), "atlases": atlases, "name": name or identity(), "stop": stop}}

    async def main() -> None:
        async with app.open_async():
            recovery = asyncio.create_task(_recover(app, stalled_after, heartbeat))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=concurrency,
                    name=name or identity(),
                    additional_context=context,
                    update_heartbeat_interval=heartbeat,
                    stalled_worker_timeout=stalled_after,
                    delete_jobs="successful",
                )
            finally:
                stop.set()  # a job still running when the worker stops is cancelled in its child, not saved
                recovery.cancel()

    asyncio.run(main())
