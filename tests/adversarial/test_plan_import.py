"""Malformed plan files for ``geo.plan.io.read_plan``: each is one PlanError (a DataError) naming the file and,
where one row is at fault, the row and column; nothing else is raised.

Cases marked ``xfail(strict=True)`` are bugs reported to the owner of ``geo/plan/io.py`` (see docs/RELIABILITY.md);
they turn into failures the day the fix lands, so the marker is removed with it.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo.errors import PlanError
from geo.plan.io import read_plan
from geo.testing import grid_atlas
from tests.adversarial.samples import shapefile_members, zip_bytes

ANY = object()
ATLAS = grid_atlas(3, 3)
CODES = list(ATLAS.codes)
GOOD = [(c, "North" if i >= 3 else "South") for i, c in enumerate(CODES)]
WHOLE = box(450_000, 300_000, 453_000, 303_000)


def lookup(rows, header="lsoa_code,neighbourhood"):
    return (header + "\n" + "".join(f"{c},{n}\n" for c, n in rows)).encode()


def polygons(names, geoms, crs=27700):
    return gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=crs)


CASES = [
    # (id, file name, content bytes or GeoDataFrame, row, column, words)
    ("no LSOA column", "p.csv", lookup(GOOD, "code,neighbourhood"), 0, ANY, "no LSOA code column"),
    (
        "no neighbourhood column",
        "p.csv",
        b"lsoa_code,a,b\n" + b"".join(f"{c},1,2\n".encode() for c in CODES),
        0,
        ANY,
        "no neighbourhood column",
    ),
    ("semicolon-separated", "p.csv", lookup(GOOD).replace(b",", b";"), 0, ANY, "no LSOA code column"),
    ("duplicate LSOA", "p.csv", lookup(GOOD + [GOOD[0]]), 10, "lsoa_code", "more than once"),
    (
        "LSOA 2011 code in a 2021 plan",
        "p.csv",
        lookup([("E01000001", "South")] + GOOD[1:]),
        1,
        "lsoa_code",
        "not an LSOA of the study area",
    ),
    (
        "Excel scientific code",
        "p.csv",
        lookup(GOOD[:4] + [("1.00E+00", "North")] + GOOD[5:]),
        5,
        "lsoa_code",
        "not an LSOA of the study area",
    ),
    ("LSOA missing from the plan", "p.csv", lookup(GOOD[:-1]), ANY, ANY, "missing"),
    (
        "blank neighbourhood name",
        "p.csv",
        lookup(GOOD[:2] + [(GOOD[2][0], "")] + GOOD[3:]),
        3,
        "neighbourhood",
        "no neighbourhood name",
    ),
    ("empty file", "p.csv", b"", ANY, ANY, "empty"),
    ("header only", "p.csv", b"lsoa_code,neighbourhood\n", ANY, ANY, "no rows"),
    ("blank lines only", "p.csv", b"\n\n\n", ANY, ANY, "cannot read"),
    ("truncated last row", "p.csv", lookup(GOOD)[:-9], 9, "lsoa_code", "not an LSOA of the study area"),
    ("unclosed quote", "p.csv", lookup(GOOD[:4] + [(GOOD[4][0], '"North')] + GOOD[5:]), ANY, ANY, "cannot read"),
    ("UTF-16", "p.csv", lookup(GOOD).decode().encode("utf-16"), ANY, ANY, "cannot read"),
    ("random binary", "p.csv", bytes(range(256)) * 20, ANY, ANY, "cannot read"),
    ("spreadsheet extension", "p.xlsx", b"PK\x03\x04", ANY, ANY, "unrecognised file type"),
    (
        "truncated GeoJSON",
        "p.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "prop',
        ANY,
        ANY,
        "cannot read polygons",
    ),
    (
        "polygons that miss the area (wrong CRS)",
        "p.geojson",
        polygons(["A"], [WHOLE], crs=3857),
        ANY,
        ANY,
        "assigns no LSOAs",
    ),
    (
        "self-intersecting polygon leaves LSOAs uncovered",
        "p.geojson",
        polygons(["A"], [Polygon([(450_000, 300_000), (453_000, 303_000), (453_000, 300_000), (450_000, 303_000)])]),
        ANY,
        ANY,
        "not covered by any polygon",
    ),
    (
        "polygons without a name column",
        "p.geojson",
        gpd.GeoDataFrame({"n": [1]}, geometry=[WHOLE], crs=27700),
        ANY,
        ANY,
        "no text column",
    ),
    ("zipped shapefile with ../ members", "p.zip", "traversal", ANY, ANY, "cannot read polygons"),
]


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, gpd.GeoDataFrame):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            content.to_file(path)
    elif content == "traversal":
        files = shapefile_members(polygons(["All"], [WHOLE]), tmp_path / "shp")
        path.write_bytes(zip_bytes({"../../" + k: v for k, v in files.items()}))
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_plan_is_one_plan_error(tmp_path, case):
    _, name, content, row, column, words = case
    path = _write(tmp_path, name, content)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(PlanError) as info:
            read_plan(path, ATLAS)
    error = info.value
    assert words.lower() in error.message.lower(), str(error)
    assert error.file and error.file.endswith(name), "the error names the file"
    if row is not ANY:
        assert error.row == row, str(error)
    if column is not ANY:
        assert error.column == column, str(error)


def test_the_plan_corpus_is_large_enough():
    assert len(CASES) >= 20


def test_a_good_plan_reads(tmp_path):
    assert read_plan(_write(tmp_path, "p.csv", lookup(GOOD)), ATLAS).to_dict() == dict(GOOD)
    assert read_plan(_write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + lookup(GOOD)), ATLAS).to_dict() == dict(GOOD)


def test_cp1252_plan_from_excel_reads(tmp_path):
    rows = [(c, "Café – North") for c in CODES]
    path = _write(tmp_path, "p.csv", lookup(rows).decode().encode("cp1252"))
    assert set(read_plan(path, ATLAS)) == {"Café – North"}


def test_row_with_an_extra_field_is_named(tmp_path):
    rows = GOOD[:3] + [(GOOD[3][0], "North,extra")] + GOOD[4:]
    with pytest.raises(PlanError) as info:
        read_plan(_write(tmp_path, "p.csv", lookup(rows)), ATLAS)
    assert info.value.row == 4 and "field" in info.value.message


def test_practice_plan_with_a_ragged_row_names_file_row_and_column(tmp_path):
    """Issue 22: one extra field in a practice plan gave a traceback (nhp score) and a 500 (POST /plans/import)."""
    from geo.plan.io import load_plan

    practices = list(ATLAS.practices.index)
    for bad in (1, len(practices)):  # pandas only warns (and drops the field) when the first row is the long one
        rows = [
            f"{c},{'North' if i % 2 else 'South'}" + (",extra" if i == bad - 1 else "") for i, c in enumerate(practices)
        ]
        path = tmp_path / "practices.csv"
        path.write_text("practice_code,neighbourhood\n" + "\n".join(rows) + "\n")
        with pytest.raises(PlanError) as caught:
            load_plan(path, ATLAS, target=4500)
        assert (caught.value.file, caught.value.row, caught.value.column) == ("practices.csv", bad, "field 3")
        assert "3 fields but the header has 2" in caught.value.message


@pytest.mark.parametrize("stem", ["\x1b[31mred", "=cmd", "a\u202eb"])
def test_plan_named_after_its_file_passes_the_name_rule(tmp_path, stem):
    from geo.names import check_name
    from geo.plan.io import load_plan

    path = tmp_path / f"{stem}.csv"
    path.write_bytes(lookup(GOOD))
    plan = load_plan(path, ATLAS, target=4500)
    assert check_name(plan.name) == plan.name and "\x1b" not in plan.name and "\u202e" not in plan.name
    assert "\x1b" not in plan.provenance.source
