"""The planner page's access and need table (issue 24): every neighbourhood of GET /plans/{id}/access, in its
order, with modelled figures labelled modelled and each figure's source and method under the table."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from playwright.sync_api import expect  # noqa: E402

pytestmark = pytest.mark.browser

AREA = "Q99"


def test_the_open_plan_shows_access_and_need_with_sources(server, open_page):
    proposal = server.api("POST", f"/areas/{AREA}/proposals", json={"seed": 1})
    assert proposal.status_code == 201, proposal.text
    plan = server.api(
        "POST",
        "/plans",
        json={"name": "Access plan", "area": AREA, "start": "proposal", "proposal_id": proposal.json()["id"]},
    ).json()["id"]
    doc = server.api("GET", f"/plans/{plan}/access").json()
    page, console = open_page(server, fragment=f"#area={AREA}&plan={plan}")
    rows = page.locator("#access-body tr")
    expect(rows).to_have_count(len(doc["neighbourhoods"]))
    # The API's order (least healthy life first, then most need), and its figures as the planner reads them.
    assert rows.evaluate_all("rs => rs.map((r) => r.dataset.neighbourhood)") == [
        r["neighbourhood"] for r in doc["neighbourhoods"]
    ]
    first = doc["neighbourhoods"][0]
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == f"{first['practice_km_mean']:.1f} km"
    index = first["need_index"]
    expected = "not available" if index is None else f"{index:+.2f}".replace("+0.00", "0.00").replace("-0.00", "0.00")
    assert cells[4] == expected
    expect(page.locator("#access-head")).to_contain_text("Minutes to stroke-unit hospital (modelled)")
    notes = page.locator("#access-notes li")
    expect(notes.first).to_contain_text("straight-line distance to the nearest GP practice site")
    expect(page.locator("#access-notes")).to_contain_text("[modelled]")
    expect(page.locator("#access-notes")).to_contain_text("Need index: z = (x - m) / s")
    assert console.unexpected() == []
