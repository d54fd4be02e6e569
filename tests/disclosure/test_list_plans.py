"""Practices are parts of a total (issue 20): no output of a list plan shows a practice's small list, register or
age-sex cell, nor lets one be worked out by subtracting versions, plans or neighbourhoods.

The area is :func:`geo.testing.small_count_area.small_count_atlas`: eight grid practices with QOF registers and age-sex
cells of 1 to 7 among large ones, and three practices with lists of 5, 3 and 7.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from api.serialize import plan_metrics
from geo import export
from geo.plan import Plan
from geo.profiles import neighbourhood_profiles
from geo.profiles.england import England
from geo.testing.differencing import practice_differences
from geo.testing.disclosure import DisclosureError, assert_no_practice_differencing, assert_no_small_counts
from geo.testing.small_count_area import SMALL_PRACTICES, small_count_atlas

WEST = {"Z00000", "Z00001", "Z00003", "Y00002"}


@pytest.fixture(scope="module")
def atlas():
    return small_count_atlas()


def _grouping(atlas, tiny="Y00001", **moves):
    groups = {c: ("Tiny" if c == tiny else "West" if c in WEST else "East") for c in atlas.practices.index}
    return {**groups, **moves}


@pytest.fixture(scope="module")
def versions(atlas):
    """v1: Y00001 (a list of 5) alone in Tiny; v2: practice Z00000 (DEM 6, EP 5) moved from West to East."""
    v1 = Plan.from_practices(atlas, _grouping(atlas), target=10_000)
    v2 = v1.move_practices({"Z00000": "East"})
    return v1, v2


@pytest.fixture(scope="module")
def other_plan(atlas):
    """Another plan of the same area: Z00000 and Z00002 (DEM 3) together, the rest by the grid's PCNs."""
    groups = {c: ("Pair" if c in ("Z00000", "Z00002") else f"PCN {p}") for c, p in atlas.practices.pcn_code.items()}
    return Plan.from_practices(atlas, groups, target=10_000)


def _profiles(plan):
    return neighbourhood_profiles(plan, england=England())


def test_a_one_practice_neighbourhood_with_a_list_of_5_publishes_no_list(atlas, versions, tmp_path):
    v1, _ = versions
    assert v1["list_population"]["Tiny"] == 5  # exact inside: metrics compute on exact values
    metrics = plan_metrics(v1)
    tiny = next(r for r in metrics["neighbourhoods"] if r["name"] == "Tiny")
    assert tiny["list_population"] is None and tiny["population"] is None and tiny["deviation_pct"] is None
    assert_no_small_counts(metrics)
    features = json.loads(export.write("plan", v1, tmp_path / "p.geojson").read_text())["features"]
    props = next(f["properties"] for f in features if f["properties"]["name"] == "Tiny")
    assert props["list_population"] is None
    assert_no_small_counts(tmp_path / "p.geojson")
    export.write("plan", v1, tmp_path / "p.gpkg")
    assert_no_small_counts(tmp_path / "p.gpkg")
    csv = pd.read_csv(_profiles(v1).write(tmp_path / "profiles.csv")).set_index("neighbourhood")
    assert np.isnan(csv.loc["Tiny", "practice_list_size"])
    # and no violation message quotes it
    assert not any(" 5 list people" in v["message"] for v in metrics["violations"])


def test_list_totals_are_margins_with_practices_as_parts(atlas, versions):
    v1, _ = versions
    lists = atlas.practices.list_size.astype(float)
    table = v1.neighbourhood_table().set_index("name")
    for name, group in pd.Series(_grouping(atlas)).groupby(lambda c: _grouping(atlas)[c]):
        parts = lists[group.index]
        small = parts[(parts > 0) & (parts <= 7)]
        shown = parts.drop(small.index).sum()
        expected = (
            shown if small.empty else (np.nan if shown == 0 else np.floor((shown + 4 * len(small)) / 10 + 0.5) * 10)
        )
        got = table.loc[name, "list_population"]
        assert got == expected or (np.isnan(expected) and np.isnan(got)), name
        if not np.isnan(expected):  # the deviation is that of the published figure, never of the exact one
            assert table.loc[name, "deviation_pct"] == pytest.approx(100 * (expected - 10_000) / 10_000)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".html"])
def test_every_profile_output_passes_the_checker(versions, other_plan, tmp_path, suffix):
    for k, plan in enumerate([*versions, other_plan]):
        assert_no_small_counts(_profiles(plan).write(tmp_path / f"p{k}{suffix}"))


def test_map_tooltips_show_the_published_list(versions):
    from geo.maps import plan_map

    html = plan_map(versions[0].atlas, versions[0]).get_root().render()
    start = html.index('"label": "Tiny"') if '"label": "Tiny"' in html else html.index("Tiny")
    feature = html[max(0, start - 2000) : start + 2000]
    assert '"list_population": "suppressed"' in feature


