"""What a planner checks on a map: the layers and legends, sources and attribution, names shown as text, no
small counts, and neighbourhood figures that add up."""

from __future__ import annotations

import html as htmllib
import json
import re

import numpy as np
import pandas as pd
import pytest

from geo.testing.disclosure import assert_no_small_counts
from geo.errors import PlanError
from geo.maps import ATTRIBUTION_LINES, atlas_map, plan_map
from geo.maps._style import esc
from tests.maps.conftest import attribution, features, layers, legends, overlay_names, page

EVIL = "<script>alert(1)</script>"
EVIL_JS = "`${alert(2)}`<img src=x onerror=alert(3)>"


def test_atlas_map_lists_each_layer_in_the_layer_control(atlas):
    html = page(atlas_map(atlas))
    assert overlay_names(html) == [
        "IMD national decile",
        "Local deprivation decile",
        "Local authority boundaries",
        "GP practices",
    ]
    assert "L.tileLayer" not in html  # no basemap by default: the page works offline


def test_hotspots_add_rate_and_gi_layers(atlas, hotspots):
    html = page(atlas_map(atlas, hotspots=hotspots))
    names = overlay_names(html)
    assert "UEC attendances per 1,000" in names and "UEC hotspots (Gi*)" in names
    hot = next(f for f in features(html) if f["id"] == atlas.codes[-1] and "class_text" in f["properties"])
    assert hot["properties"]["class_text"] == "Hot spot (high, Gi*)"


def test_every_legend_states_its_source_and_vintage(atlas, hotspots):
    hotspots.attrs["source"] = "Synthetic UEC extract (2024-25)"
    html = page(atlas_map(atlas, hotspots=hotspots))
    boxes = legends(html)
    assert len(boxes) == 7  # title + one legend for each of the six layers
    assert all("Source: " in box for box in boxes[1:])
    imd = next(box for box in boxes if "national decile" in box)
    assert "IMD 2025" in imd and "Synthetic test grid (not real data)" in imd
    assert "1 (most deprived 10%)" in imd and "10 (least deprived 10%)" in imd
    assert sum("Synthetic UEC extract (2024-25)" in box for box in boxes) == 2


def test_attribution_carries_ogl_os_and_nhs_england(atlas):
    text = re.sub(r"<[^>]+>", "", attribution(page(atlas_map(atlas))))  # the OGL name is a link
    for line in ATTRIBUTION_LINES:
        assert htmllib.escape(line) in text
    assert "© Crown copyright and database right 2025" in text


def test_osm_tiles_are_an_option_with_their_attribution(atlas):
    html = page(atlas_map(atlas, tiles="OpenStreetMap"))
    assert "tile.openstreetmap.org" in html and "openstreetmap.org/copyright" in html


def test_malicious_names_are_shown_as_text(atlas, plan):
    atlas.practices.iloc[0, atlas.practices.columns.get_loc("practice_name")] = EVIL
    atlas.practices.iloc[0, atlas.practices.columns.get_loc("pcn_name")] = EVIL_JS
    atlas.lsoas.iloc[0, atlas.lsoas.columns.get_loc("lsoa_name")] = EVIL
    plan = plan.replace("North", EVIL_JS)
    html = page(plan_map(atlas, plan, title=EVIL))
    assert EVIL not in html and "<img src=x" not in html
    # Outside the JSON data (where it is an inert string) the name must not reach any JavaScript template.
    data = r"geo_json_[0-9a-f]+_add\(\{.*?\}\);|\[\[.*?\]\]\.forEach"  # GeoJSON layers and the label points
    assert "${alert" not in re.sub(data, "", html, flags=re.S)
    shown = {value for f in features(html) for value in f["properties"].values()}
    # Tooltips write properties with innerHTML: escaped text displays as the original characters.
    assert esc(EVIL) in shown
    assert esc(EVIL_JS) in shown  # braces too are character references: Folium's second Jinja pass sees none
    assert htmllib.unescape(esc(EVIL_JS)) == EVIL_JS  # and the browser shows the name as written
    assert any(esc(EVIL) in box for box in legends(html))


