"""Background jobs (proposals for large areas) with progress and cancel.

A job runs its work in a separate *process* (``spawn``), not a thread: a proposal is CPU-bound Python that
would hold the GIL and slow every other request, and a thread cannot be stopped, whereas a process can be
terminated the moment a planner cancels. Only one job computes at a time (the machine has two cores and the
service needs one); the others wait in the queue. The work sends messages back over a pipe:
``("progress", fraction, text)``, then ``("done", result)`` or ``("error", problem_dict)``.

Jobs live in memory: after a restart their ids are gone, but what a finished job produced (a proposal) was
already saved in the database by ``on_done``.

The queue is bounded: each key may have :data:`MAX_JOBS_PER_USER` unfinished jobs and the service
:data:`MAX_UNFINISHED` in all (429 beyond either), and only the job's owner or an admin may cancel it.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from api.auth import Principal
from api.models import utcnow
from api.problems import NotFound, Problem

log = logging.getLogger("nhp.api")

#: Finished jobs remembered (oldest forgotten first).
KEEP_FINISHED = 200
#: Unfinished (queued or running) jobs one key may have, and the service in all.
MAX_JOBS_PER_USER = 2
MAX_UNFINISHED = 8


@dataclass
class Job:
    """One background job as the API shows it."""

    id: str
    kind: str
    area: str
    created_by: str
    time_budget: float
    owner: tuple = ()
    created_at: datetime = field(default_factory=utcnow)
    status: str = "queued"
    progress: float = 0.0
    message: str = "waiting for a free worker"
    result_id: str | None = None
    error: dict | None = None
    started: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def view(self) -> dict:
        """The job as JSON-ready values; progress of a running job without reports is estimated from time."""
        progress = self.progress
        if self.status == "running" and self.started and progress == 0.0:
            progress = min(0.95, (time.monotonic() - self.started) / max(self.time_budget, 1e-6))
        return {"id": self.id, "kind": self.kind, "area": self.area, "status": self.status,
                "progress": round(float(progress), 3), "message": self.message, "created_at": self.created_at,
                "created_by": self.created_by, "result_id": self.result_id, "error": self.error}


class JobRunner:
    """Runs jobs one at a time in child processes.

    Parameters
    ----------
    workers
        Jobs computing at once.
    """

    def __init__(self, workers: int = 1) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._slots = threading.Semaphore(workers)
        self._context = multiprocessing.get_context("spawn")
        self._closed = False

    def submit(self, kind: str, area: str, actor: Principal, work: Callable, args: tuple,
               on_done: Callable[[object], str], *, time_budget: float) -> Job:
        """Queue ``work(*args, conn)`` in a child process; ``on_done(result)`` saves it and returns its id.

        Raises 429 when the caller already has :data:`MAX_JOBS_PER_USER` unfinished jobs or the service
        :data:`MAX_UNFINISHED`.
        """
        job = Job(id=str(uuid.uuid4()), kind=kind, area=area, created_by=actor.name, time_budget=time_budget,
                  owner=_identity(actor))
        with self._lock:
            unfinished = [j for j in self._jobs.values() if j.status in ("queued", "running")]
            mine = sum(1 for j in unfinished if j.owner == job.owner)
            if mine >= MAX_JOBS_PER_USER or len(unfinished) >= MAX_UNFINISHED:
                limit = (f"'{actor.name}' already has {mine} unfinished jobs (at most {MAX_JOBS_PER_USER})"
                         if mine >= MAX_JOBS_PER_USER else f"the service has {len(unfinished)} unfinished jobs "
                         f"(at most {MAX_UNFINISHED})")
                raise Problem(429, "Too many jobs", f"{limit}: wait for one to finish or cancel one",
                              slug="too-many-jobs", headers={"Retry-After": "30"})
            self._jobs[job.id] = job
            self._forget_old()
        threading.Thread(target=self._run, args=(job, work, args, on_done), name=f"job-{job.id[:8]}",
                         daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        """Return a job or raise 404."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"job {job_id} does not exist (jobs are forgotten when the service restarts)")
        return job

    def cancel(self, job_id: str, actor: Principal) -> Job:
        """Cancel a queued or running job at once (its owner or an admin only: 403 otherwise); a finished job is
        left as it is."""
        job = self.get(job_id)
        if not actor.can("admin") and _identity(actor) != job.owner:
            raise Problem(403, "Forbidden", f"job {job_id} belongs to '{job.created_by}': only its owner or an "
                          "admin may cancel it", slug="forbidden")
        self._stop(job)
        return job

    def _stop(self, job: Job) -> None:
        if job.status in ("queued", "running"):
            job.cancel.set()
            job.status, job.message = "cancelled", "cancelled by request"

    def shutdown(self) -> None:
        """Cancel every unfinished job (the service is stopping)."""
        self._closed = True
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            self._stop(job)

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.status not in ("queued", "running")]
        for key in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[key]

    def _run(self, job: Job, work: Callable, args: tuple, on_done: Callable[[object], str]) -> None:
        with self._slots:
            if job.cancel.is_set() or self._closed:
                return
            job.status, job.message, job.started = "running", "computing", time.monotonic()
            receiver, sender = self._context.Pipe(duplex=False)
            process = self._context.Process(target=work, args=(*args, sender), daemon=True)
            process.start()
            sender.close()
            outcome = None
            try:
                outcome = self._watch(job, process, receiver)
            finally:
                if process.is_alive():
                    process.terminate()
                process.join(5)
                receiver.close()
            if job.cancel.is_set() or outcome is None:
                return
            kind, payload = outcome
            if kind == "done":
                try:
                    job.result_id = on_done(payload)
                    job.status, job.progress, job.message = "done", 1.0, "finished"
                except Exception as error:  # saving failed: report it on the job, never crash the runner
                    log.error("job %s could not save its result: %s", job.id, type(error).__name__)
                    job.status, job.error = "failed", {"title": "Could not save the result", "status": 500}
            else:
                job.status, job.error, job.message = "failed", payload, "failed"

    def _watch(self, job: Job, process, receiver):
        """Relay progress until the child finishes, dies or the job is cancelled."""
        while not job.cancel.is_set():
            if receiver.poll(0.2):
                try:
                    message = receiver.recv()
                except EOFError:
                    break
                if message[0] == "progress":
                    job.progress, job.message = float(message[1]), str(message[2])
                    continue
                return message[0], message[1]
            elif not process.is_alive() and not receiver.poll(0):
                break
        if job.cancel.is_set():
            return None
        return "error", {"title": "The proposal stopped unexpectedly", "status": 500,
                         "detail": f"worker exited with code {process.exitcode}"}


def _identity(actor: Principal) -> tuple:
    """Who owns a job: the key id (or, in local mode, the one local user)."""
    return (actor.key_id, actor.name if actor.key_id is None else None)
