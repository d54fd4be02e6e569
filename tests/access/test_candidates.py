"""Candidate files: good ones read in both coordinate systems, bad ones refused naming file, row and column."""

from __future__ import annotations

import json

import pytest

from geo.access.candidates import read_candidates
from geo.errors import DataError


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_latitude_and_longitude_become_grid_metres(tmp_path):
    path = write(tmp_path, "estate.csv", "site_code,site_name,lat,lon\nLRI,Leicester Royal Infirmary,52.6268,-1.1358\n")
    site = read_candidates(path).loc["LRI"]
    assert site.x == pytest.approx(458_600, abs=150) and site.y == pytest.approx(303_600, abs=150)


def test_geojson_points_are_read(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "A", "name": "Town hall"},
                "geometry": {"type": "Point", "coordinates": [-1.1358, 52.6268]},
            }
        ],
    }
    path = write(tmp_path, "estate.geojson", json.dumps(doc))
    assert read_candidates(path).site_name.tolist() == ["Town hall"]


@pytest.mark.parametrize(
    "text, row, column, words",
    [
        ("id,name,easting,northing\nA,x,450000,300000\nA,y,450001,300001\n", 2, "id", "appears twice"),
        ("id,name,easting,northing\nA,x,450000,300000\n,y,1,1\n", 2, "id", "empty site id"),
        ("id,name,easting,northing\nA,x,450000,9999999\n", 1, "northing", "outside England"),
        ("id,name,latitude,longitude\nA,x,52.6,abc\n", 1, "longitude", "not a coordinate"),
        ("id,name,easting,northing\nA,=cmd(),450000,300000\n", 1, "name", "name"),
        ("code,name\nA,x\n", 0, None, "no coordinate columns"),
        ("name,easting,northing\nx,1,1\n", 0, None, "no id column"),
    ],
)
def test_bad_rows_are_named(tmp_path, text, row, column, words):
    path = write(tmp_path, "estate.csv", text)
    with pytest.raises(DataError) as caught:
        read_candidates(path)
    error = caught.value
    assert (
        words in str(error) and error.row == row and error.column == column and error.file == path.name
    )  # as uploaded, never a server folder


def test_wrong_type_missing_file_and_non_point_geometry_are_refused(tmp_path):
    with pytest.raises(DataError, match="unrecognised file type ..xlsx. for candidate sites"):
        read_candidates(write(tmp_path, "estate.xlsx", "id\n"))
    with pytest.raises(DataError, match="not found"):
        read_candidates(tmp_path / "none.csv")
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": "A"}, "geometry": {"type": "Polygon", "coordinates": []}}
        ],
    }
    with pytest.raises(DataError) as caught:
        read_candidates(write(tmp_path, "estate.geojson", json.dumps(doc)))
    assert caught.value.row == 1 and caught.value.column == "geometry"
