"""The API fixtures (a service on a 6 x 6 grid, SQLite and PostgreSQL, one key per role) for the adversarial tests."""

from tests.api.conftest import app, atlas, client, db_url, keys, settings  # noqa: F401
