"""Fixtures for the API tests: a service on a synthetic grid atlas, on SQLite and on PostgreSQL.

Every test that takes ``client`` runs twice: against a fresh SQLite file and against a fresh PostgreSQL
database (``@pytest.mark.postgres``, skipped only when ``NHP_TEST_POSTGRES_URL`` is unset). Each test gets its
own database, so counts (keys, plans, audit events) never leak from one test to another.

The grid (6 × 6 cells of 1,500 residents, two local authorities three columns wide)::

    G0030 .. G0035        authority E07009000: columns 0-2
    ...                   authority E07009001: columns 3-5
    G0000 .. G0005
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geo.settings import Settings
from geo.testing import grid_atlas

PG_URL = os.environ.get("NHP_TEST_POSTGRES_URL")
AREA = "GRID"
TARGET = 9000  # six cells per neighbourhood


@pytest.fixture(scope="session")
def atlas():
    return grid_atlas(6, 6, lad_width=3)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, empty database URL of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nhp.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("NHP_TEST_POSTGRES_URL is not set")
    name = f"nhp_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings(db_url, tmp_path):
    # data_dir=None: the synthetic grid area never reads the official files, whatever NHP_DATA_DIR says.
    return Settings(
        home_dir=tmp_path / "home", data_dir=None, database_url=db_url, target_population=TARGET, max_upload_mb=0.05
    )


@pytest.fixture
def app(settings, atlas):
    from api.app import create_app

    return create_app(settings, atlas_provider={AREA: atlas})


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def keys(app):
    """One key per role, created through the repository (as ``nhp keys create`` does); returns role -> secret."""
    from api.auth import create_key

    db = app.state.nhp.db
    return {role: create_key(db, f"{role}-key", role)[1] for role in ("viewer", "planner", "approver", "admin")}


def auth(secret: str) -> dict[str, str]:
    """Headers carrying a key."""
    return {"Authorization": f"Bearer {secret}"}


def new_plan(client, headers=None, **body) -> tuple[int, str]:
    """Create a plan (one neighbourhood per authority by default) and return its id and ETag."""
    payload = {"name": "test plan", "area": AREA, "start": "lad", **body}
    response = client.post("/api/v1/plans", json=payload, headers=headers or {})
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["ETag"]
