"""Running one job: a child process computes it; this side relays progress, obeys cancel and saves the result.

:func:`execute` is the same for both runners (``api.jobs.JobRunner`` in the API process, ``nhp worker`` through
``api.queue``). The job's row says what to run (```api.jobs.KINDS```); the attempt :meth:`JobStore.claim` gives
fences this run: a cancel, or another worker taking the job over, ends it within ``poll`` seconds, and only the
live attempt may save (:meth:`JobStore.finish`, one transaction with the job's ``done``).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import threading
import time

from api.jobs import KINDS, JobStore

log = logging.getLogger("nhp.api")


def _child(work: str, atlas, params: dict, conn, parent: int) -> None:
    """Entry point of the child process: run ``work`` and exit if the worker that started it dies (SIGKILL
    leaves a spawned child running otherwise, computing for nobody)."""

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(3)

    threading.Thread(target=watch_parent, daemon=True).start()
    module, name = work.split(":")
    getattr(importlib.import_module(module), name)(atlas, params, conn)


def execute(
    store: JobStore, atlases, job_id: str, worker: str, *, stop: threading.Event | None = None, poll: float = 0.25
) -> str | None:
    """Run one job to its end in a child process, relaying progress and obeying cancel; returns its status."""
    record = store.claim(job_id, worker)
    if record is None:
        return None
    attempt = record.attempts
    try:
        atlas = atlases.get(record.area)
    except Exception as error:  # the area cannot be loaded here: say so on the job rather than retry forever
        store.fail(
            job_id,
            attempt,
            {
                "status": 500,
                "title": "Could not load the area",
                "detail": getattr(error, "detail", type(error).__name__),
            },
        )
        return "failed"
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(KINDS[record.kind].work, atlas, record.params, sender, os.getpid()), daemon=True
    )
    process.start()
    sender.close()
    try:
        outcome = _watch(store, job_id, attempt, process, receiver, stop or threading.Event(), poll)
    finally:
        if process.is_alive():
            process.terminate()
        process.join(5)
        receiver.close()
    if outcome is None:
        return "cancelled"
    kind, payload = outcome
    if kind != "done":
        store.fail(job_id, attempt, payload)
        return "failed"
    try:
        saved = store.finish(job_id, attempt, payload)
    except Exception as error:  # saving failed: report it on the job, never crash the runner
        log.error("job %s could not save its result: %s", job_id, type(error).__name__)
        store.fail(job_id, attempt, {"title": "Could not save the result", "status": 500})
        return "failed"
    return "done" if saved else None


def _watch(store: JobStore, job_id: str, attempt: int, process, receiver, stop: threading.Event, poll: float):
    """Relay progress until the child answers or dies; None when the job was cancelled or taken over."""
    while not stop.is_set():
        if not store.current(job_id, attempt):
            return None
        if receiver.poll(poll):
            try:
                message = receiver.recv()
            except EOFError:
                break
            if message[0] == "progress":
                store.progress(job_id, attempt, message[1], message[2])
                continue
            return message[0], message[1]
        if not process.is_alive() and not receiver.poll(0):
            break
    if stop.is_set():
        return None
    return "error", {
        "title": "The job stopped unexpectedly",
        "status": 500,
        "detail": f"worker exited with code {process.exitcode}",
    }
