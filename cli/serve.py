"""``nhp serve`` runs the planner's web API; ``nhp keys create|list|revoke`` manages its API keys.

The keys live in the plans database (``NHP_DATABASE_URL``, or ``nhp.sqlite3`` in ``NHP_HOME_DIR``), hashed; a
new key's secret is printed once, by ``nhp keys create``, and cannot be shown again. With no active key the
service runs in local single-user mode (every request acts as admin) and says so when it starts.

This module imports ``api`` only inside the commands, so ``geo`` itself never depends on the service.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import sys
import threading
import time

from geo.errors import DataError
from geo.settings import get_settings

ROLES = ("viewer", "planner", "approver", "admin")


def register(subparsers) -> None:
    serve = subparsers.add_parser("serve", help="run the web API (OpenAPI docs at /docs)")
    serve.add_argument("--host", help="address to listen on (default: NHP_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: NHP_PORT, 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="stateless uvicorn worker processes over PostgreSQL (each keeps its own atlas and plan "
        "caches; the database holds everything else); more than 1 needs NHP_DATABASE_URL",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.set_defaults(func=run_serve)

    keys = subparsers.add_parser("keys", help="create, list and revoke API keys")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    create = actions.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True, help="who or what holds the key, e.g. alice")
    create.add_argument("--role", required=True, choices=ROLES, help="viewer < planner < approver < admin")
    create.set_defaults(func=run_keys_create)
    listing = actions.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--active", action="store_true", help="leave out revoked keys")
    listing.set_defaults(func=run_keys_list)
    revoke = actions.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", type=int, help="the key's id from `nhp keys list`")
    revoke.set_defaults(func=run_keys_revoke)
    keys.set_defaults(func=lambda args: keys.print_help() or 0)


def _database():
    from api.db import Database, database_url  # lazy: nhp --help start-up: SQLAlchemy and alembic, 265 modules, 1.7 s

    return Database(database_url(get_settings()))


def run_serve(args: argparse.Namespace) -> int:
    """Start uvicorn on the configured host and port with the app factory."""
    import uvicorn  # lazy: the server only for nhp serve

    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s:     %(name)s: %(message)s")
    if args.workers < 1:
        raise DataError(f"--workers {args.workers}: at least 1", column="--workers", expected="1 or more")
    # The schema is upgraded here, once, before any worker starts (each worker finds it at head).
    db = _database()
    backend = db.backend
    db.dispose()
    if args.workers > 1 and backend != "postgresql":
        # Several processes writing one SQLite file would queue on its single write lock (and a file on a network
        # share is not safe at all); the service's state is in the database, so share a real one.
        raise DataError(
            f"--workers {args.workers} needs PostgreSQL: with SQLite the service runs one process",
            column="--workers",
            expected="NHP_DATABASE_URL=postgresql+psycopg://... or --workers 1",
        )
    print(
        f"Neighbourhood Health Planner API on http://{host}:{port}/docs"
        + (f" ({args.workers} workers)" if args.workers > 1 else "")
    )
    # Several workers: each builds its app through worker_app, which ties it to this process's life.
    uvicorn.run(
        "api.app:create_app" if args.workers == 1 else "cli.serve:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_level=args.log_level,
        proxy_headers=False,
    )
    return 0


#: Seconds a worker whose parent died is given to finish its requests before it exits anyway.
ORPHAN_GRACE_S = 10.0
#: How often the watchdog looks at the parent.
WATCH_EVERY_S = 0.5
PR_SET_PDEATHSIG = 1


def die_with_parent(grace: float = ORPHAN_GRACE_S, every: float = WATCH_EVERY_S) -> None:
    """Make this worker process stop when the process that started it dies, even by SIGKILL.

    uvicorn's supervisor (``nhp serve --workers N``) hands the listening socket to its workers; killed outright,
    it cannot stop them, and they would keep serving on the port (a restart then fails "Address already in use").
    On Linux the kernel sends SIGTERM the moment the parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, a
    watchdog thread sees the parent change and sends SIGTERM itself. SIGTERM is uvicorn's graceful stop; a worker
    still alive ``grace`` seconds later exits at once.
    """
    import multiprocessing  # lazy: nhp --help start-up: 5 modules, 16 ms

    # The pid of the process that started this one, even if it has died already (then getppid() is another).
    started_by = multiprocessing.parent_process()
    parent = started_by.pid if started_by is not None and started_by.pid else os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog alone
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        logging.getLogger("nhp.api").warning("the server process %s died: this worker stops", parent)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def worker_app():
    """The app factory of each ``nhp serve --workers N`` worker: the app, in a process that dies with its parent."""
    from api.app import create_app  # lazy: nhp --help start-up: FastAPI, SQLAlchemy, folium: 1351 modules, 32 s

    die_with_parent()
    return create_app()


def run_keys_create(args: argparse.Namespace) -> int:
    from api.auth import create_key  # lazy: nhp --help start-up: FastAPI and SQLAlchemy, 394 modules, 4.8 s

    key, secret = create_key(_database(), args.name, args.role)
    print(f"Created key {key.id} for {key.name} ({key.role}). It is shown only this once:")
    print(secret)
    return 0


def run_keys_list(args: argparse.Namespace) -> int:
    from api.auth import list_keys  # lazy: nhp --help start-up: FastAPI and SQLAlchemy, 394 modules, 4.8 s

    keys = list_keys(_database(), include_revoked=not args.active)
    if not keys:
        print("no API keys: the service runs in local single-user mode (every request acts as admin)")
        return 0
    print(f"{'id':>4}  {'name':<24} {'role':<9} {'prefix':<11} {'created':<20} revoked")
    for key in keys:
        revoked = key.revoked_at.strftime("%Y-%m-%d %H:%M") if key.revoked_at else ""
        print(
            f"{key.id:>4}  {key.name:<24} {key.role:<9} {key.prefix:<11} "
            f"{key.created_at.strftime('%Y-%m-%d %H:%M'):<20} {revoked}"
        )
    return 0


def run_keys_revoke(args: argparse.Namespace) -> int:
    """Revoke a key. The last active admin key is refused (one line, exit 2), with no ``--force``: nobody could
    then manage keys over the API, and the way out (create another admin key first) is one command away."""
    from api.auth import revoke_key  # lazy: nhp --help start-up: FastAPI and SQLAlchemy, 394 modules, 4.8 s
    from api.problems import NotFound, Problem  # lazy: nhp --help start-up: FastAPI, 128 modules, 1.0 s

    try:
        key = revoke_key(_database(), args.key_id)
    except NotFound as error:
        raise DataError(error.detail, expected="an id from `nhp keys list`") from error
    except Problem as error:  # 409: the last active admin key
        raise DataError(f"{error.detail} (nhp keys create --name NAME --role admin)") from error
    print(f"Revoked key {key.id} ({key.name}, {key.role}).")
    return 0
