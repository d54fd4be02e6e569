"""Local authorities come from the official LSOA -> LAD lookup (not the ward best fit), and the optional
ethnicity, QOF and practice age tables join the atlas; every figure is recounted from the raw files."""

import pandas as pd
import pytest

from geo.atlas import load_atlas
from geo.atlas.lookups import lsoa_geography
from geo.atlas.vintages import VINTAGES
from geo.sources import discover

pytestmark = pytest.mark.realdata
NEW_UNITARIES_2023 = {"E06000063", "E06000064", "E06000065", "E06000066"}  # Cumberland ... Somerset


@pytest.fixture(scope="module")
def raw(data_dir):
    lookup = pd.read_csv(data_dir / "lsoa11_lsoa21_lad22_lookup.csv", dtype=str)
    official = lookup.drop_duplicates("LSOA21CD").set_index("LSOA21CD").LAD22CD
    census = pd.read_csv(data_dir / "census2021_lsoa21_usual_residents_age6.csv").set_index("lsoa21_code")
    wards = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str)
    return {"official": official, "census": census.usual_residents_total, "lad24": set(wards.ltla24_code)}


@pytest.fixture(scope="module")
def geography(data_dir):
    return lsoa_geography(discover(data_dir), VINTAGES[2021]).set_index("lsoa_code")


def test_every_lsoa_is_in_its_official_district(geography, raw):
    official = raw["official"].reindex(geography.index)
    assert official.notna().all()
    kept = official.isin(raw["lad24"])  # districts that still exist in 2024 keep their code
    assert (geography.lad_code[kept] == official[kept]).all()
    # The rest were merged whole in 2023: each old district lies in exactly one new unitary.
    merged = pd.DataFrame({"old": official[~kept], "new": geography.lad_code[~kept]})
    assert set(merged.new) == NEW_UNITARIES_2023
    assert (merged.groupby("old").new.nunique() == 1).all()


def test_e01027305_is_in_west_northamptonshire_and_oxfordshire_has_428(geography, raw):
    assert geography.loc["E01027305", "lad_code"] == raw["official"]["E01027305"] == "E06000062"
    oxon = [f"E0700017{n}" for n in range(7, 10)] + ["E07000180", "E07000181"]
    assert (geography.utla_code == "E10000025").sum() == raw["official"].isin(oxon).sum() == 428


def test_west_northamptonshire_residents_recounted(data_dir, raw):
    atlas = load_atlas("e06000062", data_dir=data_dir)  # lower case: codes are case-insensitive
    codes = raw["official"].index[raw["official"] == "E06000062"]
    assert sorted(atlas.lsoas.index) == sorted(codes)
    assert atlas.lsoas.resident_population.sum() == raw["census"].reindex(codes).sum() == 425_733
    assert set(atlas.lsoas.ward_code.str[:3]) == {"E05"}


@pytest.fixture(scope="module")
def qk1(data_dir):
    return load_atlas("QK1", data_dir=data_dir)


def test_qk1_ethnicity_recounted_from_ts021(qk1, data_dir):
    ts021 = pd.read_csv(data_dir / "census2021_ts021_ethnicity_lsoa21.csv").set_index("geography code")
    mine = ts021.reindex(qk1.lsoas.index)
    total = mine["Ethnic group: Total: All usual residents"].sum()
    asian = mine["Ethnic group: Asian, Asian British or Asian Welsh"].sum()
    assert qk1.lsoas.ethnicity_total.sum() == total == 1_122_002
    assert qk1.lsoas.ethnicity_asian.sum() == asian and round(100 * asian / total, 1) == 19.5
    groups = ["ethnicity_asian", "ethnicity_black", "ethnicity_mixed", "ethnicity_white", "ethnicity_other"]
    assert (qk1.lsoas[groups].sum(axis=1) == qk1.lsoas.ethnicity_total).all()
    assert qk1.sources["ethnicity_census2021"].vintage == "Census 2021"


def test_qk1_qof_and_practice_ages_recounted(qk1, data_dir):
    practices = set(qk1.practices.index)
    qof = pd.read_csv(data_dir / "qof_prevalence_by_practice_2024-25.csv", dtype={"PRACTICE_CODE": str})
    qof = qof[qof.PRACTICE_CODE.isin(practices)]
    assert set(qk1.qof.practice_code) == set(qof.PRACTICE_CODE) and qof.PRACTICE_CODE.nunique() == 126
    hyp = qk1.qof[qk1.qof.register == "HYP"]
    assert hyp.patients.sum() == qof[qof.GROUP_CODE == "HYP"].REGISTER.sum()
    assert hyp.list_size.sum() == qof[qof.GROUP_CODE == "HYP"].PRACTICE_LIST_SIZE.sum()
    ages = pd.read_csv(data_dir / "gp-reg-pat-prac-quin-age_2026-07.csv", dtype=str)
    totals = ages[(ages.ORG_TYPE == "GP") & (ages.SEX == "ALL") & (ages.AGE_GROUP_5 == "ALL")]
    totals = totals[totals.ORG_CODE.isin(practices)].set_index("ORG_CODE").NUMBER_OF_PATIENTS.astype(int)
    assert len(totals) == 127 and totals.sum() == 1_228_145
    ours = qk1.practices.list_size_2026_07
    assert ours.notna().sum() == 127 and (ours.dropna() == totals.reindex(ours.dropna().index)).all()
    assert qk1.practice_ages.groupby("practice_code").patients.sum().sum() == totals.sum()
    assert qk1.sources["qof_prevalence"].vintage == "QOF 2024-25"
    assert qk1.sources["practice_ages"].vintage == "2026-07"


def test_2011_atlas_bridges_ethnicity_as_counts(data_dir, qk1):
    atlas = load_atlas("QK1", data_dir=data_dir, vintage=2011)
    # LLR's outline is the same on both geographies, so bridging keeps its residents.
    assert abs(atlas.lsoas.ethnicity_total.sum() - qk1.lsoas.ethnicity_total.sum()) < 1
    assert "bridged to LSOA 2011" in atlas.sources["ethnicity_census2021"].vintage
    assert atlas.lsoas.ethnicity_total.notna().all() and atlas.lsoas.ward_code.isna().all()
