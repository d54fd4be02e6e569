"""The plans database: engine, sessions and migrations, for embedded SQLite and shared PostgreSQL alike.

SQLite (the default, ``nhp.sqlite3`` in the home folder) runs in WAL mode with foreign keys on. Its write
transactions start with ``BEGIN IMMEDIATE`` because a deferred transaction that reads and then writes fails at
once with "database is locked" when another writer committed in between (the busy timeout does not apply to
that case); taking the write lock first makes concurrent writers queue instead of failing. Every change runs
in one transaction, so a crash never leaves a half-written version or an audit event without its change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from geo.settings import Settings

log = logging.getLogger("nhp.api")

MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(settings: Settings) -> str:
    """Return the SQLAlchemy URL of the plans database.

    Parameters
    ----------
    settings
        ``database_url`` when set; otherwise an SQLite file ``nhp.sqlite3`` in ``home_dir`` (created if needed).

    Examples
    --------
    >>> database_url(Settings(home_dir="/tmp/nhp-doc", database_url=None)).endswith("nhp-doc/nhp.sqlite3")
    True
    """
    if settings.database_url:
        return settings.database_url
    home = Path(settings.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'nhp.sqlite3'}"


def redacted(url: str) -> str:
    """Return the URL with any password hidden, for logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas and transaction handling described in the module docstring."""
    if make_url(url).get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=8)
        _ping_when_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record) -> None:
        # Hand transaction control to the "begin" hook below instead of the sqlite3 module's implicit BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("nhp_write") else "BEGIN")

    return engine


#: Pooled PostgreSQL connections per process, and the request threads of one process (``api.app``): a request
#: holds one connection at a time, so every request thread keeps a pooled connection instead of opening and
#: closing overflow connections (a new server process each) under load. Four workers stay under PostgreSQL's
#: default 100 connections.
POOL_SIZE = 12
#: A pooled connection idle longer than this is pinged before use (one round trip); a busier one is not.
PING_AFTER_IDLE_S = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Pre-ping a pooled connection only when it has been idle, so a restarted server costs no failed request.

    ``pool_pre_ping`` pings on every checkout, a round trip per session (several per request under load); a
    connection returned moments ago is alive, and one that died since is caught like any disconnect.
    """

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection, record) -> None:
        record.info["nhp_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("nhp_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards this connection and checks out (or opens) another
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def run_migrations(engine: Engine) -> None:
    """Upgrade the database to the newest schema (``alembic upgrade head``) on the engine's own connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        if engine.url.get_backend_name() == "postgresql":
            # Several processes or machines starting at once: one upgrades, the others wait, then find it done.
            connection.exec_driver_sql("select pg_advisory_xact_lock(hashtext('nhp.migrations'))")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


class Database:
    """Engine plus two session factories: plain reads, and writes that take the write lock first.

    Parameters
    ----------
    url
        SQLAlchemy URL.
    migrate
        Run the migrations now (the service does; tests of a given schema may not).

    Examples
    --------
    >>> db = Database("sqlite://")
    >>> with db.write() as session:
    ...     _ = session.execute(__import__("sqlalchemy").text("select 1")).scalar()
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            run_migrations(self.engine)
        # PostgreSQL reads run in autocommit: no BEGIN and ROLLBACK round trips around each read. Each statement
        # still sees one consistent snapshot, as under the default READ COMMITTED.
        reads = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT") if self.backend == "postgresql" else self.engine
        )
        self._reads = reads
        self._read = sessionmaker(reads, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(nhp_write=True), expire_on_commit=False)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.url.get_backend_name()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading: never committed, and closed (not expired) so loaded rows stay readable."""
        with self._read() as session:
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection for reading, without an ORM session (for the few queries run on every request)."""
        with self._reads.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on any error."""
        with self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
