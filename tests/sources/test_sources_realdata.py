"""Every shared official file reads, validates and matches the row counts and totals SOURCES.md records."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.sources import check_lsoa_vintage, discover, upper_tier_for

pytestmark = pytest.mark.realdata

ROWS = {
    "lsoa21_boundaries": 33_755,
    "msoa21_boundaries": 6_856,
    "lad_boundaries": 296,
    "icb_boundaries": 42,
    "imd2025": 33_755,
    "imd2019": 32_844,
    "iod2025_indicators": 33_755,
    "iod2025_subdomains": 33_755,
    "population_census2021": 35_672,
    "population_mid2020": 34_753,
    "population_iod2019": 32_844,
    "gp_registrations": 868_505,
    "practice_map": 6_202,
    "epraccur": 15_971,
    "practice_geocodes": 6_325,
    "postcode_centroids": 143_668,
    "lsoa11_lsoa21_lookup": 35_796,
    "lsoa11_icb_lookup": 32_844,
    "lsoa21_icb_lookup": 33_755,
    "lsoa21_ward_lad_lookup": 35_672,
    "rural_urban": 35_672,
    "ae_monthly_icb": 1_680,
    "ae_monthly_trust": 7_895,
    "ethnicity_census2021": 35_672,
    "qof_prevalence": 129_948,
    "practice_ages": 6_139 * 2 * 20,  # practices x FEMALE/MALE x 20 five-year bands (totals are checked, then dropped)
}


@pytest.fixture(scope="module")
def cat(data_dir):
    return discover(data_dir)


@pytest.mark.parametrize("dataset", sorted(ROWS))
def test_every_shared_file_reads_with_published_row_count(cat, dataset):
    df = cat.read(dataset)
    assert len(df) == ROWS[dataset]
    assert df.attrs["dataset"] == dataset
    assert df.attrs["file"].endswith(cat.path(dataset).name)
    assert df.attrs["vintage"] and df.attrs["source_label"]


def test_folder_lists_only_the_files_we_lack(cat):
    assert not cat.unreadable and not cat.unrecognised
    assert dict(cat.missing()).keys() == {"population_iod2025", "lad_utla_lookup"}
    assert "gov.uk" in dict(cat.missing())["population_iod2025"]


def test_registrations_keep_unplaced_rows_and_totals(cat):
    reg = cat.read("gp_registrations")
    assert list(reg.columns) == ["practice_code", "practice_name", "lsoa_code", "patients"]
    assert reg.patients.dtype == "int64" and reg.patients.sum() == 62_581_556
    assert (reg.lsoa_code == "NO2011").sum() == 4_241
    assert reg.lsoa_code.str.startswith("W01").sum() == 240
    assert reg.practice_code.nunique() == 6_378
    assert reg.attrs["extract_date"] == "01Jul2023" and reg.attrs["vintage"] == "2023-07"


def test_imd2025_deciles_scores_and_vintage(cat):
    imd = cat.read("imd2025")
    assert imd.attrs["lsoa_vintage"] == 2021
    assert set(imd.imd_decile.value_counts()) == {3375, 3376}
    assert (imd.health_score < 0).any()  # domain z-scores are legitimately negative
    assert imd.housing_rank.notna().all() and imd.imd_score.notna().all()


def test_imd2019_takes_file2_and_has_no_scores(cat):
    imd = cat.read("imd2019")
    assert cat.path("imd2019").name == "imd2019_file2_domains.csv"
    assert imd.attrs["lsoa_vintage"] == 2011
    assert imd.imd_score.isna().all() and imd.income_rank.notna().all()
    assert imd.imd_score.dtype == float


def test_population_totals(cat):
    census = cat.read("population_census2021")
    assert census[census.lsoa_code.str.startswith("E")].population.sum() == 56_489_608
    mid = cat.read("population_mid2020")
    assert mid[mid.lsoa_code.str.startswith("E")].population.sum() == 56_550_138
    iod = cat.read("population_iod2019").set_index("lsoa_code")
    assert iod.loc["E01000001", "population"] == 1_296  # published as "1,296"


def test_llr_lookups_and_boundaries(cat):
    icb21 = cat.read("lsoa21_icb_lookup")
    llr = icb21[icb21.icb_code_nhs == "QK1"].lsoa_code
    assert len(llr) == 634
    assert (cat.read("lsoa11_icb_lookup").icb_code_nhs == "QK1").sum() == 611
    lsoas = cat.read("lsoa21_boundaries")
    assert lsoas.crs.to_epsg() == 27700
    area_km2 = lsoas[lsoas.lsoa_code.isin(llr)].area.sum() / 1e6
    assert 2_450 < area_km2 < 2_650
    practices = cat.read("practice_map")
    assert practices[practices.icb_code_nhs == "QK1"].pcn_code.nunique() == 27


def test_files_are_on_the_lsoa_vintage_they_claim(cat):
    lookup = cat.read("lsoa11_lsoa21_lookup")
    check_lsoa_vintage(cat.read("imd2025"), 2021, lookup)
    check_lsoa_vintage(cat.read("imd2019"), 2011, lookup)
    check_lsoa_vintage(cat.read("gp_registrations"), 2011, lookup)


def test_every_e07_district_of_2024_has_a_county(cat):
    lads = cat.read("lsoa21_ward_lad_lookup")[["lad_code", "lad_name"]].drop_duplicates()
    tiers = upper_tier_for(lads.lad_code, lads.lad_name)
    districts = tiers[tiers.lad_code.str.startswith("E07")]
    assert len(districts) == 164 and districts.utla_code.str.startswith("E10").all()
    assert districts.utla_code.nunique() == 21
    assert tiers.utla_code.notna().all()


def test_upper_tier_of_leicestershire_and_oxfordshire():
    tiers = upper_tier_for([f"E07000{n}" for n in range(129, 136)] + [f"E07000{n}" for n in range(177, 182)])
    assert tiers.utla_code.tolist() == ["E10000018"] * 7 + ["E10000025"] * 5
    assert set(tiers.utla_name) == {"Leicestershire", "Oxfordshire"}


def test_checksums_are_sha256_of_the_files(cat):
    sums = cat.checksums(["practice_map"])
    assert sums["practice_map"].startswith("7700ad1a3e4f58fa")


def test_ethnicity_recounts_from_the_raw_file(cat, data_dir):
    ours = cat.read("ethnicity_census2021")
    raw = pd.read_csv(data_dir / cat.path("ethnicity_census2021").name)
    england = raw[raw["geography code"].str.startswith("E")]
    total = england["Ethnic group: Total: All usual residents"].sum()
    assert total == 56_490_108
    assert ours[ours.lsoa_code.str.startswith("E")].ethnicity_total.sum() == total
    asian = england["Ethnic group: Asian, Asian British or Asian Welsh"].sum()
    assert ours[ours.lsoa_code.str.startswith("E")].ethnicity_asian.sum() == asian
    assert ours.attrs["lsoa_vintage"] == 2021 and ours.attrs["vintage"] == "Census 2021"


def test_qof_registers_recount_from_the_raw_file(cat, data_dir):
    ours = cat.read("qof_prevalence")
    raw = pd.read_csv(data_dir / cat.path("qof_prevalence").name, dtype={"PRACTICE_CODE": str})
    assert ours.practice_code.nunique() == raw.PRACTICE_CODE.nunique() == 6_188
    assert (ours.groupby("practice_code").register.nunique() == 21).all()
    hyp = raw[raw.GROUP_CODE == "HYP"]
    assert ours[ours.register == "HYP"].patients.sum() == hyp.REGISTER.sum()
    assert ours[ours.register == "HYP"].list_size.sum() == hyp.PRACTICE_LIST_SIZE.sum() > 60_000_000
    assert ours.attrs["vintage"] == "QOF 2024-25"


def test_practice_ages_recount_from_the_raw_file(cat, data_dir):
    ours = cat.read("practice_ages")
    raw = pd.read_csv(data_dir / cat.path("practice_ages").name, dtype=str)
    raw["n"] = raw.NUMBER_OF_PATIENTS.astype(int)
    totals = raw[(raw.ORG_TYPE == "GP") & (raw.SEX == "ALL") & (raw.AGE_GROUP_5 == "ALL")]
    regions = raw[(raw.ORG_TYPE == "Comm Region") & (raw.SEX == "ALL") & (raw.AGE_GROUP_5 == "ALL")]
    assert totals.n.sum() == regions.n.sum() == 63_436_508
    assert ours.patients.sum() == totals.n.sum()
    by_practice = ours.groupby("practice_code").patients.sum()
    pd.testing.assert_series_equal(
        by_practice, totals.set_index("ORG_CODE").n.sort_index(), check_names=False, check_index_type=False
    )
    assert set(ours.sex) == {"FEMALE", "MALE"} and ours.age_band.nunique() == 20
    assert ours.attrs["vintage"] == "2026-07"
