"""The study areas the service lists say which hold made-up data, so the page opens a real one first."""

from __future__ import annotations

from api.routes.areas import _synthetic
from tests.api.conftest import AREA


def test_a_synthetic_area_says_so_and_a_real_id_does_not(client):
    grid = client.get(f"/api/v1/areas/{AREA}").json()
    assert grid["synthetic"] is True and "synthetic" in grid["name"]
    [listed] = [a for a in client.get("/api/v1/areas").json() if a["id"] == AREA]  # loaded now: its label is known
    assert listed["synthetic"] is True
    assert _synthetic("Q99", None) is True, "the demo region is made-up data before it is loaded"
    assert _synthetic("QK1", None) is False
