"""The LLR (QK1) atlas and its summary agree with the official files, recomputed here independently."""

import json

import pandas as pd
import pytest

from geo.atlas import load_atlas
from cli import main
from geo.atlas.summary import atlas_summary

from tests.atlas.atlas_recount import scaled_registrations, to_lsoa21

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def qk1(data_dir):
    return load_atlas("QK1", data_dir=data_dir)


def expected_qk1_summary(raw) -> pd.DataFrame:
    """Recompute the QK1 summary straight from the CSVs with plain pandas (no project code)."""
    icb = pd.read_csv(raw / "lsoa21_sicbl24_icb24_lookup.csv", dtype=str)
    lsoas = icb.loc[icb.icb24_code_nhs == "QK1", ["lsoa21_code"]]
    # Local authorities from the official LSOA -> LAD lookup (LLR's codes did not change between 2022 and 2024).
    lad = pd.read_csv(raw / "lsoa11_lsoa21_lad22_lookup.csv", dtype=str).drop_duplicates("LSOA21CD")
    lad = lad.rename(columns={"LSOA21CD": "lsoa21_code", "LAD22CD": "ltla24_code", "LAD22NM": "ltla24_name"})
    lsoas = lsoas.merge(lad[["lsoa21_code", "ltla24_code", "ltla24_name"]], on="lsoa21_code")
    census = pd.read_csv(raw / "census2021_lsoa21_usual_residents_age6.csv").set_index("lsoa21_code")
    population = census.usual_residents_total
    # Today's (July 2026) lists spread over the July 2023 home LSOAs, then bridged to LSOA 2021.
    registered = to_lsoa21(raw, scaled_registrations(raw).groupby("LSOA_CODE").patients.sum())
    decile = pd.read_csv(raw / "iod2025_lsoa21_scores_ranks_deciles.csv").set_index("lsoa21_code").IMD_decile
    lsoas["resident"] = lsoas.lsoa21_code.map(population)
    lsoas["registered"] = lsoas.lsoa21_code.map(registered)
    lsoas["quintile"] = (lsoas.lsoa21_code.map(decile) + 1) // 2
    rows = []
    for (code, name), part in list(lsoas.groupby(["ltla24_code", "ltla24_name"])) + [(("QK1", "Total"), lsoas)]:
        row = {
            "lad_code": code,
            "lad_name": name,
            "lsoas": len(part),
            "resident_population": int(part.resident.sum()),
            "registered_population": round(part.registered.sum()),
        }
        for q in range(1, 6):
            row[f"imd_q{q}_pct"] = round(100 * part.registered[part.quintile == q].sum() / part.registered.sum(), 1)
        rows.append(row)
    return pd.DataFrame(rows)


def qk1_registered(raw) -> float:
    """Registered residents of LLR today: July 2026 lists spread by July 2023 home shares (LSOA 2011 codes)."""
    icb = pd.read_csv(raw / "lsoa11_subicb22_icb22_lad22_lookup.csv", dtype=str)
    lsoas = set(icb.LSOA11CD[icb.ICB22CDH == "QK1"])
    scaled = scaled_registrations(raw)
    return float(scaled.patients[scaled.LSOA_CODE.isin(lsoas)].sum())


def test_qk1_has_634_lsoas_and_about_1_2_million_registered(qk1, data_dir):
    assert len(qk1.lsoas) == 634
    assert qk1.lsoas.resident_population.sum() == 1_121_954
    assert abs(qk1.lsoas.registered_population.sum() - qk1_registered(data_dir)) < 1
    assert set(qk1.lsoas.lad_code) == {"E06000016", "E06000017", *(f"E070001{n}" for n in range(29, 36))}
    assert qk1.lsoas.crs.to_epsg() == 27700
    assert qk1.lsoas.imd_decile.value_counts().sort_index().tolist() == [43, 68, 55, 44, 44, 74, 78, 92, 74, 62]


def test_qk1_summary_matches_independent_recount(qk1, data_dir):
    ours = atlas_summary(qk1, by="lad")
    expected = expected_qk1_summary(data_dir)
    pd.testing.assert_frame_equal(
        ours.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False, check_exact=False, atol=0.051
    )


def test_qk1_practices_layer(qk1):
    practices = qk1.practices
    assert len(practices) == 128  # the Oct 2025 practice map's LLR practices
    assert practices.pcn_code.nunique() == 27
    assert practices.geometry.notna().all() and practices.crs.to_epsg() == 27700
    assert practices.in_area.mean() > 0.95
    assert 1_150_000 < practices.list_size.sum() < 1_260_000
    # Non-geographic units are out of the plans: the special allocation scheme and the asylum service
    assert set(practices.index[practices.status == "non_geographic"]) == {"Y03584", "Y05412"}


def test_qk1_registrations_bridging_is_reported(qk1, data_dir):
    report = qk1.bridge_report
    # LLR practices hold a few hundred patients with no LSOA (NO2011) and none living in Wales.
    assert 0 < report.patients_unplaced_no2011 < 5_000 and report.patients_unplaced_wales == 0
    assert report.patients_split > 0 and report.patients_merged > 0
    assert abs(report.patients_direct + report.patients_split + report.patients_merged - qk1_registered(data_dir)) < 1
    placed = report.patients_direct + report.patients_split + report.patients_merged
    unplaced = report.patients_unplaced_no2011 + report.patients_unplaced_wales + report.patients_unplaced_other
    assert abs(placed + unplaced - report.patients_total) < 1


def test_2011_geography_with_imd2019(data_dir):
    atlas = load_atlas("QK1", data_dir=data_dir, imd=2019)
    assert atlas.vintage == 2011 and atlas.imd_edition == 2019
    assert len(atlas.lsoas) == 611
    assert abs(atlas.lsoas.registered_population.sum() - qk1_registered(data_dir)) < 1


def test_cached_atlas_is_the_same(data_dir, qk1):
    again = load_atlas("QK1", data_dir=data_dir)
    pd.testing.assert_frame_equal(
        pd.DataFrame(again.lsoas.drop(columns="geometry")), pd.DataFrame(qk1.lsoas.drop(columns="geometry"))
    )


def test_cli_summary_csv_and_json(data_dir, capsys):
    assert main(["atlas", "summary", "--area", "QK1", "--data-dir", str(data_dir), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == (
        "lad_code,lad_name,lsoas,resident_population,registered_population,"
        "imd_q1_pct,imd_q2_pct,imd_q3_pct,imd_q4_pct,imd_q5_pct"
    )
    assert lines[-1].startswith(f"QK1,Total,634,1121954,{round(qk1_registered(data_dir))},")
    assert main(["atlas", "summary", "--area", "QK1", "--data-dir", str(data_dir), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["total"]["lsoas"] == 634 and len(payload["rows"]) == 9


def test_cli_unknown_area_exits_2_without_traceback(data_dir, capsys):
    assert main(["atlas", "summary", "--area", "QXX", "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "QXX" in err and "Traceback" not in err
