"""One writer table for every output: every command and route writes through :mod:`geo.export`, every folder is
checked by one function with one message, and one function says which source backs a figure."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

import geo.atlas.model
from cli import main
from geo import export
from geo.access.siting import choose_sites
from geo.errors import DataError
from geo.plan import Plan
from geo.plan.io import write_plan
from geo.testing import grid_atlas

FOLDER_MESSAGE = "the output folder {} does not exist (expected an existing folder (create it first))"


def test_every_output_kind_is_a_row_of_the_table():
    kinds = {kind for kind, _ in export.FORMATS}
    assert {"plan", "profiles", "map", "hotspots", "sites", "access", "ensemble", "placement"} <= kinds
    assert {".csv", ".geojson", ".gpkg", ".xlsx", ".parquet", ".html", ".pdf", ".png"} == {
        ext for _, ext in export.FORMATS
    }
    with pytest.raises(DataError, match=r"cannot write ensemble runs as '\.csv' \(expected \.parquet\)"):
        export.format_for("ensemble", "runs.csv")


def test_one_folder_check_with_one_message_for_every_writer(tmp_path):
    from geo.ensemble.io import write_runs
    from geo.ensemble.placement import render_placement

    missing = tmp_path / "no such folder"
    atlas = grid_atlas(2, 1)
    plan = Plan(atlas, {"G0000": "A", "G0001": "B"})
    attempts = [
        lambda: write_plan(plan, missing / "plan.gpkg"),
        lambda: export.write("plan", plan, missing / "plan.csv"),
        lambda: export.write("sites", None, missing / "sites.csv"),
        lambda: write_runs(None, missing / "runs.parquet"),
        lambda: render_placement(None, None, {}, missing / "placement.html"),
    ]
    for attempt in attempts:
        with pytest.raises(DataError) as caught:
            attempt()
        assert FOLDER_MESSAGE.format(missing) in str(caught.value)
    assert not missing.exists()


@pytest.mark.parametrize(
    "argv", [["propose", "--area", "QZZ", "--out"], ["ensemble", "--area", "QZZ", "--steps", "5", "--out"]]
)
def test_the_command_line_gives_the_same_message(argv, tmp_path, capsys):
    missing = tmp_path / "typo"
    assert main([*argv, str(missing / "out.parquet" if "ensemble" in argv else missing / "plan.csv")]) == 2
    assert FOLDER_MESSAGE.format(missing) in capsys.readouterr().err


@pytest.fixture
def sites():
    atlas = grid_atlas(3, 1, practice_every=1)
    plan = Plan(atlas, dict.fromkeys(atlas.codes, "A"))
    return choose_sites(plan, per_neighbourhood=1, need=pd.DataFrame({"need_score": 0.0}, index=atlas.codes))


def test_sites_go_through_the_table_writers(tmp_path, sites):
    gpkg = export.write("sites", sites, tmp_path / "sites.gpkg")
    info = pyogrio.read_info(gpkg)
    fields = dict(zip(info["fields"], info["dtypes"]))
    assert fields["people"] == "int64" and fields["beyond_threshold"] == "int64" and fields["mean_km"] == "float64"
    with sqlite3.connect(gpkg) as db:
        described = {c for (c,) in db.execute("SELECT column_name FROM gpkg_data_columns")}
    db.close()
    assert set(fields) <= described
    book = load_workbook(export.write("sites", sites, tmp_path / "sites.xlsx"))
    header = [c.value for c in book["Data"][1]]
    people = book["Data"].cell(row=2, column=header.index("people") + 1)
    assert people.data_type == "n" and people.value == 4500 and "Notes" in book.sheetnames


def test_propose_mnp_writes_through_the_plan_writer(monkeypatch, tmp_path):
    grid = grid_atlas(8, 6, lad_width=4, population=np.random.default_rng(3).integers(1000, 2000, 48))
    monkeypatch.setattr("cli._common.atlas_from_args", lambda args: grid)
    out = tmp_path / "plan.gpkg"
    argv = ["propose", "--area", "QZZ", "--target", "12000", "--mnp", "--mnp-target", "36000", "--out", str(out)]
    assert main(argv) == 0
    with sqlite3.connect(out) as db:
        mnp = db.execute("SELECT name FROM gpkg_data_columns WHERE column_name = 'mnp'").fetchall()
    db.close()
    assert mnp == [("MNP area",)]
    fields = dict(zip(pyogrio.read_info(out)["fields"], pyogrio.read_info(out)["dtypes"]))
    assert fields["population"] == "int64"


def test_one_source_for(capsys, tmp_path, monkeypatch):
    """The map layers and nhp score's table ask the same function which source backs a figure."""
    from geo.maps import _build

    import cli.plan

    assert _build.source_for is geo.atlas.model.source_for and not hasattr(cli.plan, "source_label")
    atlas = grid_atlas(2, 1)
    table = cli.plan.score_table(Plan(atlas, {"G0000": "A", "G0001": "B"}))
    assert f"resident = {geo.atlas.model.source_for(atlas, 'resident')};" in table
