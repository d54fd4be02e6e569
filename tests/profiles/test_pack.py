"""The HWB data pack on a synthetic grid: readable labels, the summary page and print layout, the formatted
workbook, the new figures recounted from the planted practice data, and disclosure control of every count."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.profiles import neighbourhood_profiles
from geo.profiles.england import England
from geo.profiles.figures import ENGLAND, ICB
from geo.profiles.html import page
from geo.columns import COLUMNS
from geo.testing.differencing import Margin, find_differences
from geo.testing.disclosure import assert_no_small_counts

RAW_NAMES = sorted({c for c in COLUMNS if "_" in c} | {"imd_q1_pct", "ratio_uci", "core20_pct", "age_0_15"})


@pytest.fixture(scope="module")
def place(place_plan, hotspots, england):
    return neighbourhood_profiles(place_plan, hotspots, england=england)


@pytest.fixture(scope="module")
def listed(list_plan, england):
    return neighbourhood_profiles(list_plan, england=england)


@pytest.fixture(scope="module")
def place_html(place, tmp_path_factory):
    path = place.write(tmp_path_factory.mktemp("pack") / "profiles.html")
    return path, path.read_text(encoding="utf-8")


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))


def test_html_shows_labels_and_never_a_raw_column_name(place_html):
    _, html = place_html
    for raw in RAW_NAMES:
        assert raw not in html, raw  # not in the text, nor in an attribute or a class name
    text = _visible_text(html)
    for column in ("imd_q1_pct", "ratio_uci", "core20_pct", "resident_population", "deviation_pct"):
        assert COLUMNS[column].label in text, column
    assert "Sources and methods" in text and COLUMNS["ratio_uci"].definition in text


def test_html_has_a_summary_page_charts_and_an_a4_print_layout(place_html, place):
    _, html = place_html
    summary = "".join(re.findall(r'<section class="sheet flow summary">(.*?)</section>', html, re.S))
    for name in [*place.summary.index, ICB, ENGLAND, *place.figures.comparator.values()]:
        assert f"<th>{name}</th>" in summary  # a row per neighbourhood, then the study area, each LA, England
    # two fixed-height A4 sheets per neighbourhood
    assert len(re.findall(r'<section class="sheet hood[ "]', html)) == len(place.summary)
    assert len(re.findall(r'<section class="sheet hood-2[ "]', html)) == len(place.summary)
    assert "@page{size:A4" in html and re.search(r"\.sheet\{height:2\d\dmm;overflow:hidden", html)
    # overview, then per neighbourhood: 2 locator maps, IMD, ethnicity, pyramid, residents' ages
    assert html.count("<svg") >= 1 + 6 * len(place.summary)
    assert "<script" not in html and 'src="http' not in html and "<link" not in html


def test_every_chart_and_table_names_its_source(place_html, place):
    _, html = place_html
    for section in re.findall(
        r'<section class="sheet hood".*?</section><section class="sheet hood-2.*?</section>', html, re.S
    ):
        for heading in ("Core20PLUS: ethnic groups", "Long-term conditions", "Registered patients by age and sex"):
            after = section.split(heading, 1)[1]
            assert "Source: " in after.split("<h3>", 1)[0] or "Source: " in after[:6000], heading
        # named in short under the chart (label and vintage); in full on the sources page
        assert "QOF disease registers (QOF 2024-25)" in section
        assert "Census 2021 TS021 ethnic group (Census 2021)" in section
        assert "Registered patients by age and sex (2026-07)" in section
    assert "QOF disease registers (planted) (QOF 2024-25)" in html


def test_xlsx_is_formatted_with_frozen_panes_widths_and_a_notes_sheet(place, tmp_path):
    path = place.write(tmp_path / "profiles.xlsx")
    book = load_workbook(path)
    assert {"Summary", "Practices", "Ethnicity", "Long-term conditions", "Registered by age", "Notes"} <= set(
        book.sheetnames
    )
    summary = book["Summary"]
    assert summary.freeze_panes == "B5"
    headings = [c.value for c in summary[4]]
    assert "Core20 (most deprived 20% of England)" in headings and not set(RAW_NAMES) & set(headings)
    assert summary.column_dimensions["A"].width >= 25 and summary.column_dimensions["B"].width >= 10
    residents = summary.cell(5, headings.index("Residents") + 1)
    assert residents.number_format == "#,##0" and isinstance(residents.value, (int, float))
    core20 = summary.cell(5, headings.index("Core20 (most deprived 20% of England)") + 1)
    assert core20.number_format == '0.0"%"'
    assert summary["A1"].font.bold and summary["A4"].font.bold
    notes = [c.value for row in book["Notes"].iter_rows() for c in row if c.value]
    assert "Notes, definitions and sources" in notes and COLUMNS["ratio_uci"].definition in notes
    assert "QOF disease registers (planted) (QOF 2024-25)" in notes
    assert any("Estimates:" in str(n) for n in notes)
    conditions = book["Long-term conditions"]
    assert conditions.freeze_panes == "B5" and conditions["A1"].value.startswith("Long-term conditions")


def test_a_name_that_looks_like_a_formula_is_written_as_text(england, tmp_path):
    from geo.plan import Plan
    from geo.testing import grid_atlas
    from tests.profiles.conftest import _pack

    atlas = _pack(grid_atlas(6, 4, lad_width=3, practice_every=3))
    evil = '=HYPERLINK("http://example.org","open")'  # a practice name from a data file, not checked on input
    atlas.practices.loc[atlas.practices.index[0], "practice_name"] = evil
    plan = Plan(atlas, pd.Series("All", index=atlas.codes), target=36000)
    path = neighbourhood_profiles(plan, england=england).write(tmp_path / "evil.xlsx")
    cells = [c for row in load_workbook(path)["Practices"].iter_rows(min_row=5) for c in row]
    cell = next(c for c in cells if c.value == evil)
    assert cell.data_type == "s"  # text, never a formula or a link


def _margin(parts) -> float:
    """The margin rule, recounted by hand: exact without a practice part of 1..7, else each such part as 4 and the
    total rounded to 10; nothing when the other parts are all 0."""
    parts = [float(v) for v in parts]
    small = [v for v in parts if 0 < v <= 7]
    shown = sum(v for v in parts if not 0 < v <= 7)
    if not small:
        return shown
    return np.nan if shown == 0 else float(np.floor((shown + 4 * len(small)) / 10 + 0.5) * 10)


def test_list_based_conditions_are_margins_of_the_neighbourhoods_practices(listed, list_plan, atlas):
    cond = listed.figures.conditions.set_index(["area", "register"])
    qof = atlas.qof.assign(hood=atlas.qof.practice_code.map(list_plan.practice_assignment))
    for (hood, register), rows in qof.groupby(["hood", "register"]):
        got = cond.loc[(hood, register)]
        expected, base = _margin(rows.patients), _margin(rows.list_size)
        assert not got.estimate
        if np.isnan(expected):
            assert np.isnan(got.patients) and np.isnan(got.prevalence_pct)
        else:
            assert got.patients == expected and got.prevalence_pct == round(100 * expected / base, 1)
    # planted: Network 2's practices have 2 and 4 patients with a learning disability (and nothing else on it)
    assert np.isnan(cond.loc[("Network 2", "LD")].patients)


def test_a_suppressed_register_cannot_be_recovered_from_the_study_area_total(listed):
    cond = listed.figures.conditions
    ld = cond[cond.register == "LD"].set_index("area")
    hoods = [h for h, kind in listed.figures.areas.items() if kind == "neighbourhood"]
    assert ld.loc["Network 2"].patients != ld.loc["Network 2"].patients  # suppressed (6)
    parts = {h: (None if np.isnan(ld.loc[h].patients) else float(ld.loc[h].patients)) for h in hoods}
    total = ld.loc[ICB].patients
    assert total % 10 == 0  # a margin with a suppressed part is rounded: 48 + 110 + 4 -> 160
    margin = Margin("study area", frozenset(hoods), float(total), rounded_to=10)
    assert find_differences(parts, [margin], threshold=7) == []
    exact = Margin("study area", frozenset(hoods), float(48 + 110 + 6))
    assert find_differences(parts, [exact], threshold=7)  # the check itself would catch an exact total


def test_place_based_conditions_are_estimates_shared_by_where_patients_live(place, place_plan, atlas):
    cond = place.figures.conditions
    hoods = list(place_plan.neighbourhoods)
    assert cond[cond.area.isin(hoods)].estimate.all() and not cond[cond.area == ICB].estimate.any()
    # Recount AF in each neighbourhood: each practice's register times the share of its list living there.
    reg = atlas.registrations.assign(hood=atlas.registrations.lsoa_code.map(place_plan.assignment))
    share = reg.groupby(["hood", "practice_code"]).patients.sum() / atlas.practices.list_size
    af = atlas.qof[atlas.qof.register == "AF"].set_index("practice_code")
    for hood in hoods:
        s = share.loc[hood]
        expected = (s * af.patients.reindex(s.index)).sum() / (s * af.list_size.reindex(s.index)).sum()
        got = cond[(cond.area == hood) & (cond.register == "AF")].prevalence_pct.iloc[0]
        assert got == round(100 * expected, 1), hood
    assert "Estimates: this neighbourhood is built from LSOAs" in page(place)


def test_ethnicity_is_a_whole_percent_of_residents_with_comparators(place, place_plan, atlas, england):
    eth = place.figures.ethnicity
    lsoas = atlas.lsoas.assign(hood=place_plan.assignment)
    for hood, group in lsoas.groupby("hood"):
        share = 100 * group.ethnicity_asian.sum() / group.ethnicity_total.sum()
        assert eth.loc[hood, "ethnicity_asian"] == round(share)
    assert eth.loc[ICB, "ethnicity_white"] == round(100 * lsoas.ethnicity_white.sum() / lsoas.ethnicity_total.sum())
    assert eth.loc[ENGLAND, "ethnicity_asian"] == round(100 * 5_500_000 / 56_490_108)
    comparator = place.figures.comparator["West North"]
    assert comparator in eth.index and comparator.endswith("(local authority)")


def test_without_england_files_the_comparator_is_omitted_and_said_so(place_plan):
    profiles = neighbourhood_profiles(place_plan, england=England())
    assert ENGLAND not in profiles.figures.ethnicity.index
    assert any("England ethnicity is omitted" in n for n in profiles.figures.notes)
    assert "England is omitted" in page(profiles)


def test_registered_ages_recount_and_small_cells_are_suppressed(listed, list_plan, atlas):
    ages = listed.figures.ages
    raw = atlas.practice_ages.assign(hood=atlas.practice_ages.practice_code.map(list_plan.practice_assignment))
    recount = raw.groupby(["hood", "sex", "age_band"]).patients.agg(_margin)
    got = ages.set_index(["area", "sex", "age_band"]).patients
    for key, value in recount.items():
        assert got[key] == value or (np.isnan(value) and np.isnan(got[key])), key
    assert_no_small_counts(ages[["patients"]])
    # A neighbourhood with a suppressed band publishes a rounded total, so total minus shown bands gives nothing.
    hood = ages[(ages.area.str.startswith("Network")) & ages.patients.isna()].area.iloc[0]
    own = ages[ages.area == hood]
    parts = {f"{r.sex} {r.age_band}": (None if np.isnan(r.patients) else r.patients) for r in own.itertuples()}
    total = own.registered_total.iloc[0]
    assert total % 10 == 0 and find_differences(parts, [Margin(hood, frozenset(parts), total, 10)], 7) == []
    assert "list_size_2026_07" not in listed.practices  # the July 2026 lists would be that total, exactly


def test_no_output_holds_a_small_count(place, listed, tmp_path):
    for name, profiles in (("place", place), ("list", listed)):
        for suffix in (".html", ".csv", ".xlsx"):
            path = profiles.write(tmp_path / f"{name}{suffix}")
            assert_no_small_counts(path)
        assert_no_small_counts(profiles.figures.conditions)
        assert_no_small_counts(profiles.figures.ages)


def test_profiles_name_each_neighbourhoods_blocks(atlas, listed, list_plan, place, england, tmp_path):
    """Issue 23: a ward plan's profiles name its wards, a list plan's its practices (CSV column and one line of the
    pack); a plan of LSOAs has no such column."""
    from dataclasses import replace

    from geo.propose import ProposalParams, propose

    lsoas = atlas.lsoas.copy()
    column = np.arange(len(lsoas)) % 6
    lsoas["ward_code"] = [f"W{c // 2}" for c in column]
    lsoas["ward_name"] = [f"Ward {'ABC'[c // 2]}" for c in column]
    warded = replace(atlas, lsoas=lsoas)
    plan = propose(warded, ProposalParams(build_from="wards", target=6_000, tolerance=0.5, seed=1))
    profiles = neighbourhood_profiles(plan, england=england)
    path = profiles.write(tmp_path / "wards.csv")
    table = pd.read_csv(path).set_index("neighbourhood")
    hoods = plan.assignment.reindex(lsoas.index)
    shared = {w for w, n in hoods.groupby(lsoas.ward_name.to_numpy()).nunique().items() if n > 1}
    assert shared  # a ward across an authority boundary is cut along it: each neighbourhood holds a part
    for hood, text in table["blocks"].items():
        wards = sorted(set(lsoas.ward_name[hoods == hood]))
        named = [f"{w} (part)" if w in shared else w for w in wards]
        assert text == f"{len(wards)} ward{'s' if len(wards) > 1 else ''}: " + "; ".join(named)
        assert f"Made of {text}" in page(profiles)
    for hood, text in listed.summary["blocks"].items():
        codes = sorted(list_plan.practice_assignment.index[list_plan.practice_assignment == hood])
        assert all(f"({c})" in text for c in codes) and text.startswith(f"{len(codes)} practice")
    assert "blocks" not in place.summary.columns and "Made of" not in page(place)
