"""The planner map's context (layers, legend, search by place), tolerance highlights, renaming, exports, plans built
from practices, and the page at 1366 x 768 and on the keyboard, in headless Chromium against a real server."""

from __future__ import annotations

import json
import os
import re

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.planner_page import a11y_problems, distinct_colours, number  # noqa: E402

pytestmark = pytest.mark.browser
AREA = "Q99"
from geo.maps.scales import DECILE_COLOURS as IMD_COLOURS  # one scale for page, maps and packs: dark = most deprived


def proposal_plan(server, name="Context plan", **params) -> int:
    proposal = server.api("POST", f"/areas/{AREA}/proposals", json=params)
    assert proposal.status_code == 201, proposal.text
    plan = server.api(
        "POST", "/plans", json={"name": name, "area": AREA, "start": "proposal", "proposal_id": proposal.json()["id"]}
    )
    assert plan.status_code == 201, plan.text
    return plan.json()["id"]


def practice_plan(server, name="List plan") -> tuple[int, dict[str, str]]:
    """A plan built from whole practices, imported as a practice_code,neighbourhood CSV."""
    practices = server.api("GET", f"/areas/{AREA}/practices").json()["features"]
    lads = {f["id"]: f["properties"]["pcn_name"].split()[1] for f in practices}  # CITY / TOWNS / RURAL
    assignment = {code: f"{lad.title()} {'A' if i % 2 else 'B'}" for i, (code, lad) in enumerate(sorted(lads.items()))}
    csv = "practice_code,neighbourhood\n" + "".join(f"{c},{n}\n" for c, n in assignment.items())
    answer = server.api(
        "POST", "/plans/import", files={"file": ("practices.csv", csv.encode())}, data={"area": AREA, "name": name}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], assignment


def open_small(open_page, server, fragment):
    page, console = open_page(server, wait=False, fragment=fragment)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    return page, console


def _hex(rgb: str) -> str:
    return "#{:02x}{:02x}{:02x}".format(*map(int, re.findall(r"\d+", rgb)[:3]))


