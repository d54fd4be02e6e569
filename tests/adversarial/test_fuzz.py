"""Bounded fuzzing beyond the schemathesis run of tests/api/test_schemathesis.py (which fuzzes every operation in
local mode): here the file readers, plan import and the authenticated API.

- Mutated copies of a valid file of every reader and of a plan lookup: each either reads or raises DataError.
- Schemathesis over the whole OpenAPI schema with a *planner* key (authentication on, so the 401/403 paths and the
  role checks run under generated input): no 5xx.

Each part is bounded (few examples) so the module runs in well under a minute; bench/fuzz.py runs them longer.
"""

from __future__ import annotations

import signal
import tempfile
from contextlib import contextmanager

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from geo.plan.reader import read_plan
from geo.settings import Settings
from geo.sources import READERS
from geo.testing import grid_atlas
from tests.adversarial.fuzzing import mutated, only_data_errors, upload_targets
from tests.adversarial.samples import TABLES, csv_text

pytestmark = pytest.mark.slow
ATLAS = grid_atlas(3, 3)
PLAN = ("lsoa_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(ATLAS.codes))).encode()
FEW = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.parametrize("key", sorted(TABLES))
def test_mutated_tables_only_raise_data_errors(key):
    seed = csv_text(key).encode()

    @FEW
    @given(mutated(seed))
    def check(data):
        only_data_errors(READERS[key], data, ".csv")

    check()


@FEW
@given(mutated(PLAN))
def test_mutated_plan_lookups_only_raise_data_errors(data):
    only_data_errors(lambda path: read_plan(path, ATLAS), data, ".csv")


UPLOADS = upload_targets(ATLAS)


@contextmanager
def hang_guard(seconds: int = 60):
    """Fail an example that runs past ``seconds`` (a hang detector for inputs of a few kilobytes, not a speed
    target: a real read of these files takes milliseconds)."""

    def stop(signum, frame):
        raise TimeoutError(f"one upload of a few kilobytes ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("target", sorted(UPLOADS))
def test_every_upload_entry_point_only_raises_data_errors_in_bounded_time(target):
    """Every upload entry point (plans on disk and in memory, geographies, UEC extracts, candidate sites) either
    reads a mutated file or raises one DataError; nothing else escapes and nothing hangs."""
    read, seed, suffix = UPLOADS[target]

    @FEW
    @given(mutated(seed))
    def check(data):
        with hang_guard():
            only_data_errors(read, data, suffix)

    check()


def _authenticated_app():
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import create_key

    home = tempfile.mkdtemp(prefix="nhp-fuzz-auth-")
    app = create_app(
        Settings(home_dir=home, target_population=4500, max_upload_mb=0.05), atlas_provider={"GRID": grid_atlas(3, 3)}
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        create_key(app.state.nhp.db, "admin", "admin")
        secret = create_key(app.state.nhp.db, "fuzzer", "planner")[1]
        created = client.post(
            "/api/v1/plans", json={"name": "seed", "area": "GRID"}, headers={"Authorization": f"Bearer {secret}"}
        )
        assert created.status_code == 201
    return app, secret


APP, SECRET = _authenticated_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate]
)
def test_no_server_errors_with_a_planner_key(case):
    response = case.call(headers={"Authorization": f"Bearer {SECRET}"})
    case.validate_response(response, checks=[not_a_server_error])


def test_id_beyond_int64_is_not_a_server_error():
    from fastapi.testclient import TestClient

    with TestClient(APP, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        headers = {"Authorization": f"Bearer {SECRET}"}
        for url in (
            "/api/v1/plans/9223372036854775808",
            "/api/v1/plans/1/versions/9223372036854775808",
            "/api/v1/plans/-9223372036854775809/audit",
        ):
            assert client.get(url, headers=headers).status_code < 500, url


API_UPLOADS = {
    "plan lookup": ("/api/v1/plans/import", "plan lookup"),
    "practice plan": ("/api/v1/plans/import", "practice plan"),
    "plan polygons": ("/api/v1/plans/import", "plan polygons"),
    "uec extract": ("/api/v1/areas/GRID/hotspots?strict=true", "uec aggregated strict"),
    "uec extract, lenient": ("/api/v1/areas/GRID/hotspots", "uec patient-level strict"),
}


@pytest.mark.parametrize("route", sorted(API_UPLOADS))
def test_mutated_uploads_to_every_api_upload_route_are_never_a_server_error(route):
    """The upload routes answer a mutated file with 2xx or a 4xx problem+json, never a 500 or a traceback."""
    from fastapi.testclient import TestClient

    url, target = API_UPLOADS[route]
    _, seed, suffix = UPLOADS[target]
    headers = {"Authorization": f"Bearer {SECRET}"}
    with TestClient(APP, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:

        @FEW
        @given(mutated(seed))
        def check(data):
            with hang_guard():
                response = client.post(
                    url,
                    files={"file": (f"upload{suffix}", data, "application/octet-stream")},
                    data={"area": "GRID"} if "import" in url else None,
                    headers=headers,
                )
            assert response.status_code < 500, response.text
            assert "Traceback" not in response.text
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json", response.text

        check()
