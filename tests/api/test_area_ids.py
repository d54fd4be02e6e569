"""One area-id rule (issue 22): an area a proposal can be made for is an area a plan can be made for.

The URL check (:func:`api.atlases.check_area_id`) and the request bodies (:data:`api.atlases.AreaId`, used by
``POST /plans`` and ``POST /plans/import``) read the same pattern and length, so they accept the same ids.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from api.atlases import MAX_AREA_ID, check_area_id
from api.problems import NotFound
from api.schemas import PlanCreate
from tests.api.conftest import TARGET

THREE_LAS = "E06000016,E07000129,E07000130"  # Leicester, Blaby, Charnwood: 29 characters
LONGEST = ",".join(["E0600001" + str(i % 10) for i in range(11)])[:MAX_AREA_ID].rstrip(",")
IDS = ["QK1", "qk1", THREE_LAS, LONGEST, LONGEST + ",E06000099", "../etc/passwd", "QK1,", "A" * 21, "", " QK1 "]


def _url_accepts(area: str) -> bool:
    try:
        check_area_id(area.strip())
        return bool(area.strip())
    except NotFound:
        return False


def _body_accepts(area: str) -> bool:
    try:
        PlanCreate(name="n", area=area)
        return True
    except ValidationError:
        return False


@pytest.mark.parametrize("area", IDS)
def test_url_and_body_accept_the_same_area_ids(area):
    assert _url_accepts(area) == _body_accepts(area)


def test_the_rule_accepts_a_list_of_codes_and_refuses_what_is_too_long():
    assert _body_accepts(THREE_LAS) and len(LONGEST) <= MAX_AREA_ID and _body_accepts(LONGEST)
    assert not _body_accepts(LONGEST + ",E06000099") and not _body_accepts("../etc/passwd")


def test_a_plan_is_made_from_a_proposal_for_several_authorities(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.settings import Settings
    from geo.testing import grid_atlas

    settings = Settings(
        home_dir=tmp_path / "home",
        data_dir=None,
        target_population=TARGET,
        database_url=f"sqlite:///{tmp_path / 'nhp.sqlite3'}",
    )
    app = create_app(settings, atlas_provider={THREE_LAS: grid_atlas(6, 6, lad_width=3)})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        proposal = client.post(f"/api/v1/areas/{THREE_LAS}/proposals", json={"target": TARGET, "seed": 1})
        assert proposal.status_code == 201, proposal.text
        created = client.post(
            "/api/v1/plans",
            json={"name": "three LAs", "area": THREE_LAS, "start": "proposal", "proposal_id": proposal.json()["id"]},
        )
        assert created.status_code == 201, created.text
        assert created.json()["area"] == THREE_LAS