def test_small_counts_never_reach_popups(atlas, hotspots):
    codes = atlas.practices.index
    atlas.practices.loc[codes[0], ["list_size", "patients_in_area"]] = [5, 3]
    atlas.practices.loc[codes[1], ["list_size", "patients_in_area"]] = [7.4, 0.6]
    reg = atlas.registrations[~atlas.registrations.practice_code.isin(codes[:2])]  # the popup's are its cells'
    small = pd.DataFrame({"practice_code": codes[:2], "lsoa_code": atlas.codes[:2], "patients": [3.0, 0.6]})
    atlas.registrations = pd.concat([reg, small], ignore_index=True)
    hotspots.loc[0, "attendances"] = 4  # a table that was not suppressed upstream
    hotspots.loc[1, "attendances"] = np.nan  # suppressed upstream
    html = page(atlas_map(atlas, hotspots=hotspots))
    practice = {f["id"]: f["properties"] for f in features(html) if "list_size_text" in f["properties"]}
    assert practice[codes[0]]["list_size_text"] == "suppressed"
    assert practice[codes[0]]["patients_text"] == "suppressed"
    assert practice[codes[1]]["list_size_text"] == "suppressed"
    assert practice[codes[2]]["list_size_text"] == f"{round(atlas.practices.list_size.iloc[2]):,}"
    uec = {f["id"]: f["properties"] for f in features(html) if "attendances_text" in f["properties"]}
    for code in atlas.codes[:2]:
        assert uec[code]["attendances_text"] == "suppressed"
        assert uec[code]["rate_text"] == "suppressed"  # a rate would give the count back
    assert_no_small_counts({"features": features(html)})
    assert " 5 " not in " ".join(practice[codes[0]].values())


def test_suppressed_list_size_gets_the_smallest_circle(atlas):
    atlas.practices.loc[atlas.practices.index[0], "list_size"] = 6
    html = page(atlas_map(atlas, layers=["practices"]))
    radii = [float(r) for r in re.findall(r'"radius": ([0-9.]+)', html)]
    assert min(radii) == 3.0


def test_plan_footprints_have_population_and_deviation(atlas, plan, monkeypatch):
    monkeypatch.setenv("NHP_TARGET_POPULATION", "20000")
    from geo.settings import get_settings

    get_settings.cache_clear()
    html = page(plan_map(atlas, plan))
    assert "Neighbourhood footprints" in overlay_names(html)
    outlines = next(fs for fs in layers(html) if fs and "deviation" in fs[0]["properties"])
    by_name = {f["properties"]["label"]: f["properties"] for f in outlines}
    assert set(by_name) == {"North", "South"}
    # 12 LSOAs of 1,500 residents each against a target of 20,000.
    assert by_name["North"]["residents"] == "18,000"
    assert by_name["North"]["deviation"] == "-10.0%"
    assert by_name["North"]["lsoas"] == "12"
    labels = json.loads(re.search(r"(\[\[.*?\]\])\.forEach", html).group(1))  # one permanent label per footprint
    assert sorted(text for _, _, text in labels) == ["North", "South"]
    lsoa = next(f for f in features(html) if f["id"] == "G0000" and "neighbourhood" in f["properties"])
    assert lsoa["properties"]["neighbourhood"] == "South"


def test_plan_object_uses_its_neighbourhood_table(atlas, plan):
    from geo.plan import Plan

    p = Plan(atlas, plan, target=17_000)
    table = p.neighbourhood_table().set_index("name")
    html = page(plan_map(atlas, p))
    outlines = next(fs for fs in layers(html) if fs and "deviation" in fs[0]["properties"])
    north = next(f["properties"] for f in outlines if f["properties"]["label"] == "North")
    assert north["deviation"] == f"{table.loc['North', 'deviation_pct']:+.1f}%"
    assert north["practices"] == str(int(table.loc["North", "practices"]))
    assert north["core20_pct"] == f"{table.loc['North', 'core20_pct']:.1f}"


def test_plan_with_lsoas_outside_the_area_is_refused(atlas, plan):
    bad = pd.concat([plan, pd.Series({"E01999999": "North"})])
    with pytest.raises(PlanError, match="E01999999"):
        plan_map(atlas, bad)


def test_unknown_layer_is_refused(atlas):
    with pytest.raises(ValueError, match="imd_decile"):
        atlas_map(atlas, layers=["imd"])


def _popup_patients(atlas, cell: float) -> list[str]:
    """The practices' "patients living in the area" popups when the first practice has one more registration
    cell, of ``cell`` patients, in the area."""
    code = atlas.practices.index[0]
    extra = pd.DataFrame({"practice_code": [code], "lsoa_code": [atlas.codes[-1]], "patients": [cell]})
    atlas.registrations = pd.concat([atlas.registrations, extra], ignore_index=True)
    atlas.practices.loc[code, "patients_in_area"] += cell  # as the atlas counts it from its registrations
    html = page(atlas_map(atlas))
    found = {f["id"]: f["properties"]["patients_text"] for f in features(html) if "patients_text" in f["properties"]}
    return [found[c] for c in atlas.practices.index]


def test_patients_in_the_area_give_back_no_registration_cell(atlas):
    """The popup showed each practice's exact patients in the area: two study areas one LSOA apart (or one cell
    more, as here) gave that LSOA's registrations back (1 to 7), and beside the list those living elsewhere. As
    a margin of its cells the popup is the same whatever a small cell's count."""
    from geo.testing import grid_atlas

    shown = [_popup_patients(grid_atlas(6, 4, lad_width=3, practice_every=3), v) for v in (1.0, 4.0, 7.0)]
    assert shown[0] == shown[1] == shown[2]
