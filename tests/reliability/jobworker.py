"""A job worker whose proposals wait at a gate, for tests that kill a worker while it holds a job.

``python -m tests.reliability.jobworker NAME GATE`` runs :func:`api.queue.run_worker` (the same code as
``nhp worker``) on ``NHP_DATABASE_URL`` with the service's areas, except that each proposal first reports
progress and then waits until the file GATE exists before it computes: the test knows the job is mid-way,
on this worker, without guessing how long a proposal takes.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path


def gated_work(atlas, params: dict, conn) -> None:
    """``api.proposals.work`` behind the gate named by ``NHP_TEST_GATE``."""
    from api import proposals

    conn.send(("progress", 0.05, "held at the test gate"))
    gate = Path(os.environ["NHP_TEST_GATE"])
    while not gate.exists():
        time.sleep(0.1)
    proposals.work(atlas, params, conn)


def main(argv: list[str]) -> None:
    import logging

    from api import jobs
    from api.atlases import default_provider
    from api.db import Database, database_url
    from api.queue import run_worker
    from geo.settings import get_settings

    name, gate = argv[0], argv[1]
    os.environ["NHP_TEST_GATE"] = gate  # read by the spawned child
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    jobs.KINDS["proposal"] = replace(jobs.KINDS["proposal"], work="tests.reliability.jobworker:gated_work")
    settings = get_settings()
    run_worker(Database(database_url(settings)), default_provider(settings), heartbeat=0.5, stalled_after=3,
               name=name)


if __name__ == "__main__":
    main(sys.argv[1:])
