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
    return pd.DataFrame(
        {
            "population": rows.population,
            "deviation_pct": rows.deviation_pct.round(1),
            "lsoas": rows.lsoas,
            "practices": rows.practices,
            "core20_pct": rows.core20_pct.round(1),
        }
    )


def _from_profile(csv, basis, tmp_path) -> pd.DataFrame:
    out = tmp_path / f"profiles-{basis}.csv"
    assert main(["profile", str(csv), "--area", "GRID", "--no-uec", "--population", basis, "--out", str(out)]) == 0
    rows = pd.read_csv(out).set_index("neighbourhood")
    assert (rows.population_basis == basis).all()
    return pd.DataFrame(
        {
            "population": rows[f"{basis}_population"],
            "deviation_pct": rows.deviation_pct,
            "lsoas": rows.lsoas,
            "practices": rows.practices,
            "core20_pct": rows.core20_pct,
        }
    )


def _from_map(csv, basis, tmp_path) -> pd.DataFrame:
    out = tmp_path / f"map-{basis}.html"
    assert main(["map", "--area", "GRID", "--plan", str(csv), "--population", basis, "--out", str(out)]) == 0
    html = out.read_text()
    outlines = next(fs for fs in layers(html) if fs and "deviation" in fs[0]["properties"])
    props = {f["properties"]["label"]: f["properties"] for f in outlines}
    column = "residents" if basis == "resident" else "registered"
    return pd.DataFrame(
        {
            "population": {k: _number(p[column]) for k, p in props.items()},
            "deviation_pct": {k: _number(p["deviation"]) for k, p in props.items()},
            "lsoas": {k: _number(p["lsoas"]) for k, p in props.items()},
            "practices": {k: _number(p["practices"]) for k, p in props.items()},
            "core20_pct": {k: _number(p["core20_pct"]) for k, p in props.items()},
        }
    )


def _from_api(csv, basis, atlas, tmp_path) -> pd.DataFrame:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import create_key

    settings = Settings(
        home_dir=tmp_path / f"home-{basis}",
        data_dir=None,
        target_population=TARGET,
        database_url=f"sqlite:///{tmp_path / f'nhp-{basis}.sqlite3'}",
    )
    app = create_app(settings, atlas_provider={"GRID": atlas})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        secret = create_key(app.state.nhp.db, "planner", "planner")[1]
        headers = {"Authorization": f"Bearer {secret}"}
        made = client.post(
            "/api/v1/plans/import",
            headers=headers,
            data={"area": "GRID", "population": basis},
            files={"file": ("plan.csv", csv.read_bytes(), "text/csv")},
        )
        assert made.status_code == 201, made.text
        metrics = client.get(f"/api/v1/plans/{made.json()['id']}/metrics", headers=headers).json()
    assert metrics["summary"]["target"] == TARGET and metrics["summary"]["population_basis"] == basis
    rows = pd.DataFrame(metrics["neighbourhoods"]).set_index("name")
    return pd.DataFrame(
        {
            "population": rows.population,
            "deviation_pct": rows.deviation_pct.round(1),
            "lsoas": rows.lsoas,
            "practices": rows.practices,
            "core20_pct": rows.core20_pct.round(1),
        }
    )


@pytest.mark.parametrize("basis", ["resident", "registered"])
def test_score_profile_map_and_api_agree_for_every_neighbourhood(atlas, basis, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NHP_TARGET_POPULATION", str(TARGET))
    get_settings.cache_clear()
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: atlas)
    plan = propose(atlas, ProposalParams(target=TARGET, population=basis, seed=2))
    assert plan.params.population == basis and len(plan.neighbourhoods) == 6
    csv = write_plan(plan, tmp_path / f"plan-{basis}.csv")

    own = plan.neighbourhood_table().set_index("name")
    expected = pd.DataFrame(
        {
            "population": own.population,
            "deviation_pct": own.deviation_pct.round(1),
            "lsoas": own.lsoas,
            "practices": own.practices,
            "core20_pct": own.core20_pct.round(1),
        }
    )
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
        pd.testing.assert_frame_equal(
            got.round(0 if where == "map" else 6)[["population", "lsoas", "practices"]],
            expected.astype(float).round(0)[["population", "lsoas", "practices"]],
            check_names=False,
            obj=where,
        )
        pd.testing.assert_frame_equal(
            got[["deviation_pct", "core20_pct"]],
            expected.astype(float)[["deviation_pct", "core20_pct"]],
            check_names=False,
            obj=where,
        )


