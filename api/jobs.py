"""Background jobs (proposals of large areas, modelled hotspots): one row per job in the plans database.

The row in ``jobs`` is the job's only source of truth: status (queued, running, done, failed, cancelled),
progress, owner, and the id of what it saved. Any API process reads it, so ``GET /jobs/{id}`` answers the same
from every worker and after a restart. Two runners fill it, behind one interface (``submit``, ``get``,
``cancel``, ``shutdown``):

- :class:`JobRunner` (``NHP_JOBS=local``, the default): a thread of the API process that accepted the job runs
  it, one at a time. Nothing else to start, any database; a job dies with its process (it is then marked failed).
- :class:`api.queue.QueueRunner` (``NHP_JOBS=queue``, PostgreSQL only): the API only enqueues on procrastinate;
  ``nhp worker`` processes, on any machine, run the jobs, and a job whose worker was killed is run again.

Either way the work runs in a child *process* (``spawn``): a proposal is CPU-bound Python that would hold the
GIL, and a process can be stopped the moment its job is cancelled. The child sends ``("progress", fraction,
text)``, then ``("done", result)`` or ``("error", problem)`` over a pipe; ``execute`` relays them to the row.
A result is saved in the same transaction that marks the job done, under a row lock and only by the current
attempt, so a job run twice (its first worker killed after computing) is still saved once. Running a job is
:func:`api.jobrun.execute`; this module is the record, the store and the local runner.

Caps: each key may have :data:`MAX_JOBS_PER_USER` unfinished jobs and the service :data:`MAX_UNFINISHED` (429),
counted in the database under a lock together with the heavy work requests do inline (:mod:`api.limits`: the
same caps, with places kept for admins); only the owner or an admin may cancel a job (403).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.auth import Principal
from api.db import Database
from api.limits import MAX_PER_KEY, MAX_TOTAL, _alive, check_caps, identity
from api.models import Base, UTCDateTime, utcnow
from api.problems import NotFound, Problem
from api.audit_log import audit
from geo.errors import DataError

log = logging.getLogger("nhp.api")


def send_outcome(conn, answer: Callable[[], dict], failure: str) -> None:
    """Run a job body in its child process and send ``("done", answer())`` or ``("error", problem)`` over ``conn``.

    Bad input data is a 422 naming file, row and column; any other failure is a 500 giving only the kind of
    error, never its message (it may quote data). The connection is closed either way.
    """

    try:
        conn.send(("done", answer()))
    except DataError as error:
        conn.send(
            (
                "error",
                {
                    "status": 422,
                    "title": "Bad input data",
                    "detail": str(error),
                    **{k: v for k, v in error.to_dict().items() if k != "message"},
                },
            )
        )
    except Exception as error:  # report the kind of failure, not its message (it may quote data)
        conn.send(("error", {"status": 500, "title": failure, "detail": type(error).__name__}))
    finally:
        conn.close()


#: Unfinished (queued or running) jobs one key may have, and the service in all: the caps of
#: :mod:`api.limits`, which heavy requests share (admins keep ``ADMIN_RESERVE`` of the service's places).
MAX_JOBS_PER_USER = MAX_PER_KEY
MAX_UNFINISHED = MAX_TOTAL
UNFINISHED = ("queued", "running")


class JobRecord(Base):
    """A background job (table ``jobs``, migration 0003)."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON)
    time_budget: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    owner_key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100), nullable=True)
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    result_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    @property
    def owner(self) -> Principal:
        return Principal(self.owner_key_id, self.created_by, self.owner_role)

    def view(self) -> dict:
        """The job as the API shows it; progress of a running job without reports is estimated from time."""
        progress = self.progress
        if self.status == "running" and self.started_at and progress == 0.0:
            elapsed = (utcnow() - self.started_at).total_seconds()
            progress = min(0.95, max(0.0, elapsed) / max(self.time_budget, 1e-6))
        return {
            "id": self.id,
            "kind": self.kind,
            "area": self.area,
            "status": self.status,
            "progress": round(float(progress), 3),
            "message": self.message,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "result_id": self.result_id,
            "error": self.error,
        }


@dataclass(frozen=True)
class JobKind:
    """What a kind of job runs: ``work`` ("module:function", called in the child as ``work(atlas, params, conn)``)
    and ``save(session, record, result) -> id``, which stores the result inside the job's own transaction."""

    work: str
    save: Callable[[Session, JobRecord, dict], str]


