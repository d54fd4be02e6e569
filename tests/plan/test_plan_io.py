"""Plans read and written in every format come back the same; bad files name the file, row and column."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pytest

from geo.testing.disclosure import assert_no_small_counts
from geo.errors import PlanError
from geo.plan import Plan
from geo.plan.io import read_plan, write_plan
from geo.testing import grid_atlas
from geo.testing.plans import assert_plan_equal
from geo.writers import layer_name


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(4, 3, lad_width=2)


@pytest.fixture
def plan(atlas):
    # Three vertical-ish neighbourhoods with a new label to check names survive.
    names = {c: ["Ashby", "Ashby", "Coalville West", "Coalville West"][int(c[1:]) % 4] for c in atlas.codes}
    names["G0011"] = "N10"
    return Plan(atlas, names, target=6000, name="three")


@pytest.mark.parametrize(
    "filename, layer",
    [
        ("plan.csv", "neighbourhoods"),
        ("plan.geojson", "neighbourhoods"),
        ("plan.gpkg", "neighbourhoods"),
        ("plan.geojson", "lsoas"),
        ("plan.gpkg", "lsoas"),
    ],
)
def test_round_trip(tmp_path, atlas, plan, filename, layer):
    path = write_plan(plan, tmp_path / filename, layer=layer)
    again = Plan(atlas, read_plan(path, atlas), target=6000, name="three")
    assert_plan_equal(plan, again)


def test_zipped_shapefile_is_read_by_majority_area(tmp_path, atlas, plan):
    from geo.plan.io import footprints

    shapes = footprints(plan)[["name", "geometry"]]
    # Nudge the polygons 100 m east: each LSOA still has most of its area in its own neighbourhood.
    shapes["geometry"] = shapes.geometry.translate(100, 0)
    shapes.to_file(tmp_path / "plan.shp")
    with zipfile.ZipFile(tmp_path / "plan.zip", "w") as archive:
        for part in tmp_path.glob("plan.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    assert_plan_equal(plan, Plan(atlas, read_plan(tmp_path / "plan.zip", atlas), target=6000, name="three"))


def test_geojson_is_wgs84_and_gpkg_is_british_national_grid(tmp_path, plan):
    geojson = json.loads(write_plan(plan, tmp_path / "p.geojson").read_text())
    x, y = geojson["features"][0]["geometry"]["coordinates"][0][0]
    assert -3 < x < 0 and 51 < y < 54  # the grid sits in the Midlands
    assert gpd.read_file(write_plan(plan, tmp_path / "p.gpkg")).crs.to_epsg() == 27700


def test_footprints_carry_metrics_and_no_small_counts(tmp_path, plan):
    frame = gpd.read_file(write_plan(plan, tmp_path / "p.gpkg"))
    assert set(frame["name"]) == {"Ashby", "Coalville West", "N10"}
    assert {"resident_population", "deviation_pct", "polsby_popper", "lad_codes", "sources"} <= set(frame.columns)
    assert frame.set_index("name").loc["Ashby", "resident_population"] == 9000
    assert_no_small_counts(frame.drop(columns="geometry"))


def test_both_layers_live_in_one_geopackage(tmp_path, plan):
    path = tmp_path / "both.gpkg"
    write_plan(plan, path)
    write_plan(plan, path, layer="lsoas")
    stem = layer_name(plan.name)  # layers are named after the plan
    assert sorted(gpd.list_layers(path).name) == sorted([stem, f"{stem}_LSOAs"])
    assert len(gpd.read_file(path, layer=stem)) == 3
    assert len(gpd.read_file(path, layer=f"{stem}_LSOAs")) == 12


def test_header_variants_are_accepted(tmp_path, atlas):
    path = tmp_path / "lookup.csv"
    path.write_text(
        "LSOA21CD,Neighbourhood Name,notes\n" + "".join(f"{c},Hub {int(c[1:]) % 2},x\n" for c in atlas.codes)
    )
    assert set(read_plan(path, atlas, name_column="Neighbourhood Name")) == {"Hub 0", "Hub 1"}
    path.write_text("lsoa,name\n" + "".join(f"{c},N\n" for c in atlas.codes))
    assert set(read_plan(path, atlas)) == {"N"}


def _lookup(tmp_path, rows: list[str], header: str = "lsoa_code,neighbourhood"):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _all_rows(atlas):
    return [f"{c},A" for c in atlas.codes]


@pytest.mark.parametrize(
    "make, message, row, column",
    [
        (lambda a: _all_rows(a) + ["E01000001,A"], "not an LSOA of the study area", 13, "lsoa_code"),
        (lambda a: _all_rows(a) + ["G0003,B"], "more than once", 13, "lsoa_code"),
        (lambda a: _all_rows(a)[:-1] + ["G0011,"], "no neighbourhood name", 12, "neighbourhood"),
        (lambda a: _all_rows(a)[1:], "missing from the plan", None, None),
        (lambda a: [], "no rows", None, None),
    ],
)
def test_bad_lookups_name_file_row_and_column(tmp_path, atlas, make, message, row, column):
    with pytest.raises(PlanError, match=message) as error:
        read_plan(_lookup(tmp_path, make(atlas)), atlas)
    assert error.value.file == "bad.csv"
    assert (error.value.row, error.value.column) == (row, column)


def test_empty_file_and_missing_columns(tmp_path, atlas):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(PlanError, match="empty"):
        read_plan(empty, atlas)
    with pytest.raises(PlanError, match="no LSOA code column") as error:
        read_plan(_lookup(tmp_path, ["G0000,A"], header="area,neighbourhood"), atlas)
    assert error.value.row == 0


def test_polygons_that_miss_lsoas_are_refused(tmp_path, atlas, plan):
    from geo.plan.io import footprints

    shapes = footprints(plan)
    shapes[shapes.name != "N10"][["name", "geometry"]].to_file(tmp_path / "holes.geojson")
    with pytest.raises(PlanError, match="not covered by any polygon.*G0011"):
        read_plan(tmp_path / "holes.geojson", atlas)


def test_unknown_extensions_are_refused(tmp_path, atlas, plan):
    (tmp_path / "plan.xlsx").write_text("x")
    with pytest.raises(PlanError, match="unrecognised file type"):
        read_plan(tmp_path / "plan.xlsx", atlas)
    with pytest.raises(PlanError, match="cannot write"):
        write_plan(plan, tmp_path / "plan.kml")


def test_empty_area_is_refused(tmp_path, atlas):
    import dataclasses

    from scipy import sparse

    empty = dataclasses.replace(atlas, lsoas=atlas.lsoas.iloc[:0], adjacency=sparse.csr_matrix((0, 0)))
    with pytest.raises(PlanError, match="no LSOAs"):
        read_plan(_lookup(tmp_path, ["G0000,A"]), empty)
    with pytest.raises(PlanError, match="no LSOAs"):
        Plan(empty, {"G0000": "A"})
