"""Malformed files for every reader in ``geo.sources.READERS``: each gives one DataError naming the file, the row
and the column at fault, and saying what was expected; none raises anything else.

Every file is built here from the small synthetic tables in :mod:`tests.adversarial.samples`; one case breaks one
thing. ``CASES`` rows are ``(id, reader, build, row, column, words)``: ``build(tmp_path)`` writes the file and
returns its path; ``row``/``column`` are what the error must name (``ANY`` when the reader cannot know one) and
``words`` must appear in the message.
"""

from __future__ import annotations

import json
import warnings
import zipfile

import pytest
from shapely.geometry import Point, Polygon

from geo.errors import DataError
from geo.sources import READERS
from tests.adversarial.samples import LSOA11, LSOA21, TABLES, csv_text, layer, shapefile_members, squares, zip_bytes

ANY = object()


def text(key, *, rows=None, header="", encoding="utf-8", name=None, suffix=".csv"):
    """Builder: the table of ``key`` (rows/header replaced when given) written in ``encoding``."""

    def build(tmp_path):
        path = tmp_path / f"{name or key}{suffix}"
        path.write_bytes(csv_text(key, rows, header).encode(encoding))
        return path

    return build


def edit(key, row, old, new, **kw):
    """Builder: the table of ``key`` with ``old`` replaced by ``new`` in data row ``row`` (1-based)."""
    rows = list(TABLES[key][1])
    assert old in rows[row - 1], (key, old)
    rows[row - 1] = rows[row - 1].replace(old, new)
    return text(key, rows=rows, **kw)


def raw(data: bytes, name="file.csv"):
    def build(tmp_path):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return build


def zipped(members, name="data.zip"):
    def build(tmp_path):
        path = tmp_path / name
        path.write_bytes(zip_bytes(members(tmp_path) if callable(members) else members))
        return path

    return build


def geo(key, geometries=None, *, codes=None, crs=27700, name="layer.gpkg"):
    def build(tmp_path):
        path = tmp_path / name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer(key, geometries, codes=codes, crs=crs).to_file(path)
        return path

    return build


def geojson(features, name="layer.geojson"):
    def build(tmp_path):
        path = tmp_path / name
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return path

    return build


def _feature(code, geometry):
    return {"type": "Feature", "properties": {"LSOA21CD": code, "LSOA21NM": "x"}, "geometry": geometry}


def _shp(drop=(), prefix=""):
    def members(tmp_path):
        files = shapefile_members(layer("lsoa21_boundaries"), tmp_path / "shp")
        return {prefix + k: v for k, v in files.items() if not k.endswith(drop)}

    return members


CENSUS = "population_census2021"
CSV = csv_text(CENSUS).encode()
C1 = TABLES[CENSUS][1][0]
BOWTIE = Polygon([(465000, 494000), (467000, 496000), (467000, 494000), (465000, 496000)])
# 60 MB of one repeated digit compresses about 1000:1; the declared size alone refuses it, nothing is inflated.
BOMB = CSV + b"E01990009,x," + b"9" * 60_000_000 + b"\n"
LONLAT = [Polygon([(-1.0, 54.0), (-0.99, 54.0), (-0.99, 54.01), (-1.0, 54.01)])] * 3

