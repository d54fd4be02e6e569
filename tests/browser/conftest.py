"""Browser tests of the planner page: a real uvicorn server on a free port, headless Debian Chromium via Playwright.

Skipped (with the reason) only when ``/usr/bin/chromium`` or the ``playwright`` package is missing. Playwright's own
browser download is never used: Chromium is launched from ``CHROMIUM`` with a fresh user-data folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("NHP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
else:
    expect.set_options(timeout=15_000)  # the machine is shared: allow for a busy server


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "playwright is not installed (pip install playwright; never `playwright install`)"
    elif not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set NHP_TEST_CHROMIUM)"
    for item in items:
        if HERE in Path(item.fspath).parents or Path(item.fspath).parent == HERE:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A uvicorn process serving the API and the planner page from its own home folder."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "NHP_HOME_DIR": str(home)}
        env.pop("NHP_DATABASE_URL", None)
        self.log_path = home / "server.log"
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 300  # a loaded machine (shared cores) can take minutes to import the app
        while True:
            try:
                if httpx.get(f"{self.base}/static/index.html", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start:\n{self.log_path.read_text()}")
            time.sleep(0.2)

    def api(self, method: str, path: str, key: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.request(method, f"{self.base}/api/v1{path}", headers=headers, timeout=60, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh server (own plans database) for one test module; local single-user mode until keys are made."""
    home = tmp_path_factory.mktemp("nhp-browser-home")
    server = Server(home)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory, playwright_session):
    """Headless Debian Chromium with a fresh user-data folder; each test opens its own pages (own sessionStorage)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright_session.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1400, "height": 1000},
        locale="en-GB",
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()
    shutil.rmtree(profile, ignore_errors=True)


class Console:
    """Console errors and uncaught exceptions of a page (expected HTTP error statuses may be allowed)."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def unexpected(self, *allowed_statuses: int) -> list[str]:
        """Console errors not of an allowed HTTP status, and every request the page tried outside the server."""
        allowed = [f"status of {status} " for status in allowed_statuses]
        return [e for e in self.errors if not any(a in e for a in allowed)] + [
            f"request outside the server (blocked): {url}" for url in self.outside
        ]


def block_other_hosts(page, base: str, console: Console) -> None:
    """Abort (and record) every request of the page to anything but the server: the page must work offline."""
    console.outside = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base + "/") or url == base or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            console.outside.append(url)
            request_route.abort()

    page.route("**/*", route)


@pytest.fixture
def open_page(browser_context):
    """Open a new tab on a server's planner page: ``page, console = open_page(server, wait=True)``."""
    pages = []

    def opener(server: Server, *, wait: bool = True, fragment: str = ""):
        page = browser_context.new_page()
        pages.append(page)
        console = Console(page)
        block_other_hosts(page, server.base, console)
        page.goto(f"{server.base}/{fragment}")
        if wait:
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        return page, console

    yield opener
    for page in pages:
        page.close()
