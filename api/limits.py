"""One budget for heavy work: background jobs and the heavy work a request does inline count against the same caps.

A proposal run in its request (``"background": false``), an uploaded plan or UEC extract being parsed, or any
other heavy synchronous answer takes a *slot* for as long as it runs: a row of ``work_slots`` (migration 0005),
written under the same lock as a job's row and counted with the unfinished jobs. So the caps of
:mod:`api.jobs` bound everything expensive, whichever API process (``--workers``) or runner does it:

- each key at most :data:`MAX_PER_KEY` unfinished jobs plus running slots;
- the service at most :data:`MAX_TOTAL`, of which :data:`ADMIN_RESERVE` only admins may take, so keys of other
  roles filling the service (four planners with two long jobs each) never lock an admin out.

Beyond a cap the answer is 429 problem+json with ``Retry-After``. A slot is released when its work ends, however
it ends; a slot left by a killed process (same machine, process gone) or older than :data:`STALE_AFTER_S` is
cleared the next time the caps are reached. Routes use :func:`heavy_work` as a context manager::

    with heavy_work(state.db, actor, "import"):
        plan = parse(upload)
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.auth import Principal
from api.db import Database
from api.models import Base, UTCDateTime, utcnow
from api.problems import Problem

#: Unfinished jobs plus running slots one key may hold.
MAX_PER_KEY = 2
#: Unfinished jobs plus running slots the whole service may hold.
MAX_TOTAL = 8
#: Of MAX_TOTAL, the places only admins may take.
ADMIN_RESERVE = 2
#: A slot older than this is taken to be left over (no request runs this long; a job's own row covers jobs).
STALE_AFTER_S = 2 * 3600
#: Seconds a refused caller is told to wait.
RETRY_AFTER_S = 30


class WorkSlot(Base):
    """Heavy work running inside a request (table ``work_slots``, migration 0005)."""

    __tablename__ = "work_slots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner_key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_name: Mapped[str] = mapped_column(String(100))
    owner_role: Mapped[str] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def identity() -> str:
    """This process as the ``worker`` of a job or a slot: ``host:pid``."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine still runs (one we may not signal counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock(session: Session) -> None:
    """Serialise cap checks across processes (SQLite's write transaction already holds its only write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("select pg_advisory_xact_lock(hashtext('nhp.jobs.submit'))"))


def _counts(session: Session, actor: Principal) -> tuple[int, int]:
    """(held by ``actor``, held in all): unfinished jobs plus running slots."""
    from api.jobs import UNFINISHED, JobRecord  # lazy: circular: api.jobs imports api.limits at import time

    jobs = select(func.count()).select_from(JobRecord).where(JobRecord.status.in_(UNFINISHED))
    slots = select(func.count()).select_from(WorkSlot)
    if actor.key_id is None:  # local single-user mode: the one local user, by name
        my_jobs = jobs.where(JobRecord.owner_key_id.is_(None), JobRecord.created_by == actor.name)
        my_slots = slots.where(WorkSlot.owner_key_id.is_(None), WorkSlot.owner_name == actor.name)
    else:
        my_jobs = jobs.where(JobRecord.owner_key_id == actor.key_id)
        my_slots = slots.where(WorkSlot.owner_key_id == actor.key_id)
    mine = session.scalar(my_jobs) + session.scalar(my_slots)
    return mine, session.scalar(jobs) + session.scalar(slots)


def refusal(mine: int, total: int, actor: Principal) -> str | None:
    """Why ``actor`` may not start more heavy work with these counts, or None when it may.

    Examples
    --------
    >>> planner, admin = Principal(1, "p", "planner"), Principal(2, "a", "admin")
    >>> refusal(1, 5, planner) is None, refusal(2, 5, planner)
    (True, "'p' already has 2 jobs or heavy requests running (at most 2)")
    >>> refusal(0, 6, planner) is not None, refusal(0, 6, admin) is None, refusal(0, 8, admin) is not None
    (True, True, True)
    """
    if mine >= MAX_PER_KEY:
        return f"'{actor.name}' already has {mine} jobs or heavy requests running (at most {MAX_PER_KEY})"
    limit = MAX_TOTAL if actor.can("admin") else MAX_TOTAL - ADMIN_RESERVE
    if total >= limit:
        return f"the service has {total} jobs or heavy requests running (at most {limit}" + (
            f"; {ADMIN_RESERVE} more are kept for admins)" if limit < MAX_TOTAL else ")"
        )
    return None


def check_caps(session: Session, actor: Principal) -> None:
    """Raise 429 unless ``actor`` may start one more job or heavy request; call inside the write transaction
    that then records it (the lock taken here holds until that transaction ends)."""
    _lock(session)
    why = refusal(*_counts(session, actor), actor)
    if why is not None and _clear_stale(session):
        why = refusal(*_counts(session, actor), actor)
    if why is not None:
        raise Problem(
            429,
            "Too many jobs",
            f"{why}: wait for one to finish or cancel a job",
            slug="too-many-jobs",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )


def _clear_stale(session: Session) -> bool:
    """Delete slots left by dead processes of this machine, and any older than STALE_AFTER_S; True if any went."""
    host = identity().rsplit(":", 1)[0]
    old = utcnow() - timedelta(seconds=STALE_AFTER_S)
    gone = [
        slot_id
        for slot_id, worker, started in session.execute(select(WorkSlot.id, WorkSlot.worker, WorkSlot.started_at))
        if started < old or _dead_here(worker, host, _alive)
    ]
    if gone:
        session.execute(delete(WorkSlot).where(WorkSlot.id.in_(gone)))
    return bool(gone)


def _dead_here(worker: str, host: str, alive) -> bool:
    name, _, pid = (worker or "").rpartition(":")
    return name == host and pid.isdigit() and int(pid) != os.getpid() and not alive(int(pid))


@contextmanager
def heavy_work(db: Database, actor: Principal, kind: str) -> Iterator[str]:
    """Hold one slot of the caps while the block runs (429 problem+json when none is free); yields its id.

    Examples
    --------
    >>> db = Database("sqlite://")
    >>> alice = Principal(1, "alice", "planner")
    >>> with heavy_work(db, alice, "proposal"), heavy_work(db, alice, "import"):
    ...     try:
    ...         with heavy_work(db, alice, "import"):
    ...             pass
    ...     except Problem as refused:
    ...         print(refused.status, refused.headers["Retry-After"])
    429 30
    >>> with heavy_work(db, alice, "proposal"):  # released when the blocks ended
    ...     print(held(db))
    1
    """
    slot_id = str(uuid.uuid4())
    with db.write() as session:
        check_caps(session, actor)
        session.add(
            WorkSlot(
                id=slot_id,
                kind=kind[:20],
                owner_key_id=actor.key_id,
                owner_name=actor.name[:100],
                owner_role=actor.role,
                worker=identity(),
                started_at=utcnow(),
            )
        )
    try:
        yield slot_id
    finally:
        with db.write() as session:
            session.execute(delete(WorkSlot).where(WorkSlot.id == slot_id))


def held(db: Database) -> int:
    """How many slots are held now (all processes)."""
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(WorkSlot)) or 0)