CASES = [
    # --- wrong or missing columns
    (
        "census: renamed total column",
        CENSUS,
        text(CENSUS, header=TABLES[CENSUS][0].replace("usual_residents_total", "residents")),
        0,
        ANY,
        "columns missing or renamed",
    ),
    (
        "census: age column missing",
        CENSUS,
        text(CENSUS, header=TABLES[CENSUS][0].rsplit(",", 1)[0], rows=[r.rsplit(",", 1)[0] for r in TABLES[CENSUS][1]]),
        0,
        "aged 65 years and over",
        "columns missing or renamed",
    ),
    ("imd2019 given the IoD2025 file (wrong vintage layout)", "imd2019", text("imd2025"), 0, ANY, "not a imd2019 file"),
    (
        "lsoa21 boundaries given 2011 boundaries",
        "lsoa21_boundaries",
        geo("lsoa11_boundaries"),
        0,
        ANY,
        "columns missing or renamed",
    ),
    (
        "mid-2020 single-year column 45 missing",
        "population_mid2020",
        text("population_mid2020", header=TABLES["population_mid2020"][0].replace(",45,", ",45x,")),
        0,
        ANY,
        "age columns missing",
    ),
    (
        "epraccur with 26 fields",
        "epraccur",
        text("epraccur", rows=[r.rsplit(",", 1)[0] for r in TABLES["epraccur"][1]]),
        0,
        ANY,
        "not a epraccur file",
    ),
    (
        "shapefile zip without its .dbf",
        "lsoa21_boundaries",
        zipped(_shp(drop=(".dbf",))),
        0,
        ANY,
        "columns missing or renamed",
    ),
    ("shapefile zip without its .shx", "lsoa21_boundaries", zipped(_shp(drop=(".shx",))), ANY, ANY, "cannot open"),
    # --- codes: wrong vintage, mangled by Excel, duplicated
    (
        "census: LSOA code as Excel scientific 1.00E+00",
        CENSUS,
        edit(CENSUS, 1, "E01990001", "1.00E+00"),
        1,
        "lsoa21_code",
        "not an LSOA code",
    ),
    (
        "census: leading zeros stripped E1990001",
        CENSUS,
        edit(CENSUS, 1, "E01990001", "E1990001"),
        1,
        "lsoa21_code",
        "not an LSOA code",
    ),
    (
        "census: lower-case code",
        CENSUS,
        edit(CENSUS, 2, "E01990002", "e01990002"),
        2,
        "lsoa21_code",
        "not an LSOA code",
    ),
    (
        "census: duplicate LSOA",
        CENSUS,
        text(CENSUS, rows=[C1, C1, TABLES[CENSUS][1][2]]),
        2,
        "lsoa21_code",
        "more than once",
    ),
    (
        "imd2025: duplicate LSOA",
        "imd2025",
        text("imd2025", rows=[TABLES["imd2025"][1][0]] * 2),
        2,
        "lsoa21_code",
        "more than once",
    ),
    (
        "registrations: blank LSOA",
        "gp_registrations",
        edit("gp_registrations", 1, LSOA11[0], ""),
        1,
        "LSOA_CODE",
        "not an LSOA code",
    ),
    (
        "registrations: MSOA code where LSOA expected",
        "gp_registrations",
        edit("gp_registrations", 2, LSOA11[1], "E02000001"),
        2,
        "LSOA_CODE",
        "not an LSOA code",
    ),
    (
        "practice map: NHS ICB code where ONS code expected",
        "practice_map",
        edit("practice_map", 1, "E54999999", "QK1"),
        1,
        "ONS_ICB_CODE",
        "not an ONS ICB code",
    ),
    (
        "practice map: duplicate practice",
        "practice_map",
        text("practice_map", rows=[TABLES["practice_map"][1][0]] * 2),
        2,
        "PRACTICE_CODE",
        "more than once",
    ),
    (
        "epraccur: duplicate organisation",
        "epraccur",
        text("epraccur", rows=[TABLES["epraccur"][1][0]] * 2),
        2,
        "0 (organisation code)",
        "more than once",
    ),
    (
        "epraccur: unknown status",
        "epraccur",
        edit("epraccur", 3, '"A","B"', '"Z","B"'),
        3,
        "12 (status)",
        "not a status",
    ),
    (
        "postcodes: duplicate postcode",
        "postcode_centroids",
        text("postcode_centroids", rows=[TABLES["postcode_centroids"][1][0]] * 2),
        2,
        "0",
        "more than once",
    ),
    (
        "LSOA lookup: unknown change indicator",
        "lsoa11_lsoa21_lookup",
        edit("lsoa11_lsoa21_lookup", 2, ",U,", ",Q,"),
        2,
        "CHGIND",
        "not a change indicator",
    ),
    (
        "LSOA11 ICB lookup: bad sub-ICB code",
        "lsoa11_icb_lookup",
        edit("lsoa11_icb_lookup", 1, "E38999901", "99X"),
        1,
        "LOC22CD",
        "not an ONS sub-ICB code",
    ),
    (
        "LSOA21 ICB lookup: duplicate LSOA",
        "lsoa21_icb_lookup",
        text("lsoa21_icb_lookup", rows=[TABLES["lsoa21_icb_lookup"][1][0]] * 2),
        2,
        "lsoa21_code",
        "more than once",
    ),
    (
        "ward lookup: bad LSOA code",
        "lsoa21_ward_lad_lookup",
        edit("lsoa21_ward_lad_lookup", 3, LSOA21[2], "E01"),
        3,
        "lsoa21_code",
        "not an LSOA code",
    ),
    (
        "rural-urban: unknown class",
        "rural_urban",
        edit("rural_urban", 1, ",Urban", ",Suburban"),
        1,
        "ruc",
        "not Urban or Rural",
    ),
    (
        "LAD to UTLA: duplicate district",
        "lad_utla_lookup",
        text("lad_utla_lookup", rows=[TABLES["lad_utla_lookup"][1][0]] * 2),
        2,
        "LTLA23CD",
        "more than once",
    ),
    (
        "A&E: duplicate ICB month",
        "ae_monthly_icb",
        text("ae_monthly_icb", rows=[TABLES["ae_monthly_icb"][1][0]] * 2),
        2,
        "icb22_code",
        "more than once",
    ),
    (
        "A&E: month mangled",
        "ae_monthly_icb",
        edit("ae_monthly_icb", 1, "2022-04", "Apr-ish"),
        1,
        "month",
        "not a month",
    ),
    (
        "subdomains: duplicate LSOA",
        "iod2025_subdomains",
        text("iod2025_subdomains", rows=[TABLES["iod2025_subdomains"][1][0]] * 2),
        2,
        "lsoa21_code",
        "more than once",
    ),
    (
        "boundaries: duplicate code",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", codes=[LSOA21[0]] * 3),
        2,
        "LSOA21CD",
        "more than once",
    ),
    (
        "LSOA11 boundaries: Excel-stripped code",
        "lsoa11_boundaries",
        geo("lsoa11_boundaries", codes=[LSOA11[0], "E1980002", LSOA11[2]]),
        2,
        "LSOA11CD",
        "not an LSOA code",
    ),
    (
        "MSOA boundaries: LSOA code in MSOA column",
        "msoa21_boundaries",
        geo("msoa21_boundaries", codes=["E02990001", LSOA21[1], "E02990003"]),
        2,
        "MSOA21CD",
        "not an MSOA code",
    ),
    (
        "ICB boundaries: NHS code Q99",
        "icb_boundaries",
        geo("icb_boundaries", codes=["Q99", "E54999998", "E54999999"]),
        1,
        "ICB22CD",
        "not an ICB code",
    ),
    (
        "LAD boundaries: blank code",
        "lad_boundaries",
        geo("lad_boundaries", codes=["E06999901", "", "E07999902"]),
        2,
        "LAD24CD",
        "not a local authority code",
    ),
    # --- numbers: non-numeric, negative, huge, not finite, Excel dates
    (
        "census: non-numeric count",
        CENSUS,
        edit(CENSUS, 2, ",600,", ",n/a,"),
        2,
        "usual_residents_total",
        "not a number",
    ),
    (
        "census: negative count",
        CENSUS,
        edit(CENSUS, 1, ",600,100,", ",400,-100,"),
        1,
        "Aged 15 years and under",
        "negative count",
    ),
    ("census: fractional count", CENSUS, edit(CENSUS, 3, ",600,", ",600.5,"), 3, "usual_residents_total", "not whole"),
    ("census: 1e308 residents", CENSUS, edit(CENSUS, 1, ",600,", ",1e308,"), 1, "usual_residents_total", "too large"),
    (
        "census: 10**30 residents",
        CENSUS,
        edit(CENSUS, 2, ",600,", f",{10**30},"),
        2,
        "usual_residents_total",
        "too large",
    ),
    ("census: inf residents", CENSUS, edit(CENSUS, 1, ",600,", ",inf,"), 1, "usual_residents_total", "not a number"),
    ("census: blank count", CENSUS, edit(CENSUS, 3, ",600,", ",,"), 3, "usual_residents_total", "blank cell"),
    (
        "census: Excel turned a count into a date",
        CENSUS,
        edit(CENSUS, 1, ",600,100,", ",600,01/04/1900,"),
        1,
        "Aged 15 years and under",
        "not a number",
    ),
    (
        "census: total is not the sum of its bands",
        CENSUS,
        edit(CENSUS, 2, ",600,", ",601,"),
        2,
        "usual_residents_total",
        "not the sum",
    ),
    (
        "registrations: 10**30 patients",
        "gp_registrations",
        edit("gp_registrations", 2, ",776", f",{10**30}"),
        2,
        "NUMBER_OF_PATIENTS",
        "too large",
    ),
    (
        "registrations: 2**63 patients (int64 wrap)",
        "gp_registrations",
        edit("gp_registrations", 1, ",80", f",{2**63}"),
        1,
        "NUMBER_OF_PATIENTS",
        "too large",
    ),
    (
        "registrations: negative patients",
        "gp_registrations",
        edit("gp_registrations", 3, ",9", ",-9"),
        3,
        "NUMBER_OF_PATIENTS",
        "negative",
    ),
    ("imd2025: decile 11", "imd2025", edit("imd2025", 1, ",1,10,", ",11,10,"), 1, "IMD_decile", "above 10"),
    ("imd2025: rank 0", "imd2025", edit("imd2025", 2, ",5,15000,", ",5,0,"), 2, "IMD_rank", "not a rank"),
    ("imd2025: score -1e999", "imd2025", edit("imd2025", 3, "3.3", "-1e999"), 3, "IMD_score", "not a number"),
    (
        "imd2019: rank text",
        "imd2019",
        edit("imd2019", 2, '"20"', '"twenty"'),
        2,
        "Index of Multiple Deprivation (IMD) Rank",
        "not a number",
    ),
    (
        "IoD2019 denominators: total not the sum",
        "population_iod2019",
        edit("population_iod2019", 1, "300,696", "300,697"),
        1,
        "Total population: mid 2015 (excluding prisoners)",
        "not the sum",
    ),
    (
        "IoD2025 denominators: non-numeric",
        "population_iod2025",
        edit("population_iod2025", 3, ",1300,", ",many,"),
        3,
        "Total population: mid 2022 (excluding prisoners)",
        "not a number",
    ),
    (
        "indicators: n/a morbidity",
        "iod2025_indicators",
        edit("iod2025_indicators", 1, "-0.5", "n/a"),
        1,
        "acute_morbidity_indicator",
        "not a number",
    ),
    (
        "geocodes: latitude 999",
        "practice_geocodes",
        edit("practice_geocodes", 2, "54.32", "999"),
        2,
        "PRAC_LAT",
        "not a latitude",
    ),
    (
        "geocodes: latitude text",
        "practice_geocodes",
        edit("practice_geocodes", 1, "54.31", "north"),
        1,
        "PRAC_LAT",
        "not a number",
    ),
    (
        "A&E by trust: 1e308 attendances",
        "ae_monthly_trust",
        edit("ae_monthly_trust", 2, "9076.0", "1e308"),
        2,
        "total_attendances",
        "not a count",
    ),
    (
        "A&E by ICB: negative attendances",
        "ae_monthly_icb",
        edit("ae_monthly_icb", 3, "2827.0", "-1"),
        3,
        "attendances_over_4hours",
        "not a count",
    ),
    (
        "ethnicity: five groups do not sum to the total",
        "ethnicity_census2021",
        edit("ethnicity_census2021", 2, ",600,100,", ",600,101,"),
        2,
        "Ethnic group: Total: All usual residents",
        "not the sum of the five ethnic groups",
    ),
    (
        "ethnicity: Excel-stripped LSOA code",
        "ethnicity_census2021",
        edit("ethnicity_census2021", 3, LSOA21[2], "E1990003"),
        3,
        "geography code",
        "not an LSOA code",
    ),
    (
        "QOF: register larger than the list (columns swapped)",
        "qof_prevalence",
        edit("qof_prevalence", 3, "150.0,TOTAL,1000", "1000,TOTAL,150"),
        3,
        "REGISTER",
        "larger than the list",
    ),
    (
        "QOF: fractional register",
        "qof_prevalence",
        edit("qof_prevalence", 1, "20.0", "20.5"),
        1,
        "REGISTER",
        "not whole",
    ),
    (
        "QOF: duplicate practice register",
        "qof_prevalence",
        text("qof_prevalence", rows=[TABLES["qof_prevalence"][1][0]] * 2),
        2,
        "GROUP_CODE",
        "more than once",
    ),
    (
        "practice ages: bands do not sum to the ALL/ALL total",
        "practice_ages",
        edit("practice_ages", 1, ",ALL,ALL,90", ",ALL,ALL,91"),
        1,
        "NUMBER_OF_PATIENTS",
        "not the sum",
    ),
    (
        "practice ages: unknown sex",
        "practice_ages",
        edit("practice_ages", 2, ",FEMALE,", ",F,"),
        2,
        "SEX",
        "not ALL, FEMALE or MALE",
    ),
    (
        "practice ages: no ALL/ALL total",
        "practice_ages",
        text("practice_ages", rows=TABLES["practice_ages"][1][1:]),
        1,
        "SEX",
        "no ALL/ALL total",
    ),
    # --- empty, truncated, encodings, binary
    ("empty file (0 bytes)", CENSUS, raw(b""), ANY, ANY, "empty"),
    ("header only", CENSUS, text(CENSUS, rows=[]), ANY, ANY, "no data rows"),
    ("only a BOM", CENSUS, raw(b"\xef\xbb\xbf"), ANY, ANY, "no header row"),
    ("truncated last row", CENSUS, raw(CSV + b"E01990004,Demo 4A,600,10"), 4, ANY, "cut off"),
    ("unbalanced quote", CENSUS, edit(CENSUS, 2, "Demo 2A", '"Demo 2A'), 2, ANY, "malformed row"),
    ("UTF-16 with BOM (Excel 'Unicode text')", CENSUS, text(CENSUS, encoding="utf-16"), ANY, ANY, "UTF-16"),
    ("UTF-16 without BOM", CENSUS, text(CENSUS, encoding="utf-16-le"), ANY, ANY, "UTF-16"),
    ("random binary", CENSUS, raw(bytes(range(1, 256)) * 40), 0, ANY, "columns missing or renamed"),
    # --- archives: zip bombs, path traversal, broken zips
    ("zip bomb: member expands > limit", CENSUS, zipped({"data.csv": BOMB}), ANY, ANY, "zip bomb"),
    ("zip member ../../etc/passwd", CENSUS, zipped({"../../etc/passwd.csv": CSV}), ANY, ANY, "outside the archive"),
    ("zip member with absolute path", CENSUS, zipped({"/etc/passwd.csv": CSV}), ANY, ANY, "outside the archive"),
    (
        "zipped shapefile members under ../",
        "lsoa21_boundaries",
        zipped(_shp(prefix="../../")),
        ANY,
        ANY,
        "outside the archive",
    ),
    (
        "truncated zip",
        CENSUS,
        lambda p: raw(zip_bytes({"d.csv": CSV * 50})[:-40], "t.zip")(p),
        ANY,
        ANY,
        "cannot be opened",
    ),
    (
        "zip holding only a zip",
        CENSUS,
        zipped({"inner.zip": zip_bytes({"d.csv": CSV})}),
        ANY,
        ANY,
        "no CSV or shapefile",
    ),
    ("zip with an empty CSV", CENSUS, zipped({"d.csv": b""}), ANY, ANY, "empty"),
    # --- geometry and CRS
    (
        "self-intersecting polygon (bow tie)",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", [*squares(2), BOWTIE]),
        3,
        "geometry",
        "invalid geometry",
    ),
    (
        "zero-area polygon",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", [Polygon([(465000, 494000), (466000, 494000), (465000, 494000)]), *squares(2)]),
        1,
        "geometry",
        "invalid geometry",
    ),
    (
        "point where an area is expected",
        "lsoa21_boundaries",
        geojson([_feature(LSOA21[0], {"type": "Point", "coordinates": [-1, 54]})]),
        1,
        "geometry",
        "not an area",
    ),
    ("missing geometry", "lsoa21_boundaries", geojson([_feature(LSOA21[0], None)]), 1, "geometry", "empty or missing"),
    (
        "degrees labelled EPSG:27700",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", LONLAT),
        1,
        "geometry",
        "do not fit the declared CRS",
    ),
    (
        "metres labelled EPSG:4326",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", crs=4326),
        1,
        "geometry",
        "do not fit the declared CRS",
    ),
    (
        "metres labelled Web Mercator",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", crs=3857),
        1,
        "geometry",
        "do not fit the declared CRS",
    ),
    (
        "no CRS and coordinates nowhere near Britain",
        "lsoa21_boundaries",
        geo("lsoa21_boundaries", squares(origin=(5_000_000, 5_000_000)), crs=None),
        ANY,
        ANY,
        "CRS cannot be placed",
    ),
    (
        "truncated GeoJSON",
        "lsoa21_boundaries",
        lambda p: raw(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [_feature(LSOA21[0], {"type": "Point", "coordinates": [-1, 54]})] * 3,
                }
            ).encode()[:-25],
            "t.geojson",
        )(p),
        ANY,
        ANY,
        "truncated",
    ),
    (
        "GeoPackage header with garbage",
        "lsoa21_boundaries",
        raw(b"SQLite format 3\x00" + b"\x00" * 4096, "x.gpkg"),
        ANY,
        ANY,
        "cannot open as gpkg",
    ),
]
IDS = [case[0] for case in CASES]
assert len(set(IDS)) == len(IDS)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_malformed_file_gives_one_clear_data_error(tmp_path, case):
    _, key, build, row, column, words = case
    path = build(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataError) as info:
            READERS[key](path)
    error = info.value
    assert words.lower() in error.message.lower(), str(error)
    assert error.file is not None and path.name in error.file, "the error must name the file"
    assert path.name in str(error)
    if row is not ANY:
        assert error.row == row, str(error)
        assert f"row {row}" in str(error)
    if column is not ANY:
        assert error.column == column, str(error)
        assert f"column '{column}'" in str(error)
    assert error.expected or error.row == 0 or "empty" in error.message, "say what was expected"


