"""A bounded property-based run of the OpenAPI schema (schemathesis): no request may make the service fail (5xx).

Runs in local single-user mode against a 3 × 3 grid, so generated requests reach the routes' code rather than
stopping at authentication. Five examples per operation keep the whole run well under a minute.
"""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from geo.settings import Settings
from geo.testing import grid_atlas

pytestmark = pytest.mark.slow


def _app():
    from api.app import create_app

    home = tempfile.mkdtemp(prefix="nhp-schemathesis-")
    app = create_app(
        Settings(home_dir=home, target_population=4500, max_upload_mb=0.05), atlas_provider={"GRID": grid_atlas(3, 3)}
    )
    # A plan and a second version to aim generated ids at (ids 1 and 2 are the likely integers too).
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as client:
        created = client.post("/api/v1/plans", json={"name": "seed", "area": "GRID"})
        client.post(
            "/api/v1/plans/1/moves", json={"moves": {"G0000": "N2"}}, headers={"If-Match": created.headers["ETag"]}
        )
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(
    max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate]
)
def test_no_server_errors(case):
    case.call_and_validate(checks=[not_a_server_error])
