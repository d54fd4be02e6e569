"""A job worker whose jobs wait at a gate, for tests that kill a worker while it holds a job.

``python -m tests.reliability.jobworker NAME GATE [CONCURRENCY]`` runs :func:`api.queue.run_worker` (the same
code as ``nhp worker``) on ``NHP_DATABASE_URL`` with the service's areas, except that each job (proposal or
hotspots) first reports progress and then waits until the file GATE exists before it computes: the test knows
the job is mid-way, on this worker, without guessing how long it takes.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from pathlib import Path


def _hold(conn) -> None:
    conn.send(("progress", 0.05, "held at the test gate"))
    gate = Path(os.environ["NHP_TEST_GATE"])
    while not gate.exists():
        time.sleep(0.1)


def gated_work(atlas, params: dict, conn) -> None:
    """``api.proposals.work`` behind the gate named by ``NHP_TEST_GATE``."""
    from api import proposals

    _hold(conn)
    proposals.work(atlas, params, conn)


def gated_hotspots(atlas, params: dict, conn) -> None:
    """``api.hotspots.work`` behind the same gate."""
    from api import hotspots

    _hold(conn)
    hotspots.work(atlas, params, conn)


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
    jobs.KINDS["hotspots"] = replace(jobs.KINDS["hotspots"], work="tests.reliability.jobworker:gated_hotspots")
    settings = get_settings()
    run_worker(
        Database(database_url(settings)),
        default_provider(settings),
        heartbeat=0.5,
        stalled_after=3,
        name=name,
        concurrency=int(argv[2]) if len(argv) > 2 else 1,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
