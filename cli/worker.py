"""``nhp worker`` runs background jobs (large proposals) from the durable queue in PostgreSQL.

With ``NHP_JOBS=queue`` the API only enqueues jobs; one or more ``nhp worker`` processes, on the API machines
or on others that reach the same ``NHP_DATABASE_URL`` (and ``NHP_DATA_DIR`` for real areas), run them. A worker
takes ``--concurrency`` jobs at once, each in a child process; a job whose worker is killed is picked up by
another worker once the dead one has missed its heartbeats for ``--stalled-after`` seconds. SIGINT or SIGTERM
stops taking new jobs and waits for the running ones. See docs/DEPLOYING.md.

This module imports ``api`` only inside the command, so ``geo`` itself never depends on the service.
"""

from __future__ import annotations

import argparse
import logging

from geo.errors import DataError
from geo.settings import get_settings


def register(subparsers) -> None:
    worker = subparsers.add_parser("worker", help="run background jobs from the PostgreSQL job queue")
    worker.add_argument(
        "--concurrency", type=int, default=1, help="jobs computing at once (each uses one core; default 1)"
    )
    worker.add_argument(
        "--heartbeat",
        type=float,
        default=10.0,
        help="seconds between this worker's heartbeats and its checks for stalled jobs",
    )
    worker.add_argument(
        "--stalled-after",
        type=float,
        default=30.0,
        help="seconds without a heartbeat after which a worker's jobs are run again elsewhere",
    )
    worker.add_argument("--name", help="worker name in the queue and on its jobs (default: host:pid)")
    worker.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    worker.set_defaults(func=run_worker)


def run_worker(args: argparse.Namespace) -> int:
    """Open the plans database (upgrading its schema) and run jobs until stopped."""
    from api.atlases import default_provider  # lazy: nhp --help start-up: FastAPI, 138 modules, 0.7 s
    from api.db import Database, database_url  # lazy: nhp --help start-up: SQLAlchemy and alembic, 265 modules, 1.7 s
    from api.queue import run_worker as run  # lazy: nhp --help start-up: FastAPI and SQLAlchemy, 414 modules, 5.0 s

    if args.concurrency < 1:
        raise DataError(f"--concurrency {args.concurrency}: at least 1", column="--concurrency", expected="1 or more")
    if args.heartbeat <= 0 or args.stalled_after <= args.heartbeat:
        raise DataError(
            "--stalled-after must be longer than --heartbeat, both positive",
            column="--stalled-after",
            expected="e.g. --heartbeat 10 --stalled-after 30",
        )
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    settings = get_settings()
    db = Database(database_url(settings))
    print(f"nhp worker: {args.concurrency} job(s) at a time from the queue in {db.backend}")
    try:
        run(
            db,
            default_provider(settings),
            concurrency=args.concurrency,
            heartbeat=args.heartbeat,
            stalled_after=args.stalled_after,
            name=args.name,
        )
    finally:
        db.dispose()
    return 0