def test_every_reader_has_a_case():
    assert {case[1] for case in CASES} == set(READERS)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("key", sorted(READERS))
def test_each_sample_is_valid_so_each_case_breaks_one_thing(tmp_path, key):
    """The unbroken samples read cleanly: a case fails because of its one change, not a bad sample."""
    if key in TABLES:
        path = text(key)(tmp_path)
    else:
        path = geo(key)(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(READERS[key](path)) == 3


def test_cp1252_names_and_a_bom_are_read_not_refused(tmp_path):
    """Excel's 'CSV' (cp1252) and 'CSV UTF-8' (with BOM) are what planners save; both must read, with the names."""
    rows = [C1.replace("Demo 1A", "Ynys Môn – café"), *TABLES[CENSUS][1][1:]]
    cp = text(CENSUS, rows=rows, encoding="cp1252", name="cp1252")(tmp_path)
    assert READERS[CENSUS](cp).lsoa_name.iloc[0] == "Ynys Môn – café"
    bom = text(CENSUS, rows=rows, encoding="utf-8-sig", name="bom")(tmp_path)
    frame = READERS[CENSUS](bom)
    assert frame.lsoa_code.iloc[0] == LSOA21[0] and frame.lsoa_name.iloc[0] == "Ynys Môn – café"
    zipped_cp = tmp_path / "cp.zip"
    zipped_cp.write_bytes(zip_bytes({"data.csv": cp.read_bytes()}))
    assert READERS[CENSUS](zipped_cp).lsoa_name.iloc[0] == "Ynys Môn – café"


def test_zip_traversal_writes_nothing_outside(tmp_path):
    """Refusing a '../' member happens before anything is read or written: no file appears next to the zip."""
    inside = tmp_path / "in"
    inside.mkdir()
    path = inside / "a.zip"
    path.write_bytes(zip_bytes({"../escaped.csv": CSV}))
    before = set(tmp_path.rglob("*"))
    with pytest.raises(DataError, match="outside the archive"):
        READERS[CENSUS](path)
    assert set(tmp_path.rglob("*")) == before


def test_zip_bomb_is_refused_without_inflating(tmp_path, monkeypatch):
    """The bomb is refused from its declared size: no member is ever opened."""
    path = zipped({"data.csv": BOMB})(tmp_path)
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or real_open(self, *a, **k))
    with pytest.raises(DataError, match="zip bomb"):
        READERS[CENSUS](path)
    assert opened == []


def test_unplaced_point_is_not_a_polygon_even_inside_britain(tmp_path):
    path = geojson([_feature(LSOA21[0], Point(-1, 54).__geo_interface__)])(tmp_path)
    with pytest.raises(DataError, match="not an area"):
        READERS["lsoa21_boundaries"](path)
