"""Hub sites in the data pack on the synthetic grid: each neighbourhood's hub is the one ``nhp sites`` chooses for
the same plan (run through the CLI with its defaults) and the one a brute-force recount of the 1-median finds; its
figures are ``nhp sites``'s; the pages, the summary, the methods and the workbook's Sites sheet show them."""

from __future__ import annotations

import re
from html import unescape

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import cli
from cli import _common
from geo.access.layer import PRACTICE_KM, demand_points, practice_sites
from geo.access.output import COLUMNS as SITE_COLUMNS
from geo.plan import Plan
from geo.profiles import neighbourhood_profiles
from geo.profiles.html import page
from geo.testing import grid_atlas


@pytest.fixture(scope="module")
def place(place_plan, hotspots, england):
    return neighbourhood_profiles(place_plan, hotspots, england=england)


@pytest.fixture
def sites_csv(place_plan, atlas, monkeypatch, tmp_path):
    """``nhp sites`` on the same plan with its defaults (no --per-neighbourhood, no --weight)."""
    monkeypatch.setattr(_common, "atlas_from_args", lambda args: atlas)
    plan = tmp_path / "plan.csv"
    pd.DataFrame({"lsoa_code": place_plan.assignment.index, "neighbourhood": place_plan.assignment.to_numpy()}).to_csv(
        plan, index=False
    )
    out = tmp_path / "sites.csv"
    assert cli.main(["sites", str(plan), "--area", "GRID", "--out", str(out)]) == 0
    return pd.read_csv(out, dtype={"site_code": str})


def _recount(plan) -> pd.DataFrame:
    """Each neighbourhood's 1-median by brute force: of the practice sites inside it, the one with the least
    resident-weighted sum of straight-line km from the LSOAs' demand points; with its mean km and % beyond 2 km."""
    atlas = plan.atlas
    sites = practice_sites(atlas)
    inside = gpd.sjoin(
        gpd.GeoDataFrame(index=sites.index, geometry=gpd.points_from_xy(sites.x, sites.y), crs=atlas.lsoas.crs),
        atlas.lsoas[["geometry"]],
        predicate="intersects",
    )
    home = plan.assignment.reindex(inside.iloc[:, -1].to_numpy()).to_numpy()
    points = demand_points(atlas)
    rows = {}
    for name in plan.neighbourhoods:
        lsoas = plan.assignment.index[plan.assignment == name]
        xy = points.loc[lsoas, ["x", "y"]].to_numpy()
        w = atlas.lsoas.resident_population.reindex(lsoas).to_numpy(dtype=float)
        best = None
        for code in sorted(set(inside.index[home == name])):
            km = np.hypot(*(xy - sites.loc[code, ["x", "y"]].to_numpy(dtype=float)).T) / 1000
            if best is None or (w * km).sum() < best[1] - 1e-9:
                best = (code, (w * km).sum(), km)
        code, _, km = best
        rows[name] = {
            "site_code": code,
            "mean_km": round(float(np.average(km, weights=w)), 3),
            "beyond_threshold_pct": 100 * w[km > PRACTICE_KM].sum() / w.sum(),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def test_each_hub_is_the_one_nhp_sites_chooses_and_a_brute_force_recount_finds(place, place_plan, sites_csv):
    hubs = place.hubs
    assert list(hubs.index) == list(place.summary.index)  # one per neighbourhood
    theirs = sites_csv.set_index("neighbourhood")
    for column in ("site_code", "site_name", "people", "mean_km", "beyond_threshold", "opening_order"):
        assert hubs[column].tolist() == theirs.loc[hubs.index, column].tolist(), column
    np.testing.assert_allclose(
        hubs.beyond_threshold_pct.astype(float), theirs.loc[hubs.index, "beyond_threshold_pct"].astype(float)
    )
    recount = _recount(place_plan)
    assert hubs.site_code.tolist() == recount.loc[hubs.index, "site_code"].tolist()
    assert hubs.mean_km.tolist() == recount.loc[hubs.index, "mean_km"].tolist()
    np.testing.assert_allclose(
        hubs.beyond_threshold_pct.astype(float), recount.loc[hubs.index, "beyond_threshold_pct"].round(0)
    )  # a share published as a whole percent
    # opening order: highest catchment need index first
    order = hubs.sort_values("opening_order")
    assert order.need_index.is_monotonic_decreasing or order.need_index.isna().all()


def test_pages_summary_and_methods_show_the_hubs(place):
    html = page(place)
    sheets = re.findall(r'<section class="sheet hood[ "].*?</section>', html, re.S)
    assert len(sheets) == len(place.hubs)
    for sheet, (name, hub) in zip(sheets, place.hubs.iterrows()):
        assert f">{name}</h2>" in sheet
        assert sheet.count('<g class="hub">') == 1 and sheet.count('<p class="hub">') == 1  # marker, figures
        marker = sheet.split('<g class="hub">', 1)[1].split("</g>", 1)[0]
        assert f">{hub.site_name}</text>" in marker  # labelled with the site's name
        line = sheet.split('<p class="hub">', 1)[1].split("</p>", 1)[0]
        assert f"({hub.site_code})" in line
        assert f"{hub.mean_km:.1f} km" in sheet
        assert f"opens {hub.opening_order}" in re.sub(r"(\d)(st|nd|rd|th) of", r"\1 of", sheet)
    summary = html.split('<section class="sheet flow summary">', 1)[1].split("</section>", 1)[0]
    assert "Hub opens (by need)" in summary
    for name, hub in place.hubs.iterrows():
        row = re.search(rf"<tr><th>{re.escape(name)}</th>(.*?)</tr>", summary).group(1)
        assert re.findall(r'<td class="num">([^<]*)</td>', row)[-1] == str(hub.opening_order)
    methods = unescape(html.split('<section class="sheet flow methods">', 1)[1])
    assert "of today's GP practice sites inside it" in methods and "least resident-weighted sum" in methods
    assert "points and sites as for access" in methods and "Opening order" in methods


def test_the_workbook_has_a_sites_sheet_with_nhp_sites_figures(place, sites_csv, tmp_path):
    book = load_workbook(place.write(tmp_path / "profiles.xlsx"))
    assert book.sheetnames == [
        "Summary",
        "Practices",
        "Ethnicity",
        "Long-term conditions",
        "Registered by age",
        "Sites",
        "Notes",
    ]
    sheet = book["Sites"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(sites_csv) and len(rows[0]) == len(SITE_COLUMNS)
    table = pd.DataFrame(rows, columns=SITE_COLUMNS)
    for column in ("neighbourhood", "site_code", "people", "mean_km", "opening_order", "km_method"):
        assert table[column].tolist() == sites_csv[column].tolist(), column
    assert "p-median" in sheet["A2"].value


def test_an_atlas_without_practice_sites_has_no_hub_and_says_so(england):
    atlas = grid_atlas(4, 4)
    atlas.practices = atlas.practices.iloc[0:0]
    profiles = neighbourhood_profiles(Plan(atlas, dict(zip(atlas.codes, ["N"] * 8 + ["S"] * 8))), england=england)
    assert profiles.hubs.empty
    html = page(profiles)
    assert '<g class="hub">' not in html and '<p class="hub">' not in html and "Hub opens" not in html
    assert "no GP practice site in this atlas" in unescape(html)
