"""List-based plans through the API: proposals from whole practices, practice-plan imports, practice moves."""

from __future__ import annotations

from tests.api.conftest import AREA, TARGET


def _plans(client) -> int:
    return len(client.get("/api/v1/plans").json())


def test_a_practice_proposal_makes_a_list_based_plan(client, atlas):
    proposal = client.post(
        f"/api/v1/areas/{AREA}/proposals", json={"target": TARGET, "build_from": "practices", "seed": 1}
    )
    assert proposal.status_code == 201, proposal.text
    created = client.post(
        "/api/v1/plans",
        json={"name": "practices", "area": AREA, "start": "proposal", "proposal_id": proposal.json()["id"]},
    )
    assert created.status_code == 201, created.text
    metrics = client.get(f"/api/v1/plans/{created.json()['id']}/metrics").json()
    assert metrics["summary"]["built_from"] == "practices" and metrics["summary"]["population_basis"] == "list"
    assert metrics["summary"]["practice_splits"] == 0
    listed = sum(row["list_population"] for row in metrics["neighbourhoods"])
    in_area = atlas.practices.index[atlas.practices.in_area]
    assert listed == atlas.registrations[atlas.registrations.practice_code.isin(in_area)].patients.sum()


def test_import_a_practice_plan_then_move_a_practice(client, atlas):
    codes = list(atlas.practices.index[atlas.practices.in_area])
    body = "practice_code,neighbourhood\n" + "".join(
        f"{c},{'West' if i % 2 else 'East'}\n" for i, c in enumerate(codes)
    )
    made = client.post(
        "/api/v1/plans/import", data={"area": AREA}, files={"file": ("practices.csv", body.encode(), "text/csv")}
    )
    assert made.status_code == 201, made.text
    plan_id, etag = made.json()["id"], made.headers["ETag"]
    before = client.get(f"/api/v1/plans/{plan_id}/metrics").json()
    moved = client.post(
        f"/api/v1/plans/{plan_id}/moves", json={"moves": {codes[0]: "West"}}, headers={"If-Match": etag}
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["moves"] == {codes[0]: "West"}
    after = client.get(f"/api/v1/plans/{plan_id}/metrics").json()
    lists = {r["name"]: r["list_population"] for r in after["neighbourhoods"]}
    first = float(atlas.registrations[atlas.registrations.practice_code == codes[0]].patients.sum())
    was = {r["name"]: r["list_population"] for r in before["neighbourhoods"]}
    assert lists["West"] == was["West"] + first and lists["East"] == was["East"] - first


def test_a_bad_practice_plan_is_refused_naming_the_row_and_nothing_is_saved(client, atlas):
    codes = list(atlas.practices.index[atlas.practices.in_area])
    body = "practice_code,neighbourhood\n" + "".join(f"{c},A\n" for c in codes) + f"{codes[2]},B\n"
    count = _plans(client)
    refused = client.post(
        "/api/v1/plans/import", data={"area": AREA}, files={"file": ("practices.csv", body.encode(), "text/csv")}
    )
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["row"] == len(codes) + 1 and problem["column"] == "practice_code"
    assert _plans(client) == count