# --- The population basis is part of the plan value (issue 21) ---------------------------------------------------

FIGURES = ["population", "deviation_pct", "core20_pct", "core20_pct_list", "lsoas"]
#: Where each output shows the counted population, by basis (the map names each population by what it counts).
MAP_POPULATION = {"resident": "residents", "registered": "registered", "list": "list_population"}
PROFILE_POPULATION = {
    "resident": "resident_population",
    "registered": "registered_population",
    "list": "practice_list_size",
}


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "population": rows.population.astype(float),
            "deviation_pct": rows.deviation_pct.round(1),
            "core20_pct": rows.core20_pct.round(1),
            "core20_pct_list": rows.core20_pct_list,
            "lsoas": rows.lsoas.astype(float),
        }
    )


def _score_json(capsys, path, *extra) -> dict:
    capsys.readouterr()
    assert main(["score", str(path), "--area", "GRID", "--format", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _profile_rows(path, tmp_path) -> tuple[pd.DataFrame, str]:
    out = tmp_path / f"profiles-{path.stem}-{path.suffix[1:]}.csv"
    assert main(["profile", str(path), "--area", "GRID", "--no-uec", "--out", str(out)]) == 0
    rows = pd.read_csv(out).set_index("neighbourhood")
    basis = rows.population_basis.unique().tolist()
    assert len(basis) == 1
    return pd.DataFrame(
        {
            "population": rows[PROFILE_POPULATION[basis[0]]],
            "deviation_pct": rows.deviation_pct,
            "core20_pct": rows.core20_pct,
            "core20_pct_list": rows.core20_pct_list,
            "lsoas": rows.lsoas.astype(float),
        }
    ), basis[0]


def _map_rows(path, basis, tmp_path) -> pd.DataFrame:
    out = tmp_path / f"map-{path.stem}-{path.suffix[1:]}.html"
    assert main(["map", "--area", "GRID", "--plan", str(path), "--out", str(out)]) == 0
    outlines = next(fs for fs in layers(out.read_text()) if fs and "deviation" in fs[0]["properties"])
    props = {f["properties"]["label"]: f["properties"] for f in outlines}
    return pd.DataFrame(
        {
            "population": {k: _number(p[MAP_POPULATION[basis]]) for k, p in props.items()},
            "deviation_pct": {k: _number(p["deviation"]) for k, p in props.items()},
            "core20_pct": {k: _number(p["core20_pct"]) for k, p in props.items()},
            "core20_pct_list": {k: _number(p["core20_pct_list"]) for k, p in props.items()},
            "lsoas": {k: _number(p["lsoas"]) for k, p in props.items()},
        }
    )


def _api_metrics(path, atlas, tmp_path) -> dict:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import create_key

    home = tmp_path / f"home-{path.stem}-{path.suffix[1:]}"
    settings = Settings(
        home_dir=home,
        data_dir=None,
        target_population=TARGET,
        database_url=f"sqlite:///{tmp_path / (home.name + '.sqlite3')}",
    )
    app = create_app(settings, atlas_provider={"GRID": atlas})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as client:
        secret = create_key(app.state.nhp.db, "planner", "planner")[1]
        headers = {"Authorization": f"Bearer {secret}"}
        made = client.post(
            "/api/v1/plans/import",
            headers=headers,
            data={"area": "GRID"},  # no basis given
            files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
        )
        assert made.status_code == 201, made.text
        plan_id = made.json()["id"]
        metrics = client.get(f"/api/v1/plans/{plan_id}/metrics", headers=headers)
        assert metrics.status_code == 200, metrics.text
        return metrics.json()


@pytest.mark.parametrize("made", ["list", "registered"])
def test_a_plan_is_judged_on_its_own_basis_in_every_output(atlas, made, tmp_path, monkeypatch, capsys):
    """A list plan and an LSOA plan made on registered patients, written as CSV and GeoJSON and read back as
    ``nhp score`` reads them (no --population): every output shows the same per-neighbourhood figures, on the
    basis the plan was made with, and the same validity."""
    from geo.plan.io import footprints
    import geopandas as gpd

    monkeypatch.setenv("NHP_TARGET_POPULATION", str(TARGET))
    get_settings.cache_clear()
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: atlas)
    build = {"build_from": "practices"} if made == "list" else {"population": "registered"}
    plan = propose(atlas, ProposalParams(target=TARGET, seed=2, **build))
    assert plan.population == made and len(plan.neighbourhoods) >= 4
    own = plan.neighbourhood_table().set_index("name")
    expected = _frame(own)
    # The bases differ on this grid, so an output that fell back to residents could not pass.
    assert not own.population.equals(own.resident_population)
    valid = not plan.validate()

    for suffix in (".csv", ".geojson"):
        path = write_plan(plan, tmp_path / f"plan-{made}{suffix}")
        doc = _score_json(capsys, path)
        assert doc["plan"]["population_basis"] == made and doc["plan"]["population_basis_note"] == ""
        assert (not doc["violations"]) == valid
        profile, profile_basis = _profile_rows(path, tmp_path)
        assert profile_basis == made
        exported = (
            gpd.read_file(path).set_index("name")
            if suffix == ".geojson"
            else _frame(footprints(plan).set_index("name"))
        )
        assert (exported.get("population_basis", pd.Series(made)) == made).all()
        api = _api_metrics(path, atlas, tmp_path)
        assert api["summary"]["population_basis"] == made and api["valid"] == valid
        outputs = {
            "score": _frame(pd.DataFrame(doc["neighbourhoods"]).set_index("name")),
            "profile": profile,
            "map": _map_rows(path, made, tmp_path),
            "export": _frame(exported),
            "api": _frame(pd.DataFrame(api["neighbourhoods"]).set_index("name")),
        }
        for where, table in outputs.items():
            got = table.reindex(expected.index).astype(float)
            pd.testing.assert_frame_equal(
                got[FIGURES], expected.astype(float)[FIGURES], check_names=False, obj=f"{where} of {path.name}"
            )


def test_population_is_an_explicit_override_that_the_output_names(atlas, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NHP_TARGET_POPULATION", str(TARGET))
    get_settings.cache_clear()
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: atlas)
    plan = propose(atlas, ProposalParams(target=TARGET, seed=2, build_from="practices"))
    path = write_plan(plan, tmp_path / "lists.csv")
    own = _score_json(capsys, path)
    judged = _score_json(capsys, path, "--population", "resident")
    assert own["plan"]["population_basis"] == "list" and judged["plan"]["population_basis"] == "resident"
    assert judged["plan"]["population_basis_note"] == (
        "judged on residents at your request; the plan was made on lists"
    )
    residents = {r["name"]: r["resident_population"] for r in judged["neighbourhoods"]}
    assert {r["name"]: r["population"] for r in judged["neighbourhoods"]} == residents
    capsys.readouterr()
    assert main(["score", str(path), "--area", "GRID"]) == 0
    assert "judged on" not in capsys.readouterr().out
    assert main(["score", str(path), "--area", "GRID", "--population", "registered"]) == 0
    assert "judged on registered patients at your request; the plan was made on lists" in capsys.readouterr().out
