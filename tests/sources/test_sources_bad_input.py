"""Each kind of bad input gives one DataError naming the file, the 1-based data row and the column at fault."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from geo.errors import DataError
from geo.sources import (
    check_known_lsoas,
    check_lsoa_vintage,
    identify,
    read_ae_monthly_icb,
    read_gp_registrations,
    read_imd2025,
    read_lsoa21_boundaries,
    read_population_census2021,
)

REG_HEADER = "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,NUMBER_OF_PATIENTS\n"
REG_ROW = "GP_PRAC_PAT_LIST,01Jul2023,A81001,THE DENSHAM SURGERY,{lsoa},ALL,{n}\n"
CENSUS_HEADER = (
    "lsoa21_code,lsoa21_name,usual_residents_total,Aged 15 years and under,Aged 16 to 24 years,"
    "Aged 25 to 34 years,Aged 35 to 49 years,Aged 50 to 64 years,Aged 65 years and over\n"
)
CENSUS_ROW = "{code},City of London 001A,600,100,100,100,100,100,100\n"
IMD_HEADER = "lsoa21_code,IMD_decile,IMD_rank,IMD_score,Health_score\n"


def registrations(*rows) -> str:
    return REG_HEADER + "".join(REG_ROW.format(lsoa=lsoa, n=n) for lsoa, n in rows)


CASES = {
    # kind: (file name, content, reader, expected row, expected column, words in the message)
    "renamed column": (
        "reg.csv",
        registrations(("E01000001", 3)).replace("NUMBER_OF_PATIENTS", "PATIENTS"),
        read_gp_registrations,
        0,
        "number_of_patients",
        "missing or renamed",
    ),
    "non-numeric count": (
        "reg.csv",
        registrations(("E01000001", 3), ("E01000002", "x")),
        read_gp_registrations,
        2,
        "NUMBER_OF_PATIENTS",
        "not a number",
    ),
    "negative count": (
        "reg.csv",
        registrations(("E01000001", 3), ("E01000002", 4), ("E01000003", -2)),
        read_gp_registrations,
        3,
        "NUMBER_OF_PATIENTS",
        "negative",
    ),
    "bad lsoa code": (
        "reg.csv",
        registrations(("E01000001", 3), ("E0100000X", 1)),
        read_gp_registrations,
        2,
        "LSOA_CODE",
        "not an LSOA code",
    ),
    "duplicate lsoa": (
        "pop.csv",
        CENSUS_HEADER + CENSUS_ROW.format(code="E01000001") * 2,
        read_population_census2021,
        2,
        "lsoa21_code",
        "more than once",
    ),
    "duplicate imd lsoa": (
        "imd.csv",
        IMD_HEADER + "E01000001,1,5,40.1,-1.2\nE01000001,1,6,39.0,0.3\n",
        read_imd2025,
        2,
        "lsoa21_code",
        "more than once",
    ),
    "header only": ("pop.csv", CENSUS_HEADER, read_population_census2021, None, None, "no data rows"),
    "truncated csv": (
        "reg.csv",
        registrations(("E01000001", 3), ("E01000002", 4)) + "GP_PRAC_PAT_LIST,01Jul2023,A8",
        read_gp_registrations,
        3,
        "PRACTICE_CODE",
        "cut off",
    ),
    "bad count in a&e": (
        "ae.csv",
        "month,icb22_code,total_attendances,attendances_over_4hours,"
        "total_emergency_admissions,emergency_admissions_over_4hours\n"
        "2022-04,E54000040,25706.0,,8454.0,2070.0\n2022-04,E54000024,-5,1,1,1\n",
        read_ae_monthly_icb,
        2,
        "total_attendances",
        "not a count",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_bad_table_names_file_row_and_column(tmp_path, kind):
    name, content, reader, row, column, words = CASES[kind]
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError) as info:
        reader(path)
    error = info.value
    assert error.file == str(path) and words in error.message
    assert error.row == row and error.column == column


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        identify(path)


def test_unrecognised_header(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("what,is,this\n1,2,3\n")
    with pytest.raises(DataError, match="not a recognised dataset"):
        identify(path)


def boundaries(tmp_path, geometries, crs=27700, name="b.gpkg"):
    path = tmp_path / name
    gdf = gpd.GeoDataFrame(
        {"LSOA21CD": [f"E0100000{i}" for i in range(len(geometries))], "LSOA21NM": ["x"] * len(geometries)},
        geometry=geometries,
        crs=crs,
    )
    gdf.to_file(path)
    return path


def test_invalid_geometry_that_cannot_be_repaired(tmp_path):
    bowtie = Polygon([(530000, 180000), (532000, 182000), (532000, 180000), (530000, 182000)])
    path = boundaries(tmp_path, [box(530000, 180000, 531000, 181000), bowtie])
    with pytest.raises(DataError, match="invalid geometry") as info:
        read_lsoa21_boundaries(path)
    assert info.value.row == 2 and info.value.column == "geometry"


def test_small_self_intersection_is_repaired(tmp_path):
    # A square with a tiny spike that crosses itself: the repair keeps almost all of the area.
    ring = [
        (530000, 180000),
        (531000, 180000),
        (531000, 181000),
        (530500, 181000),
        (530501, 180999),
        (530499, 181001),
        (530000, 181000),
    ]
    path = boundaries(tmp_path, [Polygon(ring)])
    gdf = read_lsoa21_boundaries(path)
    assert gdf.is_valid.all() and gdf.area.iloc[0] == pytest.approx(1e6, rel=0.01)


def test_empty_geometry_names_the_row(tmp_path):
    path = tmp_path / "b.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"LSOA21CD": "E01000001", "LSOA21NM": "x"},
            "geometry": {"type": "Polygon", "coordinates": [[[-1, 52], [-1, 52.01], [-0.99, 52.01], [-1, 52]]]},
        },
        {"type": "Feature", "properties": {"LSOA21CD": "E01000002", "LSOA21NM": "y"}, "geometry": None},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(DataError, match="empty or missing") as info:
        read_lsoa21_boundaries(path)
    assert info.value.row == 2


def test_geojson_that_does_not_parse(tmp_path):
    path = tmp_path / "b.geojson"
    good = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"LSOA21CD": "E01000001", "LSOA21NM": "x"},
                "geometry": {"type": "Polygon", "coordinates": [[[-1, 52], [-1, 52.01], [-0.99, 52.01], [-1, 52]]]},
            }
        ],
    }
    path.write_text(json.dumps(good)[:-30])
    with pytest.raises(DataError, match="truncated"):
        read_lsoa21_boundaries(path)


def test_crs_that_cannot_be_placed(tmp_path):
    path = boundaries(tmp_path, [box(5_000_000, 5_000_000, 5_001_000, 5_001_000)], crs=None)
    with pytest.raises(DataError, match="CRS cannot be placed") as info:
        read_lsoa21_boundaries(path)
    assert info.value.file == str(path)


def test_unknown_lsoa_against_reference_set():
    codes = pd.Series(["E01000001", "E01999999"], name="lsoa_code")
    with pytest.raises(DataError, match="unknown LSOA code 'E01999999'") as info:
        check_known_lsoas(codes, {"E01000001"}, "reg.csv", "LSOA_CODE")
    assert (info.value.file, info.value.row, info.value.column) == ("reg.csv", 2, "LSOA_CODE")


def test_mixed_vintages_are_refused():
    lookup = pd.DataFrame(
        {"lsoa11_code": ["E01000001", "E01000003", "E01000003"], "lsoa21_code": ["E01000001", "E01035000", "E01035001"]}
    )
    df = pd.DataFrame({"lsoa_code": ["E01000001", "E01000003"]})
    df.attrs["file"] = "imd.csv"
    check_lsoa_vintage(df, 2011, lookup)
    with pytest.raises(DataError, match="LSOA 2011 code only") as info:
        check_lsoa_vintage(df, 2021, lookup)
    assert (info.value.file, info.value.row, info.value.column) == ("imd.csv", 2, "lsoa_code")
