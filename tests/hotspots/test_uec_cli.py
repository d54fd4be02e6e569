"""``nhp hotspots`` and ``nhp profile`` on a synthetic grid (the atlas loader is swapped for a grid atlas)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import cli._common as common
from cli import main
from geo.testing.disclosure import assert_no_small_counts
from geo.testing import grid_atlas
from geo.uec import synthetic_extract, write_extract


@pytest.fixture
def grid(monkeypatch, tmp_path):
    atlas = grid_atlas(10, 10)
    monkeypatch.setattr(common, "atlas_from_args", lambda args: atlas)
    extract = write_extract(synthetic_extract(atlas, seed=7, hotspots=["G0044"]), tmp_path / "uec.csv")
    plan = tmp_path / "plan.csv"
    pd.DataFrame(
        {"lsoa_code": atlas.codes, "neighbourhood": ["West" if i % 10 < 5 else "East" for i in range(100)]}
    ).to_csv(plan, index=False)
    return atlas, extract, plan


def test_hotspots_csv_from_an_extract(grid, tmp_path, capsys):
    atlas, extract, plan = grid
    out = tmp_path / "hot.csv"
    assert main(["hotspots", "--area", "QZZ", "--uec", str(extract), "--out", str(out), "--seed", "2"]) == 0
    table = pd.read_csv(out)
    for column in ["lsoa_code", "attendances", "rate_per_1000", "expected", "ratio", "gi_z", "gi_p", "hotspot"]:
        assert column in table.columns
    assert "G0044" in set(table.lsoa_code[table.hotspot == "high"])
    assert table.uec_kind.eq("extract").all()
    assert "none rejected" in capsys.readouterr().err


def test_hotspots_geojson_from_the_modelled_layer(grid, tmp_path):
    atlas, extract, plan = grid
    data = tmp_path / "data"
    data.mkdir()
    months = [f"2024-{m:02d}" for m in range(8, 13)] + [f"2025-{m:02d}" for m in range(1, 8)]
    pd.DataFrame(
        {
            "month": months,
            "icb22_code": "E54009999",
            "total_attendances": 5000.0,
            "attendances_over_4hours": 100.0,
            "total_emergency_admissions": 900.0,
            "emergency_admissions_over_4hours": 50.0,
        }
    ).to_csv(data / "ae.csv", index=False)
    out = tmp_path / "hot.geojson"
    assert main(["hotspots", "--data-dir", str(data), "--format", "geojson", "--out", str(out)]) == 0
    collection = json.loads(out.read_text())
    assert collection["uec_kind"] == "modelled" and "MODELLED" in collection["source"]
    assert "expected need" in collection["hotspot_meaning"].lower()
    total = sum(f["properties"]["attendances"] or 0 for f in collection["features"])
    assert total == pytest.approx(60_000, abs=100)  # rounding of each LSOA's modelled estimate


def test_bad_extract_in_strict_mode_exits_2(grid, tmp_path, capsys):
    atlas, extract, plan = grid
    bad = tmp_path / "bad.csv"
    bad.write_text("lsoa_code,month,attendances\nG0000,2025-01,4\nG0001,2025-01,-1\n")
    assert main(["hotspots", "--uec", str(bad), "--strict", "--out", str(tmp_path / "x.csv")]) == 2
    assert "bad.csv, row 2, column 'attendances'" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".html", ".xlsx", ".csv"])
def test_profile_command(grid, tmp_path, suffix):
    atlas, extract, plan = grid
    out = tmp_path / f"profiles{suffix}"
    assert main(["profile", str(plan), "--uec", str(extract), "--out", str(out)]) == 0
    assert_no_small_counts(out)
    if suffix == ".csv":
        table = pd.read_csv(out)
        assert table.neighbourhood.tolist() == ["East", "West"]
        assert table.resident_population.sum() == atlas.lsoas.resident_population.sum()
        assert {"attendances", "rate_per_1000", "ratio", "core20_pct", "practices"} <= set(table.columns)
    if suffix == ".html":
        assert "Local UEC extract uec.csv" in out.read_text()
