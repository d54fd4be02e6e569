"""Postcode-weighted points (geo.access.points): recounted from the raw Code-Point Open CSV with pandas and shapely,
the centroid fallback, and the "N of M LSOAs" label every distance figure carries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.access.layer import access_by_neighbourhood, access_layer, lsoa_points
from geo.access.points import POSTCODE, combine, covered_districts, postcode_means
from geo.errors import DataError
from geo.plan import Plan
from geo.sources import read_postcode_centroids
from geo.testing import grid_atlas

NO_DATA = "/nonexistent"
HEADER = (
    "postcode_area,Postcode,Positional_quality_indicator,Eastings,Northings,Country_code,NHS_regional_HA_code,"
    "NHS_HA_code,Admin_county_code,Admin_district_code,Admin_ward_code\n"
)


def _codepoint(path, rows) -> pd.DataFrame:
    """A Code-Point Open copy with the documented header, read by the project's reader."""
    lines = [f"ZZ,ZZ1 {i}AA,{q},{e},{n},E92000001,,,,E07009000,\n" for i, (q, e, n) in enumerate(rows)]
    path.write_text(HEADER + "".join(lines))
    return read_postcode_centroids(path)


def test_an_lsoa_with_no_usable_postcode_keeps_its_centroid_and_is_counted_in_the_label(tmp_path):
    atlas = grid_atlas(4, 1, practice_every=4)  # 1 km squares from x = 450,000; practice in G0000
    postcodes = _codepoint(
        tmp_path / "cp.csv",
        [
            (10, 450100, 300200),
            (10, 450300, 300400),  # G0000: mean (450200, 300300)
            (10, 451900, 300900),  # G0001
            (20, 452500, 300100),  # G0002
            (50, 453500, 300500),  # G0003: only an estimated position (PQI 50), so no usable postcode
        ],
    )
    means = postcode_means(atlas.lsoas, postcodes, covered_districts(postcodes) | set(atlas.lsoas.lad_code))
    points = combine(lsoa_points(atlas), means)
    assert points.loc["G0000", ["x", "y"]].tolist() == [450200.0, 300300.0]
    assert points.loc["G0003", ["x", "y"]].tolist() == [453500.0, 300500.0]  # its centroid
    assert points.point_method.tolist() == [POSTCODE, POSTCODE, POSTCODE, "centroid"]
    assert points.postcode_units.tolist() == [2.0, 1.0, 1.0, 0.0]

    layer = access_layer(atlas, NO_DATA, points=points)
    # The practice sits at G0000's centroid (450500, 300500).
    expected = [np.hypot(300, 200), np.hypot(1400, 400), np.hypot(2000, 400), 3000.0]
    assert layer.practice_km.tolist() == pytest.approx([m / 1000 for m in expected], abs=1e-9)
    plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"})
    table = access_by_neighbourhood(plan, layer)
    assert table.point_lsoas.to_dict() == {"A": 2, "B": 2}
    assert table.postcode_point_lsoas.to_dict() == {"A": 2, "B": 1}
    assert table.at["A", "practice_km_method"].endswith("for 2 of 2 LSOAs")
    assert table.at["B", "practice_km_method"].endswith("for 1 of 2 LSOAs, LSOA centroids for the rest")
    assert "for 3 of 4 LSOAs" in layer.attrs["notes"]["practice_km"]["method"]


def test_a_file_that_is_not_the_documented_subset_nor_all_of_britain_covers_no_district(tmp_path):
    postcodes = _codepoint(tmp_path / "cp.csv", [(10, 450100, 300200)])
    atlas = grid_atlas(2, 1)
    assert covered_districts(postcodes) == frozenset()
    assert postcode_means(atlas.lsoas, postcodes, covered_districts(postcodes)).empty
    subset = pd.DataFrame(
        {"postcode": [f"{a}1 1AA" for a in "LE NN OX PE DE CV NG MK RG SN GL LN S SK DN".split()], "lad_code": "x"}
    )
    covered = covered_districts(subset)
    assert {"E06000016", "E06000017", "E07000133", "E06000061", "E07000177"} <= covered  # LLR, Northants, Oxon
    assert not {"E06000060", "E06000037", "E07000220"} & covered  # Bucks, West Berkshire, Rugby: partly held


def test_a_positional_quality_that_code_point_does_not_define_is_refused_naming_the_cell(tmp_path):
    with pytest.raises(DataError) as caught:
        _codepoint(tmp_path / "cp.csv", [(10, 450100, 300200), (70, 450300, 300400)])
    assert caught.value.row == 2 and caught.value.column == "Positional_quality_indicator"
    assert "positional quality" in str(caught.value)


# ------------------------------------------------------------------------------------------------------------
# Real data: LLR (ICB QK1), recounted from the raw files


@pytest.fixture(scope="module")
def llr(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("QK1", data_dir=data_dir)
    raw = pd.read_csv(data_dir / "codepoint_open_2025-10_em_oxon.csv", dtype={"Postcode": str})
    raw = raw[raw.Positional_quality_indicator.isin([10, 20])]
    shapes = gpd.read_file(data_dir / "lsoa21_boundaries_bsc_england.geojson").to_crs(27700)
    shapes = shapes.set_index("lsoa21_code").geometry.reindex(atlas.lsoas.index)
    return atlas, access_layer(atlas, data_dir), raw, shapes


def _recount(shape, raw) -> tuple[float, float, int]:
    inside = shapely.contains_xy(shape, raw.Eastings.to_numpy(float), raw.Northings.to_numpy(float))
    return float(raw.Eastings[inside].mean()), float(raw.Northings[inside].mean()), int(inside.sum())


@pytest.mark.realdata
def test_llr_points_are_the_mean_of_the_raw_postcodes_inside_each_raw_polygon(llr):
    atlas, layer, raw, shapes = llr
    lad = atlas.lsoas.lad_code
    # Two LSOAs of each kind of place: the city, a small rural unitary, a rural district.
    codes = [c for d in ("E06000016", "E06000017", "E07000133") for c in sorted(lad.index[lad == d])[:2]]
    for code in codes:
        x, y, count = _recount(shapes[code], raw)
        assert count > 0, code
        row = layer.loc[code]
        assert row.point_method == POSTCODE and row.postcode_units == count, code
        assert (row.x, row.y) == pytest.approx((x, y), abs=1e-6), code


@pytest.mark.realdata
def test_llr_label_counts_the_lsoas_with_a_postcode_inside(llr):
    atlas, layer, raw, shapes = llr
    with_postcodes = sum(_recount(shapes[code], raw)[2] > 0 for code in atlas.lsoas.index)
    assert with_postcodes == int((layer.point_method == POSTCODE).sum())
    assert with_postcodes > 600  # every LLR district is in the subset: only an LSOA without a postcode is left
    method = layer.attrs["notes"]["practice_km"]["method"]
    assert f"for {with_postcodes:,} of {len(atlas.lsoas):,} LSOAs" in method and "Code-Point Open 2025-10" in method
    plan = Plan(atlas, atlas.lsoas.lad_code.astype(str))
    table = access_by_neighbourhood(plan, layer)
    assert table.postcode_point_lsoas.sum() == with_postcodes and table.point_lsoas.sum() == len(atlas.lsoas)
