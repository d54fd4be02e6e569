"""Local single-user mode trusts only the server's own origin: a page on another loopback port, in a real Chromium,
cannot act as the local admin (issue 20, item 10)."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

pytestmark = pytest.mark.browser
AREA = "Q99"

ATTACK = """<!doctype html><title>waiting</title><script>
const form = new FormData();
form.append("area", "Q99");
form.append("name", "Planted by another port");
form.append("file", new Blob([%(csv)s], {type: "text/csv"}), "plan.csv");
fetch("%(target)s/api/v1/plans/import", {method: "POST", mode: "no-cors", body: form})
  .then(() => { document.title = "sent"; }, (error) => { document.title = "failed " + error; });
</script>"""


@pytest.fixture
def other_port_page(server):
    """A page served by another process-local HTTP server on another loopback port, posting a plan to ``server``."""
    practices = server.api("GET", f"/areas/{AREA}/practices").json()["features"]
    csv = "practice_code,neighbourhood\n" + "".join(f"{f['id']},N{i % 2}\n" for i, f in enumerate(practices))
    assert len(practices) > 2
    page = (ATTACK % {"csv": json.dumps(csv), "target": server.base}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/attack.html"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_on_another_loopback_port_cannot_act_as_the_local_admin(server, browser_context, other_port_page):
    assert server.api("GET", "/me").json()["local_mode"] is True  # no key yet: this machine's scripts are admin
    before = len(server.api("GET", "/plans").json())
    page = browser_context.new_page()
    try:
        page.goto(other_port_page)
        page.wait_for_function("document.title !== 'waiting'", timeout=30_000)
        assert page.title() == "sent", "the request left the browser (opaque answer)"
    finally:
        page.close()
    plans = server.api("GET", "/plans").json()
    assert len(plans) == before and not any(p["name"] == "Planted by another port" for p in plans)
