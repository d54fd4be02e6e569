"""The synthetic demo region: deterministic, well-formed codes, designed totals, valid geometry, official headers."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.demo import DEMO_AREA, demo_data_dir, is_current, write_demo_region
from geo.demo import store
from geo.demo.file_formats import EPRACCUR_FIELDS, LAYOUTS

ENGLAND_BNG = (82_000, 5_000, 656_000, 658_000)  # bounding box of England in EPSG:27700


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_region(folder, seed=1)
    return folder


def _csv(demo: Path, key: str) -> pd.DataFrame:
    return pd.read_csv(demo / LAYOUTS[key].file, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _geo(demo: Path, key: str) -> gpd.GeoDataFrame:
    return gpd.read_file(demo / LAYOUTS[key].file).to_crs(27700)


def test_same_seed_gives_byte_identical_files(demo, tmp_path):
    write_demo_region(tmp_path, seed=1)
    for path in sorted(demo.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_committed_demo_data_matches_a_fresh_generation(demo):
    assert is_current(store.REPO_DEMO_DIR), "data/demo is stale: run `python -m geo.demo` (and bump GENERATOR_VERSION)"
    fresh = json.loads((demo / "manifest.json").read_text())
    committed = json.loads((store.REPO_DEMO_DIR / "manifest.json").read_text())
    assert committed == fresh
    assert sum(p.stat().st_size for p in store.REPO_DEMO_DIR.iterdir()) < 3_000_000


def test_demo_data_dir_prefers_the_repository_copy_and_regenerates_when_stale(tmp_path, monkeypatch):
    assert demo_data_dir() == store.REPO_DEMO_DIR
    monkeypatch.setattr(store, "REPO_DEMO_DIR", tmp_path / "missing")
    folder = demo_data_dir()
    assert folder.name == "demo-data" and is_current(folder)
    (folder / LAYOUTS["ruc21"].file).write_text("tampered\n")
    assert not is_current(folder)
    assert demo_data_dir() == folder and is_current(folder)


def test_codes_are_unique_and_cannot_collide_with_real_ones(demo):
    census = _csv(demo, "census2021_age6")
    assert census.lsoa21_code.is_unique and census.lsoa21_code.str.fullmatch(r"E0199\d{4}").all()
    assert (
        census.lsoa21_name.is_unique and census.lsoa21_name.str.fullmatch(r"Demo (City|Towns|Rural) \d{3}[A-Z]").all()
    )
    lookup = _csv(demo, "lsoa11_lsoa21_lad22")
    assert lookup.LSOA11CD.str.fullmatch(r"E019[89]\d{4}").all()
    assert lookup.CHGIND.value_counts().to_dict() == {"U": 192, "S": 6, "M": 4}
    assert set(lookup.LSOA21CD) == set(census.lsoa21_code)
    wards = _csv(demo, "lsoa21_ward24")
    assert wards.ward24_code.str.fullmatch(r"E05999\d{3}").all()
    assert set(wards.ltla24_code) == {"E06999901", "E07999901", "E07999902"}
    gp = _csv(demo, "gp_practice_map")
    assert gp.PRACTICE_CODE.is_unique and gp.PRACTICE_CODE.str.fullmatch(r"Y99\d{3}").all()
    assert gp.PCN_CODE.str.fullmatch(r"U99\d{3}").all() and gp.PCN_CODE.nunique() == 8
    assert gp.PRACTICE_POSTCODE.str.fullmatch(r"ZZ\d \d[A-Z]{2}").all()
    assert set(gp.ICB_CODE) == {DEMO_AREA} and set(gp.ONS_ICB_CODE) == {"E54999999"}
    assert set(_csv(demo, "lsoa21_sicbl24").sicbl24_code) == {"E38999901"}


def test_populations_and_registrations_sum_as_designed(demo):
    census = (
        _csv(demo, "census2021_age6")
        .set_index("lsoa21_code")
        .astype({c: int for c in LAYOUTS["census2021_age6"].header[2:]})
    )
    bands = list(LAYOUTS["census2021_age6"].header[3:])
    assert (census[bands].sum(axis=1) == census.usual_residents_total).all()
    assert census.usual_residents_total.between(1_400, 1_800).all()
    residents = census.usual_residents_total.sum()
    assert 300_000 <= residents <= 340_000

    sya = _csv(demo, "mye2020_sya")
    ages = sya.columns[3:]
    assert (sya[ages].astype(int).sum(axis=1) == sya.total_population.astype(int)).all()
    assert set(sya.lsoa11_code) == set(_csv(demo, "lsoa11_lsoa21_lad22").LSOA11CD)

    regs = _csv(demo, "gp_registrations_lsoa").astype({"NUMBER_OF_PATIENTS": int})
    in_area = regs[regs.LSOA_CODE.str.startswith("E01")]
    assert 0.97 <= in_area.NUMBER_OF_PATIENTS.sum() / residents <= 1.03
    assert set(in_area.LSOA_CODE) == set(sya.lsoa11_code)  # registrations are on LSOA 2011, every LSOA present
    assert (regs.LSOA_CODE == "NO2011").sum() >= 3 and regs.LSOA_CODE.str.startswith("W01").sum() == 1
    lists = regs.groupby("PRACTICE_CODE").NUMBER_OF_PATIENTS.sum()
    assert len(lists) == 30 and lists.between(3_000, 20_000).all()

    ae = _csv(demo, "ae_monthly_icb")
    assert len(ae) == 40 and set(ae.icb22_code) == {"E54999999"}
    per_1000 = ae.total_attendances.astype(float).sum() / 40 * 12 / residents * 1000
    assert 330 <= per_1000 <= 370


def test_deprivation_is_consistent_and_city_most_deprived(demo):
    iod = _csv(demo, "iod2025_scores").set_index("lsoa21_code")
    for domain in ["IMD", "Income", "Health", "Environment"]:
        rank, dec = iod[f"{domain}_rank"].astype(int), iod[f"{domain}_decile"].astype(int)
        assert rank.between(1, 33_755).all() and rank.is_unique
        assert (dec == (rank - 1) * 10 // 33_755 + 1).all()
    score = iod.IMD_score.astype(float)
    assert score.corr(iod.IMD_rank.astype(float), method="spearman") < -0.99
    lad = _csv(demo, "lsoa21_ward24").set_index("lsoa21_code").ltla24_code
    assert score.groupby(lad).mean().idxmax() == "E06999901"
    ind = _csv(demo, "iod2025_indicators").set_index("lsoa21_code")
    acute = ind.acute_morbidity_indicator.astype(float)
    assert acute.corr(iod.Health_score.astype(float)) > 0.6
    imd19 = (demo / LAYOUTS["imd2019_file1"].file).read_bytes()
    assert imd19.startswith(b"\xef\xbb\xbf") and b"\r\n" in imd19 and re.search(rb'"\d{1,2},\d{3}"', imd19)


def test_geometry_is_valid_in_england_and_the_island_touches_nothing(demo):
    lsoa21 = _geo(demo, "lsoa21_boundaries")
    assert len(lsoa21) == 200 and lsoa21.is_valid.all()
    minx, miny, maxx, maxy = lsoa21.total_bounds
    assert ENGLAND_BNG[0] < minx and maxx < ENGLAND_BNG[2] and ENGLAND_BNG[1] < miny and maxy < ENGLAND_BNG[3]
    touching = lsoa21.sjoin(lsoa21, predicate="intersects")
    neighbours = (
        touching[touching.index != touching.index_right].groupby(level=0).size().reindex(lsoa21.index, fill_value=0)
    )
    isolated = lsoa21.loc[neighbours == 0]
    assert len(isolated) == 1 and isolated.lsoa21_name.iloc[0].startswith("Demo Rural")
    overlap = shapely.union_all(lsoa21.geometry.values).area
    assert overlap == pytest.approx(lsoa21.area.sum(), rel=1e-6)  # a coverage: no overlaps
    lsoa11 = _geo(demo, "lsoa11_boundaries")
    assert lsoa11.is_valid.all() and lsoa11.area.sum() == pytest.approx(lsoa21.area.sum(), rel=1e-6)
    lads = _geo(demo, "lad_boundaries")
    assert len(lads) == 3 and lads.area.sum() == pytest.approx(lsoa21.area.sum(), rel=1e-6)
    practices = _csv(demo, "codepoint")
    points = gpd.points_from_xy(practices.Eastings.astype(float), practices.Northings.astype(float), crs=27700)
    assert gpd.GeoSeries(points).within(lsoa21.union_all()).all()


def test_every_file_has_its_official_header(demo):
    for key, layout in LAYOUTS.items():
        path = demo / layout.file
        if key == "epraccur":
            rows = list(csv.reader(io.StringIO(path.read_text())))
            assert {len(r) for r in rows} == {EPRACCUR_FIELDS}
            assert all(line.startswith('"') and line.endswith('"') for line in path.read_text().splitlines())
            assert sorted({(r[12], r[25]) for r in rows}) == [("A", "4"), ("C", "4")]
        elif path.suffix == ".geojson":
            features = json.loads(path.read_text())["features"]
            assert all(tuple(f["properties"]) == layout.header for f in features), key
            assert {f["geometry"]["type"] for f in features} == {"MultiPolygon"}
        else:
            first = path.read_text(encoding="utf-8-sig").splitlines()[0]
            assert next(csv.reader([first])) == list(layout.header), key


@pytest.mark.realdata
def test_headers_match_the_official_files(demo, data_dir):
    for key, layout in LAYOUTS.items():
        if not layout.shared:
            continue
        official = data_dir / layout.shared
        with official.open(encoding="utf-8-sig") as handle:
            head = [handle.readline() for _ in range(7)]
        ours = (demo / layout.file).read_text(encoding="utf-8-sig").splitlines()
        if key == "epraccur":
            assert len(next(csv.reader([head[0]]))) == EPRACCUR_FIELDS == len(next(csv.reader([ours[0]])))
        elif layout.file.endswith(".geojson"):
            # Same GDAL preamble apart from the collection's name (line 3); same property names in the same order.
            assert [ours[i] for i in (0, 1, 3, 4, 5)] == [head[i].rstrip("\n") for i in (0, 1, 3, 4, 5)], key
            first = head[6].rstrip().rstrip(",")
            props = json.loads(first[: first.index(', "geometry"')] + " }")["properties"]
            assert tuple(props) == layout.header, key
        else:
            assert head[0].rstrip("\r\n") == ours[0], key


#: The dataset key geo.sources gives each demo layout.
SOURCES_DATASET = {
    "lsoa21_boundaries": "lsoa21_boundaries", "lsoa11_boundaries": "lsoa11_boundaries",
    "lad_boundaries": "lad_boundaries", "iod2025_scores": "imd2025", "iod2025_indicators": "iod2025_indicators",
    "census2021_age6": "population_census2021", "mye2020_sya": "population_mid2020", "imd2019_file1": "imd2019",
    "lsoa11_lsoa21_lad22": "lsoa11_lsoa21_lookup", "lsoa11_subicb22": "lsoa11_icb_lookup",
    "lsoa21_sicbl24": "lsoa21_icb_lookup", "lsoa21_ward24": "lsoa21_ward_lad_lookup", "ruc21": "rural_urban",
    "gp_practice_map": "practice_map", "practice_pcn_geocoded": "practice_geocodes", "epraccur": "epraccur",
    "codepoint": "postcode_centroids", "gp_registrations_lsoa": "gp_registrations",
    "lad_utla_lookup": "lad_utla_lookup", "ae_monthly_icb": "ae_monthly_icb",
}  # fmt: skip


def test_geo_sources_recognises_and_reads_every_demo_file():
    sources = pytest.importorskip("geo.sources")
    if not hasattr(sources, "discover"):
        pytest.skip("geo.sources.discover is not written yet")
    assert set(SOURCES_DATASET) == set(LAYOUTS)
    catalogue = sources.discover(demo_data_dir())
    found = {f.dataset: f.path.name for f in catalogue.found}
    wrong = {k: found.get(d) for k, d in SOURCES_DATASET.items() if found.get(d) != LAYOUTS[k].file}
    assert not wrong, f"geo.sources recognised these demo files as something else (or not at all): {wrong}"
    for dataset in SOURCES_DATASET.values():
        assert len(catalogue.read(dataset)) > 0, dataset
