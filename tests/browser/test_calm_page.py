"""A calm planner page: it goes to the plan it made, the status is one line with a link to the Validity box, the
map stays in view with a label for each neighbourhood and no two neighbours in one colour, and a viewer is not
shown a proposal form."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser


def status_bottom(page) -> float:
    box = page.locator("#status").bounding_box()
    return box["y"] + box["height"]


def test_after_create_plan_the_page_is_calm_and_the_map_tells_neighbours_apart(server, open_page):
    page, console = open_page(server)
    page.get_by_label("Count people as", exact=True).select_option("registered")
    page.get_by_role("button", name="Run proposal").click()
    page.get_by_label("Plan name", exact=True).fill("Calm plan")
    page.get_by_role("button", name="Create plan from this proposal").click()
    expect(page.locator("#status")).to_contain_text("as version 1 (draft)")
    expect(page.locator("#hood-body tr").first).to_be_visible()
    plan_id = server.api("GET", "/plans").json()[0]["id"]
    metrics = server.api("GET", f"/plans/{plan_id}/metrics").json()
    assert metrics["summary"]["population_basis"] == "registered", "the basis chosen on the form is the plan's"

    # The page went to the plan it made: its heading is in view, below the sticky status line.
    heading = page.locator("#plan-heading").bounding_box()
    assert status_bottom(page) <= heading["y"] < 900, heading

    # One line of status, and a link to the Validity box that names how many problems.
    status = page.locator("#status").bounding_box()
    assert status["height"] < 60, status
    link = page.locator("#status-validity")
    problems = len(metrics["violations"])
    expect(link).to_have_text(
        "Validity: every rule met" if not problems else f"Validity: {problems} problem" + "s" * (problems > 1)
    )
    link.click()
    expect(page.locator("#validity-heading")).to_be_focused()
    expect(page.locator("#validity")).to_contain_text(f"of {metrics['summary']['neighbourhoods']} neighbourhoods")

    # A label per neighbourhood on the map (the short form; some may be hidden where they would overlap).
    names = [row["name"] for row in metrics["neighbourhoods"]]
    expect(page.locator(".app-hood-label")).to_have_count(len(names))
    # Neighbouring neighbourhoods (the service's pairs) never share a colour: read from the table's swatches.
    colours = dict(
        page.locator("#hood-body tr").evaluate_all(
            "rows => rows.map((r) => [r.dataset.neighbourhood, r.querySelector('.app-swatch').style.background])"
        )
    )
    assert set(colours) == set(names)
    assert metrics["neighbours"], "the demo plan has neighbouring neighbourhoods"
    assert [pair for pair in metrics["neighbours"] if colours[pair[0]] == colours[pair[1]]] == []

    # The map stays in view while the page scrolls to the sign-off box beside it.
    page.locator("#lifecycle").scroll_into_view_if_needed()
    box = page.locator("#map").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] / 2 < page.viewport_size["height"], box
    assert console.unexpected() == []


def test_a_viewer_is_not_shown_the_proposal_form(server, open_page):
    admin = server.api("POST", "/keys", json={"name": "admin", "role": "admin"}).json()["secret"]
    viewer = server.api("POST", "/keys", admin, json={"name": "Vic Viewer", "role": "viewer"}).json()["secret"]
    page, _ = open_page(server, wait=False)
    expect(page.locator("#error-summary")).to_contain_text("Sign in to continue")
    page.locator("#error-summary").get_by_role("link").click()  # opens the sign-in box at the key field
    page.get_by_label("API key", exact=True).fill(viewer)
    page.get_by_role("button", name="Use this key").click()
    expect(page.locator("#whoami")).to_have_text("Signed in as Vic Viewer (viewer).")
    expect(page.locator("#propose-section")).to_be_hidden()
    expect(page.get_by_role("button", name="Run proposal")).to_have_count(0)
