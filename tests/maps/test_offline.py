"""Every HTML page the project writes works with no network: no remote script, stylesheet or image, and in
headless Chromium with every non-local request refused, Leaflet loads, the polygons draw and every neighbourhood
is labelled; Swagger UI renders ``/docs`` the same way.

Pages: ``nhp map`` (CLI), the demo's map and profiles, the API's map, plan and profile exports, ``save_map``.
"""

from __future__ import annotations

import html
import itertools
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.plan.labels import label_lines

from geo.errors import DataError
from geo.maps import plan_map, save_map
from geo.plan import Plan
from geo.testing import grid_atlas

CHROMIUM = os.environ.get("NHP_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
HOODS = ["North", "South & <East>"]  # a name that must be escaped, and still shown


class _Remote(HTMLParser):
    """Remote URLs a page would fetch: script src, stylesheet/icon links, img/iframe/source src, CSS url()."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("src") if tag in ("script", "img", "iframe", "source", "embed") else None
        if (
            tag == "link"
            and "stylesheet" in (attrs.get("rel") or "") + (attrs.get("as") or "")
            or (tag == "link" and "icon" in (attrs.get("rel") or ""))
        ):
            url = attrs.get("href")
        if url and url.strip().lower().startswith(("http:", "https:", "//")):
            self.remote.append(f"<{tag}> {url}")
        self._style = tag == "style"

    def handle_data(self, data):
        if self._style and ("url(http" in data or "url(//" in data or "@import" in data):
            self.remote.append(f"<style> {data[:80]}")

    def handle_endtag(self, tag):
        self._style = False


def remote_fetches(text: str) -> list[str]:
    parser = _Remote()
    parser.feed(text)
    return parser.remote


@pytest.fixture(scope="module")
def atlas():
    return grid_atlas(6, 4, lad_width=3, practice_every=3)


@pytest.fixture(scope="module")
def plan(atlas):
    rows = np.arange(len(atlas.lsoas)) // 6
    return Plan(atlas, pd.Series(np.where(rows >= 2, HOODS[0], HOODS[1]), index=atlas.codes), target=12_000)


@pytest.fixture(scope="module")
def pages(atlas, plan, tmp_path_factory):
    """Every kind of HTML the project writes, by name -> (path, neighbourhood names it should label)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from cli import main
    from geo.settings import Settings

    out = tmp_path_factory.mktemp("offline")
    found = {"save_map": (save_map(plan_map(atlas, plan), out / "save_map.html"), HOODS)}
    plan_csv = out / "plan.csv"
    plan.assignment.rename("neighbourhood").rename_axis("lsoa_code").to_csv(plan_csv)
    mp = pytest.MonkeyPatch()
    mp.setattr("cli._common.atlas_from_args", lambda args: atlas)
    try:
        assert main(["map", "--area", "GRID", "--plan", str(plan_csv), "--out", str(out / "cli.html")]) == 0
    finally:
        mp.undo()
    found["nhp map"] = (out / "cli.html", HOODS)

    from geo.demo_run import run_demo

    demo = run_demo(out / "demo", permutations=99)
    demo_hoods = sorted(pd.read_csv(demo.files["plan"], dtype=str).neighbourhood.unique())
    found["demo map"] = (Path(demo.files["map"]), demo_hoods)
    found["demo profiles"] = (Path(demo.files["profiles"]), None)

    api_atlas = grid_atlas(6, 6, lad_width=3)
    app = create_app(
        Settings(home_dir=out / "home", data_dir=None, target_population=9000), atlas_provider={"GRID": api_atlas}
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        made = client.post("/api/v1/plans", json={"name": "offline", "area": "GRID", "start": "lad"})
        assert made.status_code == 201, made.text
        plan_id = made.json()["id"]
        for kind in ("map.html", "export.html", "profiles.html"):
            response = client.get(f"/api/v1/plans/{plan_id}/{kind}")
            assert response.status_code == 200, (kind, response.text[:300])
            (out / f"api-{kind}").write_text(response.text, encoding="utf-8")
            hoods = sorted(set(api_atlas.lsoas.lad_code)) if kind != "profiles.html" else None
            found[f"API {kind}"] = (out / f"api-{kind}", None if kind == "profiles.html" else hoods)
        docs = client.get("/docs")
        assert docs.status_code == 200
        found["/docs"] = (out / "docs.html", None)
        found["/docs"][0].write_text(docs.text, encoding="utf-8")
    return found


def test_no_written_page_fetches_anything_remote(pages):
    for name, (path, _) in pages.items():
        text = path.read_text(encoding="utf-8")
        assert remote_fetches(text) == [], name
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "code.jquery" not in text, name


def test_a_map_needing_an_unvendored_plugin_refuses_to_save_offline(atlas, plan, tmp_path):
    from folium.plugins import Fullscreen

    m = plan_map(atlas, plan)
    Fullscreen().add_to(m)
    with pytest.raises(DataError, match="not vendored"):
        save_map(m, tmp_path / "plugin.html")
    online = save_map(m, tmp_path / "online.html", offline=False).read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/leaflet" in online  # the online form is still there when asked for


@pytest.fixture(scope="module")
def offline_browser(request):
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # One Playwright driver per process (tests/conftest.py); one browser for this module.
    playwright = request.getfixturevalue("playwright_session")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    # No network: every request that is not the page's own file (or served by the test) is refused.
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    refused: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:", "http://docs.test/")):
            return request_route.fallback()
        refused.append(url)
        return request_route.abort()

    context.route("**/*", route)
    context.refused = refused
    yield context
    context.close()
    browser.close()


@pytest.mark.browser
def test_every_map_draws_and_labels_every_neighbourhood_with_the_network_off(pages, offline_browser, tmp_path):
    maps = {k: v for k, v in pages.items() if k in ("save_map", "nhp map", "demo map", "API map.html")}
    for name, (path, hoods) in maps.items():
        page = offline_browser.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.resolve().as_uri())
        page.wait_for_function("() => document.querySelectorAll('path.leaflet-interactive').length > 0", timeout=30_000)
        assert page.evaluate("() => typeof window.L === 'object' && typeof L.map === 'function'"), name
        assert page.locator(".leaflet-control-layers").count() == 1, name
        if hoods:
            page.wait_for_selector("[data-labels-decluttered]", state="attached", timeout=10_000)
        labels = page.eval_on_selector_all(
            ".leaflet-tooltip.nhp-label",
            """els => els.map(e => { const r = e.getBoundingClientRect();
                return [e.innerHTML, getComputedStyle(e).visibility, r.left, r.top, r.right, r.bottom]; })""",
        )
        if hoods:
            # every neighbourhood labelled, by the lines of the short form drawn on maps (geo.plan.labels.label_lines:
            # never an ellipsis; full names are in the tooltips)
            expected = sorted("<br>".join(html.escape(line, quote=False) for line in label_lines(h)) for h in hoods)
            assert sorted(text for text, *_ in labels) == expected, name
            assert not any("…" in text for text, *_ in labels), name
            # the labels shown never overlap: the ones that would are hidden until the map is zoomed in
            shown = [box for _, seen, *box in labels if seen == "visible"]
            assert shown, name
            for a, b in itertools.combinations(shown, 2):
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (name, a, b)
        assert errors == [], (name, errors)
        if name == "save_map":
            page.screenshot(path=str(tmp_path / "offline-map.png"))
        page.close()
    assert offline_browser.refused == []
    if os.environ.get("NHP_SCREENSHOT_DIR"):  # to look at: the map drawn with the network off
        shutil.copy(tmp_path / "offline-map.png", Path(os.environ["NHP_SCREENSHOT_DIR"]) / "offline-map.png")


@pytest.mark.browser
def test_docs_renders_swagger_ui_with_the_network_off(offline_browser):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.settings import Settings

    import tempfile

    app = create_app(
        Settings(home_dir=Path(tempfile.mkdtemp()), data_dir=None), atlas_provider={"GRID": grid_atlas(2, 2)}
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:

        def serve(request_route):
            path = request_route.request.url.removeprefix("http://docs.test")
            answer = client.get(path)
            request_route.fulfill(
                status=answer.status_code,
                body=answer.content,
                headers={k: v for k, v in answer.headers.items() if k.lower() != "content-length"},
            )

        page = offline_browser.new_page()
        page.route("http://docs.test/**", serve)
        page.goto("http://docs.test/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        assert "Neighbourhood Health Planner API" in page.locator(".swagger-ui .info .title").inner_text()
        assert page.locator(".opblock").count() > 10  # the operations are listed
        page.close()
    assert offline_browser.refused == []