def test_context_layers_have_a_legend_with_sources_and_fit_a_1366_screen(server, open_page, tmp_path):
    plan = proposal_plan(server)
    page, console = open_small(open_page, server, f"#area={AREA}&plan={plan}")
    expect(page.locator("#hood-body tr")).to_have_count(6)
    layers = {layer["id"]: layer for layer in server.api("GET", f"/areas/{AREA}/layers").json()}
    lsoas = server.api("GET", f"/areas/{AREA}/lsoas").json()["features"]
    legend = page.locator("#legend")

    # Local authority boundaries (on by default): one outline per authority of the LSOA layer, source stated.
    expect(page.locator("path[data-lad]")).to_have_count(len({f["properties"]["lad_code"] for f in lsoas}))
    expect(legend).to_contain_text(f"Source: {layers['lad']['source']} ({layers['lad']['vintage']})")

    # Wards, with the source of the lookup; names appear once zoomed in.
    wards = server.api("GET", f"/areas/{AREA}/boundaries/ward").json()["features"]
    page.get_by_label("Ward boundaries and names", exact=True).check()
    expect(page.locator("path[data-ward]")).to_have_count(len(wards))
    expect(legend).to_contain_text(layers["ward"]["source"])

    # National IMD decile: each LSOA's fill is its decile's colour; the legend names the edition.
    page.get_by_label("National IMD decile", exact=True).check()
    expect(legend).to_contain_text("1 most deprived")
    expect(legend).to_contain_text(f"{layers['imd']['source']} ({layers['imd']['vintage']})")
    for feature in lsoas[:: len(lsoas) // 7]:
        fill = page.locator(f"path[data-lsoa='{feature['id']}']").get_attribute("fill")
        assert fill == IMD_COLOURS[feature["properties"]["imd_decile"] - 1], feature["id"]

    # UEC rate and hotspots: the modelled layer says what it is and what its hotspots mean.
    hotspots = server.api("GET", f"/areas/{AREA}/hotspots").json()
    page.get_by_label("UEC rate per 1,000", exact=True).check()
    page.get_by_label("UEC hotspots", exact=True).check()
    expect(legend).to_contain_text("UEC attendances per 1,000 residents (modelled)")
    expect(legend).to_contain_text(hotspots["hotspot_meaning"])
    highs = sum(1 for row in hotspots["lsoas"] if row["hotspot"] == "high")
    expect(page.locator("path[data-hotspot=high]")).to_have_count(highs)

    # Practices sized by list: bigger lists, bigger markers.
    practices = server.api("GET", f"/areas/{AREA}/practices").json()["features"]
    page.get_by_label("GP practices, sized by list", exact=True).check()
    expect(page.locator("path[data-practice]")).to_have_count(len(practices))
    expect(legend).to_contain_text(layers["practices"]["source"])
    by_list = sorted(practices, key=lambda f: f["properties"]["list_size"])
    small, large = (
        page.locator(f"path[data-practice='{f['id']}']").bounding_box()["width"] for f in (by_list[0], by_list[-1])
    )
    assert large > small

    # Neighbourhoods outside tolerance: flagged in the table and outlined in red on the map, as the metrics say.
    metrics = server.api("GET", f"/plans/{plan}/metrics").json()
    limit = metrics["summary"]["tolerance"] * 100
    outside = {row["name"] for row in metrics["neighbourhoods"] if abs(row["deviation_pct"]) > limit}
    assert outside and len(outside) < 6
    flagged = set(
        page.locator("#hood-body tr.app-row--outside").evaluate_all("rs => rs.map(r => r.dataset.neighbourhood)")
    )
    assert flagged == outside
    for row in metrics["neighbourhoods"]:
        stroke = page.locator(f"path[data-footprint='{row['name']}']").get_attribute("stroke")
        assert (stroke == "#d5281b") == (row["name"] in outside), row["name"]
    # List population, alignment and UEC columns, read as a user reads them.
    uec = {r["neighbourhood"]: r for r in server.api("GET", f"/plans/{plan}/hotspots").json()["neighbourhoods"]}
    for row in metrics["neighbourhoods"]:
        line = page.locator(f"#hood-body tr[data-neighbourhood='{row['name']}']")
        assert number(line.locator("[data-column=list_population]").inner_text()) == round(row["list_population"])
        assert line.locator("[data-column=alignment]").inner_text() == f"{row['alignment_pct']:.1f}%"
        assert line.locator("[data-column=uec]").inner_text() == f"{uec[row['name']]['rate_per_1000']:.1f}"

    # At 1366 x 768: no horizontal scrolling, and the map and the table on screen together.
    page.locator("#place-search").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('place-form').scrollIntoView({block: 'start'})")
    widths = page.evaluate("""() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
        document.querySelector('#tally .nhsuk-table-container').scrollWidth,
        document.querySelector('#tally .nhsuk-table-container').clientWidth]""")
    assert widths[0] <= widths[1] and widths[2] <= widths[3], widths
    for selector in ("#map", "#hood-body tr:first-child"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + min(box["height"], 200) <= 768 and box["x"] + box["width"] <= 1366, (
            selector,
            box,
        )

    map_png = page.locator("#map").screenshot(path=str(tmp_path / "context-map.png"))
    colours, white = distinct_colours(map_png)
    assert colours > 12 and white < 0.5, (colours, white)
    if os.environ.get("NHP_TEST_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["NHP_TEST_SCREENSHOTS"], "context-1366.png"))
        page.screenshot(path=os.path.join(os.environ["NHP_TEST_SCREENSHOTS"], "context-full.png"), full_page=True)
    assert a11y_problems(page) == []
    assert console.unexpected() == []


def test_search_by_place_is_keyboard_navigable_and_selects_what_it_finds(server, open_page):
    plan = proposal_plan(server, "Search plan")
    page, console = open_small(open_page, server, f"#area={AREA}&plan={plan}")
    wards = server.api("GET", f"/areas/{AREA}/boundaries/ward").json()["features"]
    search = page.get_by_role("combobox", name=re.compile("^Find a place"))
    search.focus()
    page.keyboard.type("demo TOWNS ward 3")  # case-insensitive
    options = page.locator("#place-results").get_by_role("option")
    expect(options.first).to_contain_text("Demo Towns Ward 3")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Enter")
    ward = next(f for f in wards if f["properties"]["name"] == "Demo Towns Ward 3")
    expect(page.locator("#selection-summary")).to_contain_text(
        f"{len(ward['properties']['lsoa_codes'])} LSOAs selected"
    )
    selected = page.locator("#selection-list li").evaluate_all("ls => ls.map(l => l.dataset.code)")
    assert sorted(selected) == ward["properties"]["lsoa_codes"]
    expect(page.locator("#status")).to_contain_text("Showing ward Demo Towns Ward 3")

    # A town name matches its local authority, its wards and its LSOAs; arrows move through them.
    search.fill("")
    search.focus()
    page.keyboard.type("towns")
    expect(page.locator("#place-count")).to_contain_text("places match")
    kinds = options.evaluate_all("os => os.map(o => o.dataset.kind)")
    assert {"ward", "lad"} <= set(kinds) and kinds.index("lad") < len(kinds)
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps to the last
    expect(options.last).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(search).to_have_attribute("aria-expanded", "false")

    # Practice code, and an LSOA by its code.
    practice = server.api("GET", f"/areas/{AREA}/practices").json()["features"][3]
    search.fill(practice["id"].lower())
    expect(options.first).to_contain_text(practice["properties"]["practice_name"])
    search.press("Enter")
    expect(page.locator("#status")).to_contain_text(f"Showing GP practice {practice['properties']['practice_name']}")
    page.get_by_role("button", name="Clear selection").click()
    search.fill("E01990007")
    search.press("Enter")
    expect(page.locator("#selection-list li[data-code='E01990007']")).to_be_visible()
    search.fill("demo towns 008b")  # an LSOA by its name
    expect(options.first).to_have_attribute("data-kind", "lsoa")
    search.fill("Nowhere at all")
    expect(page.locator("#place-count")).to_contain_text("No ward, local authority, LSOA or practice matches")
    assert console.unexpected() == []


def test_keyboard_focus_order_is_the_reading_order_and_focus_is_visible(server, open_page):
    plan = proposal_plan(server, "Keyboard plan")
    page, console = open_small(open_page, server, f"#area={AREA}&plan={plan}")
    page.locator("#plan-open").focus()
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
            return [e.id || e.dataset.export || e.className || e.tagName, s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
              || (s.boxShadow && s.boxShadow !== 'none')]; }""")
        seen.append(info)
    ids = [i for i, _ in seen]
    expected = [
        "target",
        "tolerance",
        "build-from",
        "nest",
        "practices",
        "propose",
        "place-search",
        "place-go",
        "map",
        "fill-neighbourhood",
        "layer-lad",
        "layer-ward",
        "layer-hotspots",
        "layer-practices",
        "lsoa-code",
        "move-to",
        "rename-from",
        "rename-to",
        "rename",
        "export.csv",
        "export.geojson",
        "export.gpkg",
        "profiles.html",
        "profiles.xlsx",
        "map.html",
    ]
    positions = [ids.index(name) for name in expected]
    assert positions == sorted(positions), ids
    assert all(visible for i, visible in seen if i != "BODY"), [i for i, v in seen if not v]
    assert console.unexpected() == []


def test_renaming_a_neighbourhood_saves_a_version_and_shows_the_services_reason_for_a_bad_name(server, open_page):
    plan = proposal_plan(server, "Rename plan")
    page, console = open_small(open_page, server, f"#area={AREA}&plan={plan}")
    old = page.locator("#hood-body tr").first.get_attribute("data-neighbourhood")
    page.get_by_label("Neighbourhood to rename", exact=True).select_option(old)
    page.get_by_label("New name", exact=True).fill("=SUM(A1)")
    page.get_by_role("button", name="Rename").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("spreadsheet would run as a formula")
    expect(page.locator("#rename-to-error")).to_contain_text("formula")
    assert server.api("GET", f"/plans/{plan}").json()["latest_version"] == 1

    page.get_by_label("New name", exact=True).fill("Belgrave and Rushey Mead")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator("#status")).to_contain_text(f"Renamed {old} to Belgrave and Rushey Mead: saved as version 2")
    expect(page.locator("#hood-body tr[data-neighbourhood='Belgrave and Rushey Mead']")).to_have_count(1)
    expect(page.locator(f"#hood-body tr[data-neighbourhood='{old}']")).to_have_count(0)
    names = {row["name"] for row in server.api("GET", f"/plans/{plan}/metrics").json()["neighbourhoods"]}
    assert "Belgrave and Rushey Mead" in names and old not in names
    expect(page.locator("#versions-body tr").first).to_contain_text("Renamed")
    assert console.unexpected(422) == []


def test_every_export_button_downloads_the_version_through_the_api(server, open_page, tmp_path):
    plan = proposal_plan(server, "Export plan")
    page, console = open_small(open_page, server, f"#area={AREA}&plan={plan}")
    requests = []
    page.on("request", lambda r: "/api/v1/plans/" in r.url and requests.append((r.url, r.resource_type)))
    files = {}
    for label, ext in [
        ("Plan (CSV)", "csv"),
        ("Footprints (GeoJSON)", "geojson"),
        ("Footprints (GeoPackage)", "gpkg"),
        ("Profiles (HTML)", "html"),
        ("Profiles (Excel)", "xlsx"),
        ("Interactive map (HTML)", "html"),
    ]:
        with page.expect_download() as info:
            page.get_by_role("button", name=label).click()
        download = info.value
        assert download.suggested_filename.startswith(f"plan-{plan}-v1") and download.suggested_filename.endswith(ext)
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        files[label] = path.read_bytes()
        expect(page.locator("#status")).to_contain_text(f"Downloaded {download.suggested_filename}")
    assignment = server.api("GET", f"/plans/{plan}/versions/1").json()["assignment"]
    lines = files["Plan (CSV)"].decode().strip().splitlines()
    assert lines[0] == "lsoa_code,neighbourhood,population_basis,target,tolerance" and len(lines) == len(assignment) + 1
    assert {f["properties"]["name"] for f in json.loads(files["Footprints (GeoJSON)"])["features"]} == set(
        assignment.values()
    )
    assert files["Footprints (GeoPackage)"].startswith(b"SQLite format 3")
    assert files["Profiles (Excel)"].startswith(b"PK")
    assert b"<html" in files["Profiles (HTML)"].lower() and b"leaflet" in files["Interactive map (HTML)"].lower()
    assert all(kind == "fetch" for _, kind in requests) and len(requests) >= 6  # fetched with the key, not links
    assert console.unexpected() == []


def test_a_plan_built_from_practices_moves_a_practice_picked_on_the_map(server, open_page):
    plan, assignment = practice_plan(server)
    page, console = open_small(open_page, server, f"#area={AREA}&plan={plan}")
    expect(page.locator("#editor-heading")).to_have_text("Move GP practices")
    expect(page.locator("#plan-meta")).to_contain_text("Built from whole GP practices")
    expect(page.get_by_label("GP practices, sized by list", exact=True)).to_be_checked()
    code = sorted(assignment)[4]
    source = assignment[code]
    target = next(n for n in sorted(set(assignment.values())) if n != source and n.split()[0] == source.split()[0])
    # Markers are coloured by their neighbourhood (the table's swatch).
    marker = page.locator(f"path[data-practice='{code}']")
    swatch = page.locator(f"#hood-body tr[data-neighbourhood='{source}'] .app-swatch").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert marker.get_attribute("fill") == _hex(swatch)
    before = {row["name"]: row for row in server.api("GET", f"/plans/{plan}/metrics").json()["neighbourhoods"]}

    marker.scroll_into_view_if_needed()
    box = marker.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#selection-summary")).to_contain_text("1 practice selected")
    page.get_by_label("Move the selected practices to", exact=True).select_option(target)
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#status")).to_contain_text("saved as version 2")
    after = {row["name"]: row for row in server.api("GET", f"/plans/{plan}/metrics").json()["neighbourhoods"]}
    shown = {
        page.locator("#hood-body tr").nth(i).get_attribute("data-neighbourhood"): number(
            page.locator("#hood-body tr").nth(i).locator("[data-column=population]").inner_text()
        )
        for i in range(page.locator("#hood-body tr").count())
    }
    assert shown == {name: round(row["population"]) for name, row in after.items()}
    moved = before[source]["population"] - after[source]["population"]
    assert moved > 0 and after[target]["population"] - before[target]["population"] == pytest.approx(moved)
    assert server.api("GET", f"/plans/{plan}/versions/2").json()["params"]["practice_assignment"][code] == target
    expect(marker).to_have_attribute(
        "fill",
        _hex(
            page.locator(f"#hood-body tr[data-neighbourhood='{target}'] .app-swatch").evaluate(
                "e => getComputedStyle(e).backgroundColor"
            )
        ),
    )
    assert a11y_problems(page) == []
    assert console.unexpected() == []


def test_the_proposal_form_asks_for_the_building_blocks(server, open_page):
    page, console = open_small(open_page, server, "")
    page.get_by_label("Build neighbourhoods from", exact=True).select_option("practices")
    with page.expect_request(lambda r: r.url.endswith(f"/areas/{AREA}/proposals") and r.method == "POST") as info:
        page.get_by_role("button", name="Run proposal").click()
    assert info.value.post_data_json["build_from"] == "practices"
    expect(page.locator("#proposal-summary")).to_contain_text("neighbourhoods proposed")
    assert console.unexpected() == []
