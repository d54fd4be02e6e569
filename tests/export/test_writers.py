"""Files opened the way a GIS user or a spreadsheet user opens them: field types, layer names, field
descriptions, number cells and notes (:mod:`geo.writers`, through :func:`geo.plan.io.write_plan`)."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook

from geo.plan import Plan
from geo.plan.io import write_plan
from geo.testing import grid_atlas
from geo.testing.disclosure import assert_no_small_counts
from geo.writers import describe, fit_for_files, layer_name, write_table

COUNTS = ["resident_population", "registered_population", "list_population", "population", "lsoas", "practices"]


@pytest.fixture
def plan():
    """Two neighbourhoods whose registered counts are fractional, as bridged registrations are (66451.9 people)."""
    atlas = grid_atlas(4, 4)
    atlas.lsoas["registered_population"] = atlas.lsoas["registered_population"] + 0.45
    return Plan(atlas, dict(zip(atlas.codes, ["North"] * 8 + ["South"] * 8)), target=12_000, name="Charnwood v2")


def _fields(path, layer=None) -> dict[str, str]:
    info = pyogrio.read_info(path, layer=layer)
    return dict(zip(info["fields"], info["dtypes"]))


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_counts_are_integer_fields_of_whole_people(tmp_path, plan, suffix):
    path = write_plan(plan, tmp_path / f"plan{suffix}")
    fields = _fields(path)
    assert {fields[c] for c in COUNTS} <= {"int32", "int64"}, fields
    assert fields["deviation_pct"] == "float64" and fields["polsby_popper"] == "float64"
    frame = pyogrio.read_dataframe(path).set_index("name")
    # an independent recount: the LSOAs' registered residents, summed and rounded to a whole person
    lsoas = plan.atlas.lsoas
    expected = lsoas.groupby(plan.assignment.reindex(lsoas.index)).registered_population.sum().round()
    assert frame["registered_population"].to_dict() == expected.astype(int).to_dict()
    assert (frame["registered_population"] % 1 == 0).all()


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_the_layer_is_named_after_the_plan(tmp_path, plan, suffix):
    path = write_plan(plan, tmp_path / f"export{suffix}")
    assert [str(name) for name, _ in pyogrio.list_layers(path)] == ["Charnwood_v2"]
    if suffix == ".geojson":
        assert json.loads(path.read_text())["name"] == "Charnwood_v2"


def test_a_rewritten_geopackage_holds_only_the_new_plan(tmp_path, plan):
    path = tmp_path / "plan.gpkg"
    write_plan(plan, path, title="Old plan")
    write_plan(plan, path)
    assert [str(name) for name, _ in pyogrio.list_layers(path)] == ["Charnwood_v2"]


def test_geopackage_fields_are_described_in_gpkg_data_columns(tmp_path, plan):
    path = write_plan(plan, tmp_path / "plan.gpkg")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT column_name, name, description FROM gpkg_data_columns WHERE table_name = 'Charnwood_v2'"
        ).fetchall()
        extension = db.execute(
            "SELECT extension_name FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns'"
        ).fetchall()
    db.close()
    described = {column: (name, text) for column, name, text in rows}
    assert set(_fields(path)) <= set(described)  # every field has a label and a description
    assert described["resident_population"][0] == "Residents"
    assert "target" in described["deviation_pct"][1]
    assert all(text for _, text in described.values())
    assert extension == [("gpkg_schema",)]


def test_codes_have_labels_beside_them(tmp_path, plan):
    frame = pyogrio.read_dataframe(write_plan(plan, tmp_path / "plan.geojson"))
    assert set(frame["population_basis"]) == {"resident"} and set(frame["population_basis_label"]) == {"Residents"}
    ages = fit_for_files(pd.DataFrame({"sex": ["FEMALE", "MALE"], "age_band": ["0_4", "95_plus"]}))
    assert ages["age_band_label"].tolist() == ["0-4", "95+"] and ages["sex_label"].tolist() == ["Female", "Male"]


def test_an_empty_interval_column_is_a_float_field_not_text(tmp_path):
    """A modelled layer has no intervals: the GeoPackage keeps the column as a real field with nulls, and the
    GeoJSON (which has no schema, so a reader would type an all-null property as text) leaves it out."""
    import geopandas as gpd
    from shapely.geometry import box

    frame = gpd.GeoDataFrame(
        {
            "lsoa_code": ["A", "B"],
            "attendances": [120.4, 3.0],
            "rate_per_1000": [80.2, np.nan],
            "rate_lci": [None, None],
        },
        geometry=[box(450_000, 300_000, 451_000, 301_000), box(451_000, 300_000, 452_000, 301_000)],
        crs="EPSG:27700",
    )
    gpkg = _fields(write_table(frame, tmp_path / "uec.gpkg"))
    assert gpkg["rate_lci"] == "float64" and gpkg["attendances"] == "int64"
    geojson = _fields(write_table(frame, tmp_path / "uec.geojson"))
    assert "rate_lci" not in geojson and geojson["rate_per_1000"] == "float64"
    table = pyogrio.read_dataframe(tmp_path / "uec.gpkg")
    assert table["attendances"].isna().tolist() == [False, True]  # 3 attendances: suppressed at the edge
    assert_no_small_counts(table.drop(columns="geometry"))


def test_workbook_numbers_are_numbers_and_it_has_notes(tmp_path, plan):
    book = load_workbook(write_plan(plan, tmp_path / "plan.xlsx"))
    assert book.sheetnames == ["Data", "Notes"]
    data = book["Data"]
    header = [cell.value for cell in data[1]]
    for column in ("registered_population", "lsoas", "deviation_pct"):
        cell = data.cell(row=2, column=header.index(column) + 1)
        assert cell.data_type == "n", (column, cell.value)
    registered = data.cell(row=2, column=header.index("registered_population") + 1)
    assert registered.value == int(registered.value) and registered.number_format == "#,##0"
    notes = {row[0]: row[1] for row in book["Notes"].iter_rows(values_only=True) if row[0]}
    assert {"Sources", "Vintage", "Method", "Disclosure control", "Study area"} <= set(notes)
    assert "1 to 7" in notes["Disclosure control"] and "LSOA 2021" in notes["Vintage"]
    assert notes["resident_population"] == describe("resident_population")[0]  # column definitions listed


def test_lookup_csv_stays_a_plan_file(tmp_path, plan):
    """The lookup is read back as a plan: codes, no label columns, formula-safe."""
    text = write_plan(plan, tmp_path / "plan.csv").read_text().splitlines()
    assert text[0] == "lsoa_code,neighbourhood,population_basis,target,tolerance"


def test_layer_names_are_safe_for_every_gis():
    assert layer_name("=cmd|' /C calc'!A0", "v1") == "cmd_C_calc_A0_v1"
    assert layer_name("") == "plan"
