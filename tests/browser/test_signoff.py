"""Sign-off with API keys: a planner proposes a plan and submits it; an approver finds it awaiting their sign-off,
confirms each rule it does not meet and agrees it with the HWB reference; Agree is never offered to its author."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.planner_page import a11y_problems  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def keys(server):
    """An admin key (which switches authentication on), then a planner's and an approver's keys."""
    admin = server.api("POST", "/keys", json={"name": "admin", "role": "admin"})
    assert admin.status_code == 201, admin.text
    admin_key = admin.json()["secret"]
    made = {}
    for name, role in [("Priya Planner", "planner"), ("Ade Approver", "approver")]:
        answer = server.api("POST", "/keys", admin_key, json={"name": name, "role": role})
        assert answer.status_code == 201, answer.text
        made[role] = answer.json()["secret"]
    return made


def sign_in(page, key: str) -> None:
    """Enter an access key, as a user would after the page says, in plain words, that one is needed."""
    expect(page.locator("#error-summary")).to_contain_text("Sign in to continue: paste the access key")
    expect(page.locator("#error-summary")).not_to_contain_text("Authorization")
    page.locator("#error-summary").get_by_role("link").click()  # opens Settings and focuses the key field
    expect(page.get_by_label("API key", exact=True)).to_be_focused()
    page.get_by_label("API key", exact=True).fill(key)
    page.get_by_role("button", name="Use this key").click()
    page.wait_for_selector("body[data-ready=true]")


def test_a_planner_submits_and_an_approver_agrees_with_the_hwb_reference(server, keys, open_page):
    planner, planner_console = open_page(server, wait=False)
    sign_in(planner, keys["planner"])
    expect(planner.locator("#whoami")).to_have_text("Signed in as Priya Planner (planner).")
    # A tight tolerance: the plan breaks a rule, which the approver must then confirm knowingly.
    planner.get_by_label("Tolerance (%)", exact=True).fill("1")
    planner.get_by_role("button", name="Run proposal").click()
    planner.get_by_label("Plan name", exact=True).fill("Demoshire for HWB")
    planner.get_by_role("button", name="Create plan from this proposal").click()
    expect(planner.locator("#status")).to_contain_text("as version 1 (draft)")  # the page went to the new plan
    expect(planner.locator("#hood-body tr").first).to_be_visible()
    expect(planner.get_by_role("button", name="Submit for sign-off")).to_be_visible()
    expect(planner.locator("#agree-form")).to_be_hidden()  # a planner cannot agree
    planner.get_by_role("button", name="Submit for sign-off").click()
    expect(planner.locator("#status")).to_contain_text("Submitted for sign-off: version 1 is now proposed for sign-off")
    expect(planner.locator("#plan-meta .nhsuk-tag")).to_have_text("Proposed for sign-off")
    expect(planner.locator("#editor")).to_be_hidden()  # a proposed version cannot be edited
    expect(planner.locator("#agree-form")).to_be_hidden()
    plan_id = server.api("GET", "/plans", keys["planner"]).json()[0]["id"]

    approver, approver_console = open_page(server, wait=False)  # a new tab: its own session storage, no key
    sign_in(approver, keys["approver"])
    expect(approver.locator("#whoami")).to_have_text("Signed in as Ade Approver (approver).")
    awaiting = approver.locator("#awaiting")
    expect(awaiting).to_contain_text("Awaiting your sign-off")
    awaiting.get_by_role("link", name="Demoshire for HWB").click()  # opens the plan
    expect(approver.locator("#plan-meta .nhsuk-tag")).to_have_text("Proposed for sign-off")
    unmet = server.api("GET", f"/plans/{plan_id}/signoff", keys["approver"]).json()["unmet"]
    assert unmet, "a 1% tolerance leaves a rule unmet"
    boxes = approver.locator("#unmet-list input[type=checkbox]")
    expect(boxes).to_have_count(len(unmet))
    for rule in unmet:  # every unmet rule of this version, in the service's words
        expect(approver.locator("#unmet-list")).to_contain_text(rule["text"])
    approver.get_by_role("button", name="Agree").click()
    expect(approver.locator("#error-summary")).to_contain_text("Enter the Health and Wellbeing Board meeting reference")
    for rule in unmet:
        expect(approver.locator("#error-summary")).to_contain_text(f"knowing that {rule['text']}")
    approver.get_by_label("Health and Wellbeing Board meeting reference", exact=True).fill(
        "Demoshire HWB 2026-03-14 item 7"
    )
    for i in range(len(unmet)):
        boxes.nth(i).check()
    approver.get_by_role("button", name="Agree").click()
    expect(approver.locator("#plan-meta .nhsuk-tag")).to_have_text("Agreed")
    expect(approver.locator("#plan-meta")).to_contain_text("Agreed by Ade Approver at Demoshire HWB 2026-03-14 item 7.")
    expect(approver.locator("#versions-body tr").first).to_contain_text("Agreed (Demoshire HWB 2026-03-14 item 7)")
    assert a11y_problems(approver) == []

    audit = server.api("GET", f"/plans/{plan_id}/audit", keys["approver"]).json()
    assert [(e["action"], e["actor_name"]) for e in audit][-2:] == [
        ("plan.submitted", "Priya Planner"),
        ("plan.agreed", "Ade Approver"),
    ]
    assert [r["rule"] for r in audit[-1]["detail"]["confirmed_unmet"]] == [r["rule"] for r in unmet]
    expect(awaiting).to_be_hidden()  # nothing else waits: the list goes

    # The approver's own submission: the box says another approver must agree it, and offers no Agree.
    area = server.api("GET", f"/plans/{plan_id}", keys["approver"]).json()["area"]
    made = server.api("POST", "/plans", keys["approver"], json={"name": "Own plan", "area": area})
    assert made.status_code == 201, made.text
    own = made.json()["id"]
    submitted = server.api("POST", f"/plans/{own}/submit", keys["approver"], headers={"If-Match": made.headers["ETag"]})
    assert submitted.status_code == 200, submitted.text
    approver.evaluate(f"location.hash = '#plan={own}'")
    expect(approver.locator("#plan-meta")).to_contain_text("Own plan")
    expect(approver.locator("#lifecycle-text")).to_contain_text("another approver must agree it")
    expect(approver.locator("#agree-form")).to_be_hidden()
    assert planner_console.unexpected(401) == [] and approver_console.unexpected(401, 422) == []
