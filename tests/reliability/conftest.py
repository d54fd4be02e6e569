"""Fixtures for the reliability tests: a fresh database URL per backend (SQLite file, PostgreSQL when
``NHP_TEST_POSTGRES_URL`` is set), and the API fixtures of ``tests/api``."""

from tests.api.conftest import app, atlas, client, db_url, keys, settings  # noqa: F401