def _save_proposal(session: Session, record: JobRecord, result: dict) -> str:
    from api import proposals  # lazy: circular: api.proposals imports api.jobs at import time

    return proposals.save(None, record.area, record.params, result, record.owner, session=session).id


def _save_hotspots(session: Session, record: JobRecord, result: dict) -> str:
    from api import hotspots  # lazy: circular: api.hotspots imports api.jobs at import time

    return hotspots.save(session, record, result)


#: Job kinds by name; the name is stored on the row, so a worker on another machine knows what to run.
#: ``result_id`` of a done job names a proposal (``GET /proposals/{id}``) or a hotspot answer
#: (``GET /hotspot-results/{id}``).
KINDS: dict[str, JobKind] = {
    "proposal": JobKind("api.proposals:work", _save_proposal),
    "hotspots": JobKind("api.hotspots:work", _save_hotspots),
}


class JobStore:
    """The ``jobs`` table: create under the caps, read, cancel, and the state changes a running job makes.

    Examples
    --------
    >>> store = JobStore(Database("sqlite://"))
    >>> alice = Principal(1, "alice", "planner")
    >>> job = store.create("proposal", "GRID", alice, {"seed": 1}, time_budget=5, message="waiting")
    >>> store.get(job.id).status, store.cancel(job.id, alice).status, store.claim(job.id, "w1") is None
    ('queued', 'cancelled', True)
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        kind: str,
        area: str,
        actor: Principal,
        params: dict,
        *,
        time_budget: float,
        message: str,
        worker: str | None = None,
    ) -> JobRecord:
        """Insert a queued job, or raise 429 when the caller or the service is at its cap."""
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        with self.db.write() as session:
            # The caps count jobs and heavy requests together (api.limits), under one lock.
            check_caps(session, actor)
            record = JobRecord(
                id=str(uuid.uuid4()),
                kind=kind,
                area=area,
                params=params,
                time_budget=time_budget,
                status="queued",
                progress=0.0,
                message=message,
                created_at=utcnow(),
                created_by=actor.name,
                owner_key_id=actor.key_id,
                owner_role=actor.role,
                attempts=0,
                worker=worker,
            )
            session.add(record)
            # Every change is audited: who asked for what computation, on which area (the job's own row holds
            # the parameters and, later, where its result went).
            audit(session, actor, "job.created", None, None, job_id=record.id, kind=kind, area=area)
        return record

    def get(self, job_id: str) -> JobRecord:
        """Return a job or raise 404."""
        with self.db.read() as session:
            record = session.get(JobRecord, job_id)
        if record is None:
            raise NotFound(f"job {job_id} does not exist")
        return record

    def cancel(self, job_id: str, actor: Principal | None, message: str = "cancelled by request") -> JobRecord:
        """Cancel a queued or running job (its owner or an admin only: 403; ``actor=None`` is the service itself).
        A finished job is left as it is; a running one is stopped by whoever runs it within a fraction of a
        second, and saves nothing."""
        with self.db.write() as session:
            record = session.get(JobRecord, job_id, with_for_update=True)
            if record is None:
                raise NotFound(f"job {job_id} does not exist")
            if actor is not None and not actor.can("admin") and _key(actor) != _key(record.owner):
                raise Problem(
                    403,
                    "Forbidden",
                    f"job {job_id} belongs to '{record.created_by}': only its owner or an admin may cancel it",
                    slug="forbidden",
                )
            if record.status in UNFINISHED:
                record.status, record.message, record.finished_at = "cancelled", message, utcnow()
                if actor is not None:
                    audit(
                        session,
                        actor,
                        "job.cancelled",
                        None,
                        None,
                        job_id=record.id,
                        kind=record.kind,
                        area=record.area,
                    )
        return record

    def claim(self, job_id: str, worker: str) -> JobRecord | None:
        """Start (or, after its worker died, restart) a job: the next attempt, or None when it is finished."""
        with self.db.write() as session:
            record = session.get(JobRecord, job_id, with_for_update=True)
            if record is None or record.status not in UNFINISHED:
                return None
            record.attempts += 1
            record.status, record.worker, record.started_at = "running", worker, utcnow()
            record.progress, record.message = (
                0.0,
                "computing"
                if record.attempts == 1
                else (f"computing again (attempt {record.attempts}: the previous worker stopped)"),
            )
        return record

    def current(self, job_id: str, attempt: int) -> bool:
        """True while ``attempt`` is the job's live attempt (not cancelled, finished or taken over)."""
        with self.db.read() as session:
            row = session.execute(
                select(JobRecord.status, JobRecord.attempts).where(JobRecord.id == job_id)
            ).one_or_none()
        return row is not None and row.status == "running" and row.attempts == attempt

    def progress(self, job_id: str, attempt: int, fraction: float, message: str) -> None:
        with self.db.write() as session:
            session.query(JobRecord).filter_by(id=job_id, attempts=attempt, status="running").update(
                {"progress": min(max(float(fraction), 0.0), 1.0), "message": str(message)[:200]}
            )

    def finish(self, job_id: str, attempt: int, result: dict) -> str | None:
        """Save the result and mark the job done, in one transaction; None (nothing saved) when the attempt is
        no longer the live one (cancelled, or done already by another worker)."""
        with self.db.write() as session:
            record = session.get(JobRecord, job_id, with_for_update=True)
            if record is None or record.status != "running" or record.attempts != attempt:
                return None
            record.result_id = KINDS[record.kind].save(session, record, result)
            record.status, record.progress, record.message = "done", 1.0, "finished"
            record.finished_at = utcnow()
            return record.result_id

    def fail(self, job_id: str, attempt: int | None, problem: dict, message: str = "failed") -> None:
        with self.db.write() as session:
            record = session.get(JobRecord, job_id, with_for_update=True)
            if record is not None and record.status in UNFINISHED and attempt in (None, record.attempts):
                record.status, record.error, record.message = "failed", problem, message
                record.finished_at = utcnow()


