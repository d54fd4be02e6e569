"""A plan made from a stored proposal is the proposal's plan: same target, tolerance, basis and provenance."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import numpy as np
import pytest

from tests.api.conftest import AREA, TARGET


def test_a_plan_from_a_registered_basis_proposal_keeps_the_proposals_parameters(client):
    asked = {"target": TARGET - 300, "tolerance": 0.08, "population": "registered", "seed": 3, "time_budget": 30}
    proposal = client.post(f"/api/v1/areas/{AREA}/proposals", json=asked)
    assert proposal.status_code == 201, proposal.text
    created = client.post(
        "/api/v1/plans",
        json={"name": "from proposal", "area": AREA, "start": "proposal", "proposal_id": proposal.json()["id"]},
    )
    assert created.status_code == 201, created.text
    metrics = client.get(f"/api/v1/plans/{created.json()['id']}/metrics").json()
    summary = metrics["summary"]
    # The service's own target setting (TARGET) must not replace the proposal's.
    assert (summary["target"], summary["tolerance"], summary["population_basis"]) == (TARGET - 300, 0.08, "registered")
    assert metrics["provenance"]["method"] == "tree-bisection" and metrics["provenance"]["seed"] == 3
    for row in metrics["neighbourhoods"]:
        assert row["population"] == row["registered_population"]


def test_a_request_can_still_override_the_proposals_target(client):
    proposal = client.post(f"/api/v1/areas/{AREA}/proposals", json={"target": TARGET, "seed": 1}).json()
    created = client.post(
        "/api/v1/plans",
        json={"name": "wider", "area": AREA, "start": "proposal", "proposal_id": proposal["id"], "target": 12_000},
    )
    summary = client.get(f"/api/v1/plans/{created.json()['id']}/metrics").json()["summary"]
    assert summary["target"] == 12_000 and summary["population_basis"] == "resident"


@pytest.fixture
def warded(settings, atlas):
    """The service over the grid with 2 x 2-cell wards (the grid alone has none)."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    lsoas = atlas.lsoas.copy()
    i = np.arange(len(lsoas))
    lsoas["ward_code"] = [f"W{x}{y}" for x, y in zip(i % 6 // 2, i // 6 // 2)]
    lsoas["ward_name"] = [f"Ward {x}{y}" for x, y in zip(i % 6 // 2, i // 6 // 2)]
    app = create_app(settings, atlas_provider={AREA: replace(atlas, lsoas=lsoas)})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_a_plan_from_a_ward_proposal_names_its_wards(warded):
    """The proposal's building blocks reach the plan: its file records them and its profiles name its wards."""
    body = {"target": TARGET, "seed": 1, "build_from": "wards", "tolerance": 0.5}
    proposal = warded.post(f"/api/v1/areas/{AREA}/proposals", json=body)
    assert proposal.status_code == 201, proposal.text
    created = warded.post(
        "/api/v1/plans",
        json={"name": "from wards", "area": AREA, "start": "proposal", "proposal_id": proposal.json()["id"]},
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["id"]
    lookup = list(csv.DictReader(io.StringIO(warded.get(f"/api/v1/plans/{plan_id}/export.csv").text)))
    assert {row["building_blocks"] for row in lookup} == {"wards"}
    profiles = list(csv.DictReader(io.StringIO(warded.get(f"/api/v1/plans/{plan_id}/profiles.csv").text)))
    assert profiles and all(row["blocks"].split(":")[0].endswith(("ward", "wards")) for row in profiles), profiles
