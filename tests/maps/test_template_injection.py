"""No text from data ever runs as a template (issue 20, item 1).

Folium renders its output a second time as Jinja, so a neighbourhood called ``ZZ{{ 7*7 }}ZZ`` used to print
``ZZ49ZZ`` and a longer one ran shell commands. Template syntax is fed here through every entry point of the
geo layer (plan names, renames, local authority, LSOA, practice and PCN names, a user geography for ``--align``,
a hotspot table) into every output (map, profiles HTML/CSV/XLSX, plan exports): each must hold the literal text,
never its value. The API (uploads, renames, map.html) is in ``tests/api/test_template_injection.py``.
"""

from __future__ import annotations

import html as htmllib
import json
import zipfile

import pandas as pd
import pytest

from geo import export
from geo.maps import plan_map
from geo.plan import Plan
from geo.plan.geography import read_geography
from geo.testing import grid_atlas
from tests.maps.conftest import page

#: Template syntax and what it becomes when evaluated; each passes the name rule.
PAYLOADS = {
    "ZZ{{ 7*7 }}ZZ": "ZZ49ZZ",
    "YY{% if true %}IF{% endif %}YY": "YYIFYY",
    "XX{{ 6*7 }}{# hidden #}XX": "XX42XX",
}
#: Would raise at template compile time if data were ever compiled: a crash is also evaluation.
BROKEN = "WW{% endfor %}WW"


def shown(text: str) -> str:
    """What a browser shows of a page or a JSON string: JSON's \\u0026 and HTML references decoded."""
    return htmllib.unescape(text.replace("\\u0026", "&").replace("\\u003c", "<").replace("\\u003e", ">"))


def assert_literal(text: str, payloads) -> None:
    for payload in payloads:
        value = PAYLOADS.get(payload)
        if value is not None:
            assert value not in text, f"{payload!r} was evaluated"
        assert payload in shown(text), f"{payload!r} is missing from the output"


@pytest.fixture
def atlas():
    atlas = grid_atlas(6, 4, lad_width=3, practice_every=3)
    names = list(PAYLOADS)
    atlas.lsoas["lad_name"] = atlas.lsoas["lad_name"].where(
        atlas.lsoas.lad_code != atlas.lsoas.lad_code.iloc[0], names[0]
    )
    atlas.lsoas.iloc[1, atlas.lsoas.columns.get_loc("lsoa_name")] = names[1]
    first = atlas.practices.index[0]
    atlas.practices.loc[first, "practice_name"] = names[2]
    atlas.practices.loc[first, "pcn_name"] = BROKEN
    return atlas


@pytest.fixture
def plan(atlas):
    rows = pd.Series(range(len(atlas.codes)), index=atlas.codes) // 6
    return Plan(atlas, rows.map(lambda r: "ZZ{{ 7*7 }}ZZ" if r >= 2 else "South"))


def test_the_plan_map_shows_every_name_as_written(atlas, plan):
    renamed = plan.rename({"South": "YY{% if true %}IF{% endif %}YY"})
    text = page(plan_map(atlas, renamed, title=BROKEN))
    assert_literal(text, [*PAYLOADS, BROKEN])


def test_a_user_geography_and_a_hotspot_table_stay_text(atlas, plan, tmp_path):
    lookup = tmp_path / "units.csv"
    units = ["QQ{{ 7*7 }}QQ" if i % 2 else BROKEN for i in range(len(atlas.codes))]
    pd.DataFrame({"lsoa_code": atlas.codes, "unit": units}).to_csv(lookup, index=False)
    hotspots = pd.DataFrame(
        {
            "lsoa_code": atlas.codes,
            "rate_per_1000": 10.0,
            "attendances": 100,
            "hotspot": ["ZZ{{ 7*7 }}ZZ"] * len(atlas.codes),
        }
    )
    hotspots.attrs["source"] = "XX{{ 6*7 }}{# hidden #}XX"
    m = plan_map(atlas, plan, hotspots=hotspots, compare=read_geography(lookup, atlas))
    text = page(m)
    assert "QQ49QQ" not in text and "QQ{{ 7*7 }}QQ" in shown(text)
    assert_literal(text, [*PAYLOADS, BROKEN])


def test_saved_map_profiles_and_exports_hold_the_literal_text(atlas, plan, tmp_path):
    payloads = ["ZZ{{ 7*7 }}ZZ"]
    written = {}
    for kind, ext in [
        ("map", ".html"),
        ("profiles", ".html"),
        ("profiles", ".csv"),
        ("profiles", ".xlsx"),
        ("plan", ".csv"),
        ("plan", ".geojson"),
    ]:
        value = plan_map(atlas, plan) if kind == "map" else plan
        if kind == "profiles":
            from geo.profiles import neighbourhood_profiles

            value = neighbourhood_profiles(plan)
        written[kind + ext] = export.write(kind, value, tmp_path / f"{kind}{ext}")
    for name, path in written.items():
        if name.endswith(".xlsx"):
            with zipfile.ZipFile(path) as book:
                text = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
        else:
            text = path.read_text(encoding="utf-8")
        assert_literal(text, payloads)
    features = json.loads(written["plan.geojson"].read_text(encoding="utf-8"))["features"]
    assert "ZZ{{ 7*7 }}ZZ" in {f["properties"].get("name") or f["properties"].get("neighbourhood") for f in features}
