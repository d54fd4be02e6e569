"""``nhp propose`` on a grid atlas (the atlas loader is replaced, so no official files are needed)."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from cli import main
from geo.testing import grid_atlas


@pytest.fixture
def atlas(monkeypatch):
    grid = grid_atlas(8, 6, lad_width=4, population=np.random.default_rng(3).integers(1000, 2000, 48))
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: grid)
    return grid


def test_propose_writes_a_lookup_and_prints_the_summary(atlas, tmp_path, capsys):
    out = tmp_path / "plan.csv"
    status = main(
        [
            "propose",
            "--area",
            "QZZ",
            "--target",
            "12000",
            "--seed",
            "2",
            "--mnp",
            "--mnp-target",
            "36000",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    lookup = pd.read_csv(out)
    assert list(lookup.columns) == [
        "lsoa_code",
        "neighbourhood",
        "population_basis",
        "target",
        "tolerance",
        "mnp",
    ]  # the one plan writer
    assert sorted(lookup.lsoa_code) == sorted(atlas.codes) and lookup.neighbourhood.nunique() == 6
    assert lookup.mnp.str.startswith("E10009999-M").all()
    text = capsys.readouterr().out
    assert (
        "Grid District 0 1" in text and "max |deviation|" in text
    )  # named (the grid has no wards) and "LA crossings: 0" in text
    assert "contiguous: yes" in text


def test_propose_writes_dissolved_footprints(atlas, tmp_path):
    out = tmp_path / "plan.gpkg"
    assert (
        main(["propose", "--area", "QZZ", "--target", "12000", "--mnp", "--mnp-target", "36000", "--out", str(out)])
        == 0
    )
    shapes = gpd.read_file(out)
    assert len(shapes) == 6 and shapes.population.sum() == atlas.lsoas.resident_population.sum()
    assert shapes["name"].str.match(r"Grid District [01] [123]$").all() and shapes.mnp.nunique() == 2
    assert shapes.area.sum() == pytest.approx(atlas.lsoas.area.sum())


def test_bad_options_exit_2_with_a_message(atlas, tmp_path, capsys):
    assert main(["propose", "--area", "QZZ", "--target", "-5"]) == 2
    assert "target population -5 is not allowed: Input should be greater than or equal to 1" in capsys.readouterr().err
    assert main(["propose", "--area", "QZZ", "--out", str(tmp_path / "plan.shp")]) == 2
    assert "expected a .csv, .geojson, .gpkg or .xlsx file" in capsys.readouterr().err


def test_respect_file_is_taken_for_a_list_build_and_for_lsoas(atlas, tmp_path, capsys):
    # Issue 23: a list build groups the practices by the unit of their site (tests/propose/test_list_groups.py).
    units = tmp_path / "localities.csv"
    west = np.array([int(c[1:]) % 8 for c in atlas.codes]) < 4
    pd.DataFrame({"lsoa_code": atlas.codes, "unit": np.where(west, "West", "East")}).to_csv(units, index=False)
    out = tmp_path / "plan.csv"
    command = ["propose", "--area", "QZZ", "--target", "12000", "--respect", str(units), "--out", str(out)]
    assert main([*command, "--build-from", "practices"]) == 0
    assert "practices grouped by the unit their site is in" in capsys.readouterr().out
    written = pd.read_csv(out, dtype=str).set_index("practice_code").neighbourhood
    side = pd.Series(np.where(west, "West", "East"), index=atlas.codes)
    sites = side.reindex(atlas.practices.lsoa_code.reindex(written.index)).to_numpy()
    assert written.groupby(sites).nunique().eq(1).all()  # one neighbourhood per unit's practices
    out.unlink()
    assert main(command) == 0 and out.exists()


def test_propose_with_an_access_weight_reports_its_effect_beside_the_plan_without_it(atlas, capsys):
    args = ["propose", "--area", "QZZ", "--target", "12000", "--seed", "2"]
    assert main([*args, "--access-weight", "5"]) == 0
    text = capsys.readouterr().out
    line = next(t for t in text.splitlines() if t.startswith("access weight 5:"))
    with_km, without_km = (float(v) for v in re.findall(r"(\d+\.\d+) km", line)[:2])
    assert with_km <= without_km
    assert "balance: max |deviation|" in text and "without)" in text
    measured = next(t for t in text.splitlines() if t.startswith("  measured: "))
    assert "residents' distance (km), straight line from" in measured and "LSOAs" in measured
    assert main(args) == 0
    assert "access weight" not in capsys.readouterr().out
