"""The planner page in headless Chromium against a real server in local single-user mode (no API keys)."""

from __future__ import annotations

import os
import re
import time

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.planner_page import (  # noqa: E402
    a11y_problems,
    click_lsoa,
    distinct_colours,
    populations,
    selected_residents,
)

pytestmark = pytest.mark.browser
AREA = "Q99"
LSOAS_IN_DEMO = 200


def lad_plan(server, name="LA plan") -> int:
    """A plan of the demo area with one neighbourhood per local authority, made through the API."""
    answer = server.api("POST", "/plans", json={"name": name, "area": AREA, "start": "lad"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_the_page_shows_the_demo_area_on_the_map_with_labelled_controls(server, open_page, record_property):
    started = time.perf_counter()
    page, console = open_page(server, wait=False)
    page.wait_for_function(
        f"() => document.querySelectorAll('path[data-lsoa]').length === {LSOAS_IN_DEMO}", timeout=60_000
    )
    cold = time.perf_counter() - started
    page.wait_for_selector("body[data-ready=true]")
    started = time.perf_counter()
    page.reload()
    page.wait_for_function(f"() => document.querySelectorAll('path[data-lsoa]').length === {LSOAS_IN_DEMO}")
    warm = time.perf_counter() - started
    record_property("page_load_cold_s", round(cold, 2))
    record_property("page_load_warm_s", round(warm, 2))
    print(f"\npage load to map drawn: first (cold server) {cold:.2f} s, reload {warm:.2f} s")
    page.wait_for_selector("body[data-ready=true]")

    expect(page.locator(".nhsuk-header__service-name")).to_have_text("Neighbourhood Health Planner")
    expect(page.get_by_label("Study area", exact=True)).to_have_value(AREA)
    expect(page.locator("#area-source")).to_contain_text("200 LSOAs, LSOA 2021 geography. Sources: ONS")
    expect(page.locator("#attribution")).to_contain_text("Contains OS data © Crown copyright")
    expect(page.locator("#attribution")).to_contain_text("Open Government Licence v3.0")
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OGL v3.0")
    expect(page.get_by_label("Target population of a neighbourhood", exact=True)).to_have_value("50000")
    expect(page.get_by_label("Tolerance (%)", exact=True)).to_have_value("10")
    expect(page.get_by_label("Nest within", exact=True)).to_have_value("lad")
    expect(page.get_by_label("Keep GP practices whole", exact=True)).to_be_checked()
    expect(page.locator("#whoami")).to_contain_text("Local single-user mode")
    assert a11y_problems(page) == []
    assert console.unexpected() == []
    assert cold < 30 and warm < 10


def test_propose_create_move_undo_redo_and_the_plan_survives_a_reload(server, open_page, tmp_path):
    page, console = open_page(server)
    page.get_by_role("button", name="Run proposal").click()
    expect(page.locator("#proposal-summary")).to_contain_text("6 neighbourhoods proposed for a target of 50,000 ± 10%")
    expect(page.locator("#proposal-unmet")).to_contain_text("Not met: Demo Rural")
    page.get_by_label("Plan name", exact=True).fill("Demoshire draft")
    page.get_by_role("button", name="Create plan from this proposal").click()
    expect(page.locator("#hood-body tr")).to_have_count(6)
    expect(page.locator("#status")).to_contain_text("as version 1 (draft)")
    expect(page.locator("#plan-meta")).to_contain_text("Demoshire draft (plan")
    expect(page.locator("#validity")).to_contain_text("Contiguous")
    before = populations(page)
    assert sum(before.values()) > 300_000 and None not in before.values()

    # Select an LSOA by clicking the map and move it to another neighbourhood of the same local authority.
    code = page.locator("path[data-lsoa]").first.get_attribute("data-lsoa")
    click_lsoa(page, code)
    expect(page.locator("#selection-summary")).to_contain_text("1 LSOA selected")
    residents = selected_residents(page, code)
    source = neighbourhood_of(page, code)
    target = same_authority(server, source)
    page.get_by_label("Move the selected LSOAs to", exact=True).select_option(target)
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#status")).to_contain_text("saved as version 2")
    moved = populations(page)
    assert moved[source] == before[source] - residents
    assert moved[target] == before[target] + residents
    assert {k: v for k, v in moved.items() if k not in (source, target)} == {
        k: v for k, v in before.items() if k not in (source, target)
    }
    expect(page.locator("#status")).to_contain_text(f"{target} now {moved[target]:,} (+{residents:,}")
    swatch = page.locator(f"#hood-body tr[data-neighbourhood='{target}'] .app-swatch").evaluate(
        "e => e.style.background"
    )
    fill = page.locator(f"path[data-lsoa='{code}']").get_attribute("fill")
    assert swatch.replace(" ", "") == _rgb(fill)

    # Undo and redo are further moves, each a version; the tallies follow.
    page.get_by_role("button", name=re.compile("^Undo move of")).click()
    expect(page.locator("#status")).to_contain_text("saved as version 3")
    assert populations(page) == before
    page.get_by_role("button", name=re.compile("^Redo move of")).click()
    expect(page.locator("#status")).to_contain_text("saved as version 4")
    assert populations(page) == moved

    # Keyboard only: type a code, press Enter, choose with the keyboard, press Enter on Move.
    page.get_by_role("button", name="Clear selection").click()
    other = page.locator("path[data-lsoa]").nth(1).get_attribute("data-lsoa")
    page.get_by_label("LSOA code", exact=True).fill(other.lower())
    page.get_by_label("LSOA code", exact=True).press("Enter")
    expect(page.locator("#selection-summary")).to_contain_text("1 LSOA selected")
    expect(page.locator(f"#selection-list li[data-code='{other}']")).to_be_visible()
    home = neighbourhood_of(page, other)
    page.get_by_label("Move the selected LSOAs to", exact=True).focus()
    page.get_by_label("Move the selected LSOAs to", exact=True).select_option(same_authority(server, home))
    page.get_by_label("Note for this version (optional)", exact=True).fill("keyboard move")
    page.get_by_role("button", name="Move", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("saved as version 5")
    expect(page.locator("#versions-body tr")).to_have_count(5)
    expect(page.locator("#versions-body tr").first).to_contain_text("keyboard move")
    latest = populations(page)

    shot = tmp_path / "planner.png"
    png = page.screenshot(path=str(shot), full_page=True)
    colours, white = distinct_colours(png)
    assert colours > 50 and white < 0.9, (colours, white)
    map_png = page.locator("#map").screenshot()
    map_colours, map_white = distinct_colours(map_png)
    assert map_colours > 8 and map_white < 0.5, (map_colours, map_white)
    if os.environ.get("NHP_TEST_SCREENSHOTS"):  # keep a copy to look at
        page.screenshot(path=os.path.join(os.environ["NHP_TEST_SCREENSHOTS"], "planner.png"), full_page=True)

    # Every move was saved: a reload (the plan is in the address) shows the same plan and tallies.
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#plan-meta")).to_contain_text("version 5")
    assert populations(page) == latest
    assert a11y_problems(page) == []
    assert console.unexpected() == []


def same_authority(server, name: str) -> str:
    """Another neighbourhood of the newest plan in the same local authority as ``name`` (from its metrics)."""
    plan = server.api("GET", "/plans").json()[0]["id"]
    rows = server.api("GET", f"/plans/{plan}/metrics").json()["neighbourhoods"]
    lads = {row["name"]: row["lad_codes"] for row in rows}
    return next(other for other in lads if other != name and lads[other] == lads[name])


def neighbourhood_of(page, code: str) -> str:
    """The neighbourhood of a selected LSOA, from its line in the selection list ("… 1,652 residents — in N1")."""
    return re.search(r"— in (.+?) Remove$", page.locator(f"#selection-list li[data-code='{code}']").inner_text()).group(
        1
    )


def _rgb(hex_colour: str) -> str:
    value = hex_colour.lstrip("#")
    return "rgb({},{},{})".format(*(int(value[i : i + 2], 16) for i in (0, 2, 4)))


def test_ctrl_click_and_shift_drag_select_several_lsoas(server, open_page):
    plan = lad_plan(server)
    page, console = open_page(server, fragment=f"#area={AREA}&plan={plan}")
    codes = page.locator("path[data-lsoa]").evaluate_all("ps => ps.map(p => p.dataset.lsoa)")
    click_lsoa(page, codes[0])
    click_lsoa(page, codes[5], modifier="Control")
    expect(page.locator("#selection-summary")).to_contain_text("2 LSOAs selected")
    click_lsoa(page, codes[5], modifier="Control")
    expect(page.locator("#selection-summary")).to_contain_text("1 LSOA selected")

    box = page.locator("#map").bounding_box()
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")
    summary = page.locator("#selection-summary").inner_text()
    assert int(re.match(r"(\d+) LSOAs selected", summary).group(1)) > 3, summary
    page.get_by_role("button", name="Clear selection").click()
    expect(page.locator("#selection-summary")).to_have_text("No LSOAs selected.")
    assert console.unexpected() == []


def test_a_move_on_a_stale_version_reloads_the_plan_and_says_why(server, open_page):
    plan = lad_plan(server, "Shared plan")
    page, console = open_page(server, fragment=f"#area={AREA}&plan={plan}")
    expect(page.locator("#plan-meta")).to_contain_text("version 1")
    names = list(populations(page))
    codes = page.locator("path[data-lsoa]").evaluate_all("ps => ps.map(p => p.dataset.lsoa)")

    # Someone else moves an LSOA (through the API) while the page still shows version 1.
    etag = server.api("GET", f"/plans/{plan}").headers["etag"]
    version_1 = server.api("GET", f"/plans/{plan}/versions/1").json()["assignment"]
    elsewhere = next(n for n in names if n != version_1[codes[0]])
    answer = server.api(
        "POST", f"/plans/{plan}/moves", json={"moves": {codes[0]: elsewhere}}, headers={"If-Match": etag}
    )
    assert answer.status_code == 201

    page.get_by_label("LSOA code", exact=True).fill(codes[1])
    page.get_by_role("button", name="Add to selection").click()
    page.get_by_label("Move the selected LSOAs to", exact=True).select_option(
        next(n for n in names if n != version_1[codes[1]])
    )
    page.get_by_role("button", name="Move", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Someone else saved this plan while you were working on it: it is now version 2")
    expect(page.locator("#plan-meta")).to_contain_text("version 2")
    assert server.api("GET", f"/plans/{plan}").json()["latest_version"] == 2  # our move was not saved
    assert console.unexpected(412) == []


def test_restoring_an_earlier_version_moves_its_lsoas_back_as_a_new_version(server, open_page):
    plan = lad_plan(server, "Restored plan")
    version_1 = server.api("GET", f"/plans/{plan}/versions/1")
    assignment = version_1.json()["assignment"]
    code, names = next(iter(assignment)), sorted(set(assignment.values()))
    elsewhere = next(n for n in names if n != assignment[code])
    answer = server.api(
        "POST",
        f"/plans/{plan}/moves",
        json={"moves": {code: elsewhere}},
        headers={"If-Match": version_1.headers["etag"]},
    )
    assert answer.status_code == 201
    page, console = open_page(server, fragment=f"#area={AREA}&plan={plan}")
    expect(page.locator("#plan-meta")).to_contain_text("version 2")
    moved = populations(page)
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.locator("#status")).to_contain_text("Restore of version 1: saved as version 3")
    restored = populations(page)
    assert restored != moved
    assert server.api("GET", f"/plans/{plan}/versions/3").json()["assignment"] == assignment
    expect(page.get_by_role("button", name="Restore version 3")).to_be_disabled()  # the version shown
    assert console.unexpected() == []


def test_wrong_input_is_shown_in_an_error_summary_linked_to_the_field(server, open_page):
    page, console = open_page(server)
    page.get_by_label("Target population of a neighbourhood", exact=True).fill("0")
    page.get_by_role("button", name="Run proposal").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Enter a target population between 1,000 and 10,000,000, in whole people")
    link.click()
    expect(page.get_by_label("Target population of a neighbourhood", exact=True)).to_be_focused()
    expect(page.locator("#target-error")).to_contain_text("Error: Enter a target population")

    page.goto(f"{server.base}/#area={AREA}&plan={lad_plan(server)}")
    page.wait_for_selector("body[data-ready=true]")
    page.get_by_label("LSOA code", exact=True).fill("E01999999")
    page.get_by_label("LSOA code", exact=True).press("Enter")
    expect(page.locator("#error-summary")).to_contain_text("There is no LSOA E01999999 in NHS Demoshire ICB")
    page.get_by_role("button", name="Move", exact=True).is_disabled()
    assert console.unexpected() == []


def test_a_background_proposal_shows_progress_and_can_be_cancelled(server, open_page):
    page, console = open_page(server)
    page.get_by_label("Run as a background job (large areas always do)", exact=True).check()
    page.get_by_role("button", name="Run proposal").click()
    expect(page.get_by_label("Proposal progress", exact=True)).to_be_visible()
    page.get_by_role("button", name="Cancel proposal").click()
    expect(page.locator("#status")).to_have_text("The proposal was cancelled. Nothing was saved.")
    expect(page.get_by_label("Proposal progress", exact=True)).to_be_hidden()
    expect(page.locator("#proposal-result")).to_be_hidden()
    assert console.unexpected() == []
