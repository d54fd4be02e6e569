"""A planner loads an unlisted real area through the service's own provider (issue 20, item 8).

The route once answered 500 for every unlisted area: ``api/atlases.py`` imported a name that no longer existed,
and the other tests inject their own sizer, so the real path never ran. This test runs it on the official files.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.realdata


def test_a_planner_loads_an_unlisted_area_and_a_viewer_may_not(data_dir, tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import create_key
    from geo.settings import Settings

    app = create_app(Settings(data_dir=data_dir, home_dir=tmp_path / "home"))  # the real provider and sizer
    db = app.state.nhp.db
    planner = create_key(db, "planner-key", "planner")[1]
    viewer = create_key(db, "viewer-key", "viewer")[1]
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        refused = client.get("/api/v1/areas/E06000017", headers={"Authorization": f"Bearer {viewer}"})
        assert refused.status_code == 403, refused.text
        loaded = client.get("/api/v1/areas/E06000017", headers={"Authorization": f"Bearer {planner}"})
        assert loaded.status_code == 200, loaded.text
        body = loaded.json()
        official = pd.read_csv(data_dir / "lsoa11_lsoa21_lad22_lookup.csv", usecols=["LSOA21CD", "LAD22CD"])
        recount = official[official.LAD22CD == "E06000017"].LSOA21CD.nunique()
        assert body["loaded"] and body["lsoas"] == recount and "Rutland" in body["name"]
        # Once loaded, the area is open to every role.
        assert client.get("/api/v1/areas/E06000017", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
        nowhere = client.get("/api/v1/areas/E06999999", headers={"Authorization": f"Bearer {planner}"})
        assert nowhere.status_code == 404, nowhere.text
