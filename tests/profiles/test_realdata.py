"""The HWB data pack of LLR (ICB QK1) on the official files: every new figure recounted with pandas from the raw
CSVs (not through the project's readers), no small counts in any output, and the A4 print looked at.

Two real plans: one neighbourhood per local authority (LSOA-built: its practice figures are estimates) and one per
primary care network (list-based: exact).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.plan import Plan
from geo.profiles import neighbourhood_profiles
from geo.profiles.figures import ENGLAND, ICB
from geo.testing.disclosure import assert_no_small_counts

pytestmark = pytest.mark.realdata
CHROMIUM = os.environ.get("NHP_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def atlas(data_dir):
    from geo.atlas.build import load_atlas

    return load_atlas("QK1", data_dir=data_dir)


@pytest.fixture(scope="module")
def raw(data_dir):
    """The raw files, read plainly with pandas."""
    practice_map = pd.read_csv(data_dir / "gp-reg-pat-prac-map_2025-10.csv", dtype=str)
    qof = pd.read_csv(data_dir / "qof_prevalence_by_practice_2024-25.csv", dtype={"PRACTICE_CODE": str})
    ages = pd.read_csv(data_dir / "gp-reg-pat-prac-quin-age_2026-07.csv", dtype=str)
    ages["NUMBER_OF_PATIENTS"] = ages.NUMBER_OF_PATIENTS.astype(int)
    ethnicity = pd.read_csv(data_dir / "census2021_ts021_ethnicity_lsoa21.csv")
    icb_lsoas = pd.read_csv(data_dir / "lsoa21_sicbl24_icb24_lookup.csv", dtype=str)
    lads = pd.read_csv(data_dir / "lsoa21_ward24_lad24_lookup.csv", dtype=str)
    return {"map": practice_map, "qof": qof, "ages": ages, "ethnicity": ethnicity, "icb_lsoas": icb_lsoas, "lads": lads}


@pytest.fixture(scope="module")
def by_lad(atlas):
    plan = Plan(atlas, atlas.lsoas.lad_name.astype(str), target=120_000, tolerance=0.9)
    return plan, neighbourhood_profiles(plan)


@pytest.fixture(scope="module")
def by_pcn(atlas):
    practices = atlas.practices[atlas.practices.in_area.fillna(False).astype(bool)]
    plan = Plan.from_practices(atlas, practices.pcn_code.astype(str), target=50_000, tolerance=0.9)
    return plan, neighbourhood_profiles(plan)


def _margin(parts: pd.Series) -> float:
    """A total published from practice parts, recounted by the rule of README's "Disclosure": exact when no part
    is 1 to 7, else each such part counted as 4 and the total rounded to 10 (missing when the others are all 0)."""
    values = parts.astype(float).fillna(0.0)
    small = (values > 0) & (values < 7.5)
    if not small.any():
        return float(values.sum())
    shown = float(values[~small].sum())
    return float("nan") if shown == 0 else float(np.floor((shown + 4 * small.sum()) / 10 + 0.5) * 10)


def _prevalence(frame: pd.DataFrame) -> pd.Series:
    grouped = frame.groupby("GROUP_CODE")
    register = grouped.REGISTER.agg(_margin)
    listed = grouped.PRACTICE_LIST_SIZE.agg(_margin)
    return (100 * register / listed).round(1)


def _published(profiles, area: str) -> pd.Series:
    cond = profiles.figures.conditions
    return cond[cond.area == area].set_index("register").prevalence_pct


def test_icb_and_england_qof_prevalence_recounted_from_the_raw_csv(by_lad, raw):
    _, profiles = by_lad
    llr_codes = set(raw["map"].loc[raw["map"].ICB_CODE == "QK1", "PRACTICE_CODE"])
    icb = _prevalence(raw["qof"][raw["qof"].PRACTICE_CODE.isin(llr_codes)])
    england = _prevalence(raw["qof"])
    pd.testing.assert_series_equal(_published(profiles, ICB).sort_index(), icb.sort_index(), check_names=False)
    pd.testing.assert_series_equal(_published(profiles, ENGLAND).sort_index(), england.sort_index(), check_names=False)
    assert england["HYP"] == 15.2  # as SOURCES.md checks: registers as a share of the all-age list


def test_list_based_neighbourhoods_have_the_exact_qof_prevalence_of_their_practices(by_pcn, raw):
    plan, profiles = by_pcn
    assert plan.practice_assignment is not None
    cond = profiles.figures.conditions
    assert not cond[cond.area.isin(plan.neighbourhoods)].estimate.any()
    # The plan defines which practices make each neighbourhood; their registers come from the raw file.
    qof = raw["qof"].assign(hood=raw["qof"].PRACTICE_CODE.map(plan.practice_assignment))
    for pcn in plan.neighbourhoods:
        got = _published(profiles, pcn)
        expected = _prevalence(qof[qof.hood == pcn]).reindex(got.index)
        shown = got.notna()
        pd.testing.assert_series_equal(got[shown], expected[shown], check_names=False, obj=pcn)
        assert shown.sum() >= 18, pcn  # only a rare register of a small network is ever suppressed


def test_lsoa_built_neighbourhoods_are_labelled_estimates(by_lad, tmp_path):
    plan, profiles = by_lad
    cond = profiles.figures.conditions
    assert cond[cond.area.isin(plan.neighbourhoods)].estimate.all()
    text = profiles.write(tmp_path / "p.html").read_text(encoding="utf-8")
    assert text.count("Estimates: this neighbourhood is built from LSOAs") == len(plan.neighbourhoods)
    assert "QOF 2024-25" in text and "Census 2021" in text and "2026-07" in text


def test_ethnicity_recounted_from_the_raw_ts021(by_lad, raw):
    _, profiles = by_lad
    eth = raw["ethnicity"].set_index("geography code")
    total = "Ethnic group: Total: All usual residents"
    asian = "Ethnic group: Asian, Asian British or Asian Welsh"
    llr = raw["icb_lsoas"].loc[raw["icb_lsoas"].icb24_code_nhs == "QK1", "lsoa21_code"]
    leicester = raw["lads"].loc[raw["lads"].ltla24_code == "E06000016", "lsoa21_code"]
    england = eth[eth.index.str.startswith("E")]
    published = profiles.figures.ethnicity
    for area, codes in ((ICB, llr), ("Leicester", leicester), (ENGLAND, england.index)):
        rows = eth.loc[codes]
        assert published.loc[area, "ethnicity_asian"] == round(100 * rows[asian].sum() / rows[total].sum()), area
    assert published.loc[ICB, "ethnicity_asian"] == 19  # SOURCES.md: LLR is 19.5% Asian -> a whole percent


def test_registered_ages_recounted_from_the_raw_age_file(by_lad, raw, atlas):
    _, profiles = by_lad
    ages = raw["ages"]
    bands = ages[(ages.SEX != "ALL") & (ages.AGE_GROUP_5 != "ALL")]
    practices = atlas.practices.index[atlas.practices.in_area.fillna(False).astype(bool)]
    # The study area's cells are totals of its practices' cells, published as margins (practices are the parts).
    icb = bands[(bands.ORG_TYPE == "GP") & bands.ORG_CODE.isin(practices)].groupby(["SEX", "AGE_GROUP_5"])
    icb = icb.NUMBER_OF_PATIENTS.agg(_margin)
    region = bands[bands.ORG_TYPE == "Comm Region"].groupby(["SEX", "AGE_GROUP_5"]).NUMBER_OF_PATIENTS.sum()
    published = profiles.figures.ages.set_index(["area", "sex", "age_band"])
    for area, counts in ((ICB, icb), (ENGLAND, region)):
        got = published.loc[area]
        pd.testing.assert_series_equal(
            got.patients.sort_index(), counts.astype(float).sort_index(), check_names=False, obj=area
        )
        share = (100 * counts / counts.sum()).round(2)
        pd.testing.assert_series_equal(got.pct.sort_index(), share.sort_index(), check_names=False, obj=area)


def test_no_output_holds_a_small_count(by_lad, by_pcn, tmp_path):
    for name, (_, profiles) in (("lad", by_lad), ("pcn", by_pcn)):
        for suffix in (".html", ".csv", ".xlsx"):
            assert_no_small_counts(profiles.write(tmp_path / f"{name}{suffix}"))
        for frame in pd.read_excel(tmp_path / f"{name}.xlsx", sheet_name=None, header=3, dtype=str).values():
            assert_no_small_counts(frame)
        assert_no_small_counts(profiles.figures.conditions)
        assert_no_small_counts(profiles.figures.ages)


@pytest.mark.browser
def test_a4_print_has_two_pages_per_neighbourhood_and_a_screenshot(by_pcn, tmp_path, request):
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    plan, profiles = by_pcn
    page = profiles.write(tmp_path / "pack.html")
    pdf = tmp_path / "pack.pdf"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", data))
    sizes = {
        tuple(round(float(v)) for v in m.groups())
        for m in re.finditer(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\]", data)
    }
    assert sizes == {(595, 842)}, sizes  # A4 in points
    hoods = len(plan.neighbourhoods)
    assert 2 * hoods + 1 <= pages <= 2 * hoods + 8, pages  # summary, two pages each, notes
    playwright = request.getfixturevalue("playwright_session")  # one driver per process (tests/conftest.py)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
    tab = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    tab.emulate_media(media="print")
    tab.goto(page.resolve().as_uri())
    first = tab.locator("section.hood").first
    shot = tmp_path / "a4-neighbourhood.png"
    first.screenshot(path=str(shot))
    assert tab.locator("section.hood").count() == hoods
    browser.close()
    assert shot.stat().st_size > 50_000  # a page of text and charts, not a blank
    if os.environ.get("NHP_SCREENSHOT_DIR"):
        folder = Path(os.environ["NHP_SCREENSHOT_DIR"])
        for path in (pdf, shot):
            (folder / path.name).write_bytes(path.read_bytes())
