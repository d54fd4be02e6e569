"""The build reads each LSOA boundary once: a second request for codes already read is served from the first frame,
with the same polygons a fresh read would give."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from geo.atlas.build import BoundaryReader

# A boundary file with a repeated code (the first row counts) and codes in no particular order.
FILE = gpd.GeoDataFrame(
    {"lsoa_code": ["E3", "E1", "E2", "E1", "E4"]},
    geometry=[box(3, 0, 4, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(9, 9, 10, 10), box(4, 0, 5, 1)],
    crs=27700,
)
FILE.attrs = {"source_label": "ONS LSOA 2021 boundaries", "vintage": "2021"}


class Catalogue:
    """Reads rows of the boundary file as the catalogue does: in file order, every row of the codes asked for."""

    def __init__(self):
        self.reads: list[list[str]] = []

    def read_rows(self, key, column, values):
        values = list(values)
        self.reads.append(sorted(values))
        rows = FILE[FILE[column].isin(values)].reset_index(drop=True)
        rows.attrs = dict(FILE.attrs)
        return rows

    def path(self, key):
        return "lsoa21_boundaries.geojson"


def fresh(codes):
    return BoundaryReader(Catalogue(), "lsoa21_boundaries", {})(codes)


def test_codes_read_before_are_not_read_again_and_match_a_fresh_read():
    catalogue, sources = Catalogue(), {}
    polygons = BoundaryReader(catalogue, "lsoa21_boundaries", sources)
    everything = polygons(["E1", "E2", "E3", "E4"])
    assert everything.loc["E1"].geometry.equals(box(1, 0, 2, 1))  # the first row of a repeated code
    again = polygons(["E4", "E1", "E1"])
    assert catalogue.reads == [["E1", "E2", "E3", "E4"]]  # served from the first frame
    expected = fresh(["E4", "E1"])
    assert sorted(again.index) == sorted(expected.index)
    for code in expected.index:
        assert again.loc[code].geometry.equals(expected.loc[code].geometry)
    assert sources["lsoa21_boundaries"].label == "ONS LSOA 2021 boundaries"


def test_a_code_not_read_before_reads_the_file_again():
    catalogue = Catalogue()
    polygons = BoundaryReader(catalogue, "lsoa21_boundaries", {})
    polygons(["E1", "E2"])
    out = polygons(["E2", "E3"])
    assert catalogue.reads == [["E1", "E2"], ["E2", "E3"]]
    assert sorted(out.index) == ["E2", "E3"] and out.loc["E3"].geometry.equals(box(3, 0, 4, 1))
