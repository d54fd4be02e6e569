"""A plan made from a stored proposal is the proposal's plan: same target, tolerance, basis and provenance."""

from __future__ import annotations

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