def _key(actor: Principal) -> tuple:
    return (actor.key_id, actor.name if actor.key_id is None else None)


class JobRunner:
    """Runs jobs in this process (``NHP_JOBS=local``): one thread per job, ``workers`` computing at once.

    Jobs another process of this machine accepted, whose process has died, are marked failed at start (they
    cannot finish and would otherwise count against the caps forever).
    """

    message = "waiting for a free worker"

    def __init__(self, db: Database, atlases, workers: int = 1) -> None:
        self.store, self.atlases = JobStore(db), atlases
        self._slots = threading.Semaphore(workers)
        self._stop = threading.Event()
        self._worker = identity()
        self._mine: set[str] = set()
        self._abandon_dead()

    def submit(self, kind: str, area: str, actor: Principal, params: dict, *, time_budget: float) -> JobRecord:
        """Queue a job of ``kind`` (a key of :data:`KINDS`); 429 beyond the caps."""
        record = self.store.create(
            kind, area, actor, params, time_budget=time_budget, message=self.message, worker=self._worker
        )
        self._mine.add(record.id)
        threading.Thread(target=self._run, args=(record.id,), name=f"job-{record.id[:8]}", daemon=True).start()
        return record

    def get(self, job_id: str) -> JobRecord:
        return self.store.get(job_id)

    def cancel(self, job_id: str, actor: Principal) -> JobRecord:
        return self.store.cancel(job_id, actor)

    def shutdown(self) -> None:
        """Stop and cancel this process's unfinished jobs (the service is stopping)."""
        self._stop.set()
        for job_id in list(self._mine):
            self.store.cancel(job_id, None, "cancelled: the service stopped")

    def _run(self, job_id: str) -> None:
        try:
            with self._slots:
                if not self._stop.is_set():
                    # lazy: circular: api.jobrun imports api.jobs at import time; tests patch api.jobrun.execute
                    from api.jobrun import execute

                    execute(self.store, self.atlases, job_id, self._worker, stop=self._stop)
        except Exception:  # the child could not start, or the database went away
            log.exception("job %s could not run", job_id)
            try:  # best effort: a job left "running" would hold its owner's place under the caps
                self.store.fail(
                    job_id,
                    None,
                    {"status": 500, "title": "The job could not run", "detail": "submit it again"},
                    message="could not run",
                )
            except Exception:
                log.warning("job %s: could not mark it failed", job_id)
        finally:
            self._mine.discard(job_id)

    def _abandon_dead(self) -> None:
        host = self._worker.rsplit(":", 1)[0]
        with self.store.db.read() as session:
            rows = session.execute(
                select(JobRecord.id, JobRecord.worker).where(
                    JobRecord.status.in_(UNFINISHED), JobRecord.queue_job_id.is_(None)
                )
            ).all()
        for job_id, worker in rows:
            name, _, pid = (worker or "").rpartition(":")
            # Our own pid on a job we did not start: a previous life of this process (containers reuse pids).
            if name == host and pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
                self.store.fail(
                    job_id,
                    None,
                    {"status": 500, "title": "The service stopped during the job", "detail": "submit it again"},
                    message="interrupted",
                )
