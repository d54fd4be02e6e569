"""One plan, every output: ``nhp score``, the profile CSV, the map's tooltips and the API report the same figures.

A plan is proposed once on a 6 x 6 grid (two authorities, practices whose lists cross neighbourhood lines, about
97 % of residents registered) on each population basis, written to a CSV plan file, and read back by each
output. The target comes from ``NHP_TARGET_POPULATION`` (9,000), as a planner's shell would set it: no output may
fall back to another default. Every neighbourhood's counted population, deviation from target, LSOAs, practices
and Core20 share must agree across all four.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from cli import main
from geo.plan.io import write_plan
from geo.propose import ProposalParams, propose
from geo.settings import Settings, get_settings
from geo.testing import grid_atlas
from tests.maps.conftest import layers

TARGET = 9000


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(6, 6, lad_width=3)


def _number(text: str) -> float:
    return float(re.sub(r"[^0-9.+-]", "", text))


def _from_score(capsys, csv, basis) -> pd.DataFrame:
    capsys.readouterr()
    assert main(["score", str(csv), "--area", "GRID", "--format", "json", "--population", basis]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["plan"]["target"] == TARGET and doc["plan"]["population_basis"] == basis
    rows = pd.DataFrame(doc["neighbourhoods"]).set_index("name")
    return pd.DataFrame({"population": rows.population, "deviation_pct": rows.deviation_pct.round(1),
                         "lsoas": rows.lsoas, "practices": rows.practices, "core20_pct": rows.core20_pct.round(1)})


def _from_profile(csv, basis, tmp_path) -> pd.DataFrame:
    out = tmp_path / f"profiles-{basis}.csv"
    assert main(["profile", str(csv), "--area", "GRID", "--no-uec", "--population", basis, "--out", str(out)]) == 0
    rows = pd.read_csv(out).set_index("neighbourhood")
    assert (rows.population_basis == basis).all()
    return pd.DataFrame({"population": rows[f"{basis}_population"], "deviation_pct": rows.deviation_pct,
                         "lsoas": rows.lsoas, "practices": rows.practices, "core20_pct": rows.core20_pct})


def _from_map(csv, basis, tmp_path) -> pd.DataFrame:
    out = tmp_path / f"map-{basis}.html"
    assert main(["map", "--area", "GRID", "--plan", str(csv), "--population", basis, "--out", str(out)]) == 0
    html = out.read_text()
    outlines = next(fs for fs in layers(html) if fs and "deviation" in fs[0]["properties"])
    props = {f["properties"]["label"]: f["properties"] for f in outlines}
    column = "residents" if basis == "resident" else "registered"
    return pd.DataFrame({
        "population": {k: _number(p[column]) for k, p in props.items()},
        "deviation_pct": {k: _number(p["deviation"]) for k, p in props.items()},
        "lsoas": {k: _number(p["lsoas"]) for k, p in props.items()},
        "practices": {k: _number(p["practices"]) for k, p in props.items()},
        "core20_pct": {k: _number(p["core20_pct"]) for k, p in props.items()},
    })


def _from_api(csv, basis, atlas, tmp_path) -> pd.DataFrame:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import create_key

    settings = Settings(home_dir=tmp_path / f"home-{basis}", data_dir=None, target_population=TARGET,
                        database_url=f"sqlite:///{tmp_path / f'nhp-{basis}.sqlite3'}")
    app = create_app(settings, atlas_provider={"GRID": atlas})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        secret = create_key(app.state.nhp.db, "planner", "planner")[1]
        headers = {"Authorization": f"Bearer {secret}"}
        made = client.post("/api/v1/plans/import", headers=headers, data={"area": "GRID", "population": basis},
                           files={"file": ("plan.csv", csv.read_bytes(), "text/csv")})
        assert made.status_code == 201, made.text
        metrics = client.get(f"/api/v1/plans/{made.json()['id']}/metrics", headers=headers).json()
    assert metrics["summary"]["target"] == TARGET and metrics["summary"]["population_basis"] == basis
    rows = pd.DataFrame(metrics["neighbourhoods"]).set_index("name")
    return pd.DataFrame({"population": rows.population, "deviation_pct": rows.deviation_pct.round(1),
                         "lsoas": rows.lsoas, "practices": rows.practices, "core20_pct": rows.core20_pct.round(1)})


@pytest.mark.parametrize("basis", ["resident", "registered"])
def test_score_profile_map_and_api_agree_for_every_neighbourhood(atlas, basis, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NHP_TARGET_POPULATION", str(TARGET))
    get_settings.cache_clear()
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: atlas)
    plan = propose(atlas, ProposalParams(target=TARGET, population=basis, seed=2))
    assert plan.params.population == basis and len(plan.neighbourhoods) == 6
    csv = write_plan(plan, tmp_path / f"plan-{basis}.csv")

    own = plan.neighbourhood_table().set_index("name")
    expected = pd.DataFrame({"population": own.population, "deviation_pct": own.deviation_pct.round(1),
                             "lsoas": own.lsoas, "practices": own.practices, "core20_pct": own.core20_pct.round(1)})
    # The registered and resident counts differ here, so a mixed-up basis cannot pass unnoticed.
    assert not own.resident_population.equals(own.registered_population)
    outputs = {
        "score": _from_score(capsys, csv, basis),
        "profile": _from_profile(csv, basis, tmp_path),
        "map": _from_map(csv, basis, tmp_path),
        "api": _from_api(csv, basis, atlas, tmp_path),
    }
    for where, table in outputs.items():
        got = table.reindex(expected.index).astype(float)
        pd.testing.assert_frame_equal(got.round(0 if where == "map" else 6)[["population", "lsoas", "practices"]],
                                      expected.astype(float).round(0)[["population", "lsoas", "practices"]],
                                      check_names=False, obj=where)
        pd.testing.assert_frame_equal(got[["deviation_pct", "core20_pct"]], expected.astype(float)[["deviation_pct",
                                      "core20_pct"]], check_names=False, obj=where)