def _register_answers(plans, register):
    """(plan, {neighbourhood: published register}) from each plan's profiles workbook figures."""
    out = []
    for plan in plans:
        cond = _profiles(plan).figures.conditions
        rows = cond[(cond.register == register) & cond.area.isin(plan.neighbourhoods)]
        out.append((plan, dict(zip(rows.area, rows.patients))))
    return out


@pytest.mark.parametrize("register", ["DEM", "EP", "DM"])
def test_differencing_versions_and_plans_gives_back_no_register(atlas, versions, other_plan, register):
    counts = atlas.qof[atlas.qof.register == register].set_index("practice_code").patients
    assert_no_practice_differencing(counts, _register_answers([*versions, other_plan], register), 7)


def test_differencing_gives_back_only_the_imputed_4s(atlas, versions):
    """Every published total holding the moved practice is the same whatever its true small register (1..7), in
    both versions: so v1 minus v2 is a function of the 4 that stands for it, never of the count."""
    v1, v2 = versions
    published = {
        tag: _profiles(p).figures.conditions.set_index(["area", "register"]).patients
        for tag, p in (("v1", v1), ("v2", v2))
    }
    small = atlas.qof[(atlas.qof.practice_code == "Z00000") & atlas.qof.patients.between(1, 7)]
    assert set(small.register) == {"DEM", "EP"}
    for register in small.register:
        seen = {
            ("v1", "West"): published["v1"][("West", register)],
            ("v2", "East"): published["v2"][("East", register)],
        }
        assert all(v % 10 == 0 for v in seen.values())
        for guess in range(1, 8):
            patched = small_count_atlas()
            mask = (patched.qof.practice_code == "Z00000") & (patched.qof.register == register)
            patched.qof.loc[mask, "patients"] = guess
            p1 = Plan.from_practices(patched, _grouping(patched), target=10_000)
            for (tag, hood), value in seen.items():
                plan = p1 if tag == "v1" else p1.move_practices({"Z00000": "East"})
                got = _profiles(plan).figures.conditions.set_index(["area", "register"]).patients[(hood, register)]
                assert got == value, (register, guess, tag)


def test_differencing_gives_back_no_age_sex_cell(atlas, versions, other_plan):
    plans = [*versions, other_plan]
    ages = {id(p): _profiles(p).figures.ages for p in plans}
    table = atlas.practice_ages.set_index(["practice_code", "sex", "age_band"]).patients
    for sex, band in [("FEMALE", "90_94"), ("MALE", "95+"), ("FEMALE", "15_19")]:
        counts = table.xs((sex, band), level=(1, 2))
        answers = []
        for plan in plans:
            rows = ages[id(plan)]
            rows = rows[(rows.sex == sex) & (rows.age_band == band) & rows.area.isin(plan.neighbourhoods)]
            answers.append((plan, dict(zip(rows.area, rows.patients))))
        assert_no_practice_differencing(counts, answers, 7)


def test_differencing_gives_back_no_list(atlas, versions, other_plan):
    answers = [
        (p, {r["name"]: r["list_population"] for r in plan_metrics(p)["neighbourhoods"]})
        for p in (*versions, other_plan, versions[0].move_practices({"Y00002": "East", "Y00001": "West"}))
    ]
    assert_no_practice_differencing(atlas.practices.list_size, answers, 7)


def test_the_checkers_catch_the_attacks_of_issue_20(atlas, versions):
    """Exact neighbourhood sums, as published before, give a moved practice's small register back."""
    v1, v2 = versions
    qof = atlas.qof[atlas.qof.register == "DEM"].set_index("practice_code").patients
    exact = [
        (p, {h: float(qof[p.practice_assignment.index[p.practice_assignment == h]].sum()) for h in p.neighbourhoods})
        for p in (v1, v2)
    ]
    found = practice_differences(qof, exact, 7)
    assert any("Z00000 is 6" in f for f in found)
    with pytest.raises(DisclosureError):
        assert_no_practice_differencing(qof, exact, 7)
    with pytest.raises(DisclosureError, match="list_population: count 5"):
        assert_no_small_counts({"neighbourhoods": [{"name": "Tiny", "list_population": 5}]}, 7)
    with pytest.raises(DisclosureError, match="not declared"):
        assert_no_small_counts({"neighbourhoods": [{"name": "Tiny", "practice_patients": 50}]}, 7)
    with pytest.raises(DisclosureError, match="not declared"):
        assert_no_small_counts(pd.DataFrame({"new_count_column": [12.0]}), 7)


def test_lsoa_figures_of_a_list_plan_keep_lsoa_margins(atlas, versions):
    v1, _ = versions
    table = v1.neighbourhood_table().set_index("name")
    for column in ("resident_population", "registered_population"):
        recount = atlas.lsoas[column].groupby(v1.assignment).sum()
        assert (table[column] == recount.reindex(table.index)).all()  # no LSOA is small here: exact
    assert set(SMALL_PRACTICES) <= set(v1.practice_assignment.index)
