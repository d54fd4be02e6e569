"""The holes of issue 15 (items 2-9), each tested as a class: authentication never fails open, four-eyes sign-off
on the exact ETag, the audit log's real transitions, names refused at every entry point, bounded storage and
uploads, per-role area limits, a bounded job queue and security headers on every HTML answer."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.signoff import RULES
from tests.api.conftest import AREA, auth, new_plan

# The four-eyes tests agree plans that break size rules: every rule is confirmed (tests/api/test_signoff.py checks
# the confirmations themselves).
CONFIRM = list(RULES)

BAD_NAMES = [
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "x" * 81,
    "\x1b[31mred",
    "right\u202eleft",
    "bell\x07",
    "tab\tname",
    "cr\rname",
    "",
]
CODES = [f"G{i:04d}" for i in range(36)]


def _audit_rows(app, action_prefix: str):
    with app.state.nhp.db.read() as session:
        rows = session.execute(
            text("SELECT action, actor_name, detail FROM audit_events WHERE action LIKE :p ORDER BY id"),
            {"p": action_prefix + "%"},
        ).all()
    return rows


# --- 2. authentication never fails open -------------------------------------------------------------------------


def test_revoking_every_other_key_never_switches_local_mode_back_on(client, app, keys):
    admin = auth(keys["admin"])
    for role in ("viewer", "planner", "approver"):
        key_id = client.get("/api/v1/me", headers=auth(keys[role])).json()["key_id"]
        assert client.delete(f"/api/v1/keys/{key_id}", headers=admin).status_code == 200
    operations = [(m.upper(), p) for p, item in app.openapi()["paths"].items() for m in item]
    for method, path in operations:
        url = re.sub(
            r"\{[^}]+\}", lambda m: AREA if m.group(0) == "{area}" else ("csv" if m.group(0) == "{ext}" else "1"), path
        )
        assert client.request(method, url).status_code == 401, (method, url)
    assert client.post("/api/v1/keys", json={"name": "sneaky", "role": "admin"}).status_code == 401


def test_the_last_admin_key_cannot_be_revoked_and_every_key_change_is_audited(client, app, keys):
    admin = auth(keys["admin"])
    second = client.post("/api/v1/keys", json={"name": "second-admin", "role": "admin"}, headers=admin).json()
    first_id = client.get("/api/v1/me", headers=admin).json()["key_id"]
    assert client.delete(f"/api/v1/keys/{second['id']}", headers=admin).status_code == 200
    refused = client.delete(f"/api/v1/keys/{first_id}", headers=admin)
    assert refused.status_code == 409 and "last active admin" in refused.json()["detail"]
    assert client.get("/api/v1/me", headers=admin).status_code == 200
    created = [r for r in _audit_rows(app, "key.created")]
    revoked = [r for r in _audit_rows(app, "key.revoked")]
    assert len(created) == 5 and len(revoked) == 1  # four fixture keys and one over the API; one revocation
    assert {json.loads(r.detail)["name"] if isinstance(r.detail, str) else r.detail["name"] for r in revoked} == {
        "second-admin"
    }


@pytest.mark.parametrize("where", ["host 0.0.0.0", "server socket 10.0.0.5", "client 192.0.2.1"])
def test_local_mode_needs_loopback(settings, atlas, where):
    from api.app import create_app

    if where == "host 0.0.0.0":
        settings = settings.model_copy(update={"host": "0.0.0.0"})
    app = create_app(settings, atlas_provider={AREA: atlas})
    base = "http://10.0.0.5" if where.startswith("server") else "http://127.0.0.1"
    client_address = ("192.0.2.1", 5000) if where.startswith("client") else ("testclient", 50000)
    with TestClient(app, base_url=base, client=client_address) as client:
        assert client.get("/api/v1/me").status_code == 401
        assert client.post("/api/v1/keys", json={"name": "x", "role": "admin"}).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"host": "evil.example:8000"},  # a DNS-rebinding page: its own name, resolved to 127.0.0.1
        {"origin": "http://evil.example"},  # a cross-site form or fetch from another page
        {"sec-fetch-site": "cross-site"},
        {"x-forwarded-for": "203.0.113.9"},  # a reverse proxy on this machine, serving the world
        {"forwarded": "for=203.0.113.9"},
        # issue 20, item 10: a page on another loopback port is another origin (Chromium calls it same-site)
        {"origin": "http://127.0.0.1:8001"},
        {"origin": "http://localhost"},  # another host name for this machine: another origin
        {"origin": "https://127.0.0.1"},  # another scheme
        {"origin": "null"},  # a sandboxed or file: page
        {"referer": "http://127.0.0.1:8001/attack.html"},
        {"sec-fetch-site": "same-site"},
        {"host": "127.0.0.1:8001"},  # the Host names another port than the server's
        # proxies that send only one of the less common headers
        *[
            {name: value}
            for name, value in [
                ("via", "1.1 proxy"),
                ("x-forwarded-host", "planner.example"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-port", "443"),
                ("x-forwarded-server", "proxy"),
                ("x-real-ip", "203.0.113.9"),
                ("x-client-ip", "203.0.113.9"),
                ("true-client-ip", "203.0.113.9"),
                ("cf-connecting-ip", "203.0.113.9"),
                ("fastly-client-ip", "203.0.113.9"),
                ("x-cluster-client-ip", "203.0.113.9"),
                ("client-ip", "203.0.113.9"),
                ("x-original-forwarded-for", "203.0.113.9"),
                ("forwarded", "for=127.0.0.1"),
            ]
        ],
    ],
)
def test_local_mode_refuses_requests_that_did_not_come_from_this_machines_own_pages(settings, atlas, headers):
    from api.app import create_app

    app = create_app(settings, atlas_provider={AREA: atlas})
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/api/v1/me").status_code == 200  # the machine's own browser: local mode
        assert client.get("/api/v1/me", headers=headers).status_code == 401
        assert client.post("/api/v1/keys", json={"name": "x", "role": "admin"}, headers=headers).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a script on this machine (curl, Python)
        {"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"},  # the planner page's own fetch
        {"referer": "http://127.0.0.1/", "sec-fetch-site": "none"},  # a URL typed into the browser
        {"host": "127.0.0.1:80"},  # the default port, spelled out
    ],
)
def test_local_mode_serves_this_servers_own_pages(settings, atlas, headers):
    from api.app import create_app

    app = create_app(settings, atlas_provider={AREA: atlas})
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/api/v1/me", headers=headers).json()["local_mode"] is True


def test_an_admin_may_switch_local_mode_on_explicitly_and_it_is_audited(client, app, keys):
    assert client.get("/api/v1/me").status_code == 401
    assert (
        client.patch("/api/v1/admin/settings", json={"local_mode": True}, headers=auth(keys["planner"])).status_code
        == 403
    )
    changed = client.patch("/api/v1/admin/settings", json={"local_mode": True}, headers=auth(keys["admin"]))
    assert changed.status_code == 200 and changed.json()["local_mode"] is True
    assert client.get("/api/v1/me").json()["local_mode"] is True
    [event] = _audit_rows(app, "settings.changed")
    assert event.actor_name == "admin-key"


# --- 3, 4. four-eyes sign-off on the exact ETag, and the audit log of every transition -------------------------


@pytest.mark.parametrize(
    "drafter,mover,submitter,ok",
    [
        ("planner", None, "planner", True),
        ("approver", None, "planner", False),  # the approver drafted it
        ("planner", None, "approver", False),  # the approver submitted it
        ("planner", "approver", "planner", False),  # the approver moved an LSOA: they drafted this version
        ("admin", None, "admin", True),  # the approver is another key
    ],
)
def test_four_eyes_sign_off(client, keys, drafter, mover, submitter, ok):
    plan_id, etag = new_plan(client, headers=auth(keys[drafter]))
    if mover:
        etag = client.post(
            f"/api/v1/plans/{plan_id}/moves",
            json={"moves": {"G0002": "E07009001"}},
            headers={"If-Match": etag, **auth(keys[mover])},
        ).headers["ETag"]
    etag = client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **auth(keys[submitter])}).headers[
        "ETag"
    ]
    agreed = client.post(
        f"/api/v1/plans/{plan_id}/agree",
        json={"hwb_reference": "HWB 1", "confirmed": CONFIRM},
        headers={"If-Match": etag, **auth(keys["approver"])},
    )
    assert agreed.status_code == (200 if ok else 403), agreed.text
    if not ok:
        assert agreed.json()["type"] == "urn:nhp:problem:four-eyes"


def _change(client, plan_id, etag, who, step):
    """Apply one step (a move, a rename, submit, return) as ``who`` and return the new ETag."""
    url, body = {
        "move": ("moves", {"moves": {"G0002": "E07009001"}}),
        "move back": ("moves", {"moves": {"G0002": "E07009000"}}),
        "rename": ("rename", {"names": {"E07009000": "West"}}),
        "submit": ("submit", None),
        "return": ("return", None),
    }[step]
    response = client.post(f"/api/v1/plans/{plan_id}/{url}", json=body, headers={"If-Match": etag, **who})
    assert response.status_code in (200, 201), (step, response.text)
    return response.headers["ETag"]


@pytest.mark.parametrize(
    "steps,ok",
    [
        # issue 20, item 7: the approver renames, a planner submits, the same approver agrees
        ([("approver", "rename"), ("planner", "submit")], False),
        # an approver's earlier move, under a later planner's move: every version since the last agreement counts
        ([("approver", "move"), ("planner", "move back"), ("planner", "submit")], False),
        # the approver submitted an earlier proposal that was returned; the planner changed and resubmitted it
        ([("approver", "submit"), ("planner", "return"), ("planner", "move"), ("planner", "submit")], False),
        # returning a proposed version to draft (no new version) makes nobody an author
        ([("planner", "submit"), ("approver", "return"), ("planner", "submit")], True),
    ],
)
def test_four_eyes_counts_every_author_since_the_last_agreement(client, keys, steps, ok):
    plan_id, etag = new_plan(client, headers=auth(keys["planner"]))
    for who, step in steps:
        etag = _change(client, plan_id, etag, auth(keys[who]), step)
    agreed = client.post(
        f"/api/v1/plans/{plan_id}/agree",
        json={"hwb_reference": "HWB 1", "confirmed": CONFIRM},
        headers={"If-Match": etag, **auth(keys["approver"])},
    )
    assert agreed.status_code == (200 if ok else 403), agreed.text
    if not ok:
        assert agreed.json()["type"] == "urn:nhp:problem:four-eyes"


def test_four_eyes_starts_again_after_each_agreement(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    plan_id, etag = new_plan(client, headers=planner)
    etag = _change(client, plan_id, etag, approver, "rename")  # the approver's change, in the first agreed round
    etag = _change(client, plan_id, etag, planner, "submit")
    etag = client.post(
        f"/api/v1/plans/{plan_id}/agree",
        json={"hwb_reference": "HWB 1", "confirmed": CONFIRM},
        headers={"If-Match": etag, **auth(keys["admin"])},
    ).headers["ETag"]
    for step in ("return", "move", "submit"):  # a new round by the planner alone
        etag = _change(client, plan_id, etag, planner, step)
    agreed = client.post(
        f"/api/v1/plans/{plan_id}/agree",
        json={"hwb_reference": "HWB 2", "confirmed": CONFIRM},
        headers={"If-Match": etag, **approver},
    )
    assert agreed.status_code == 200, agreed.text


def test_only_an_admin_may_waive_four_eyes_and_the_waiver_is_audited(client, app, keys):
    approver = auth(keys["approver"])
    plan_id, etag = new_plan(client, headers=approver)
    etag = client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **approver}).headers["ETag"]
    assert client.patch("/api/v1/admin/settings", json={"four_eyes": False}, headers=approver).status_code == 403
    assert (
        client.patch("/api/v1/admin/settings", json={"four_eyes": False}, headers=auth(keys["admin"])).json()[
            "four_eyes"
        ]
        is False
    )
    agreed = client.post(
        f"/api/v1/plans/{plan_id}/agree",
        json={"hwb_reference": "HWB 1", "confirmed": CONFIRM},
        headers={"If-Match": etag, **approver},
    )
    assert agreed.status_code == 200
    assert [r.actor_name for r in _audit_rows(app, "settings.changed")] == ["admin-key"]


@pytest.mark.parametrize("route", ["moves", "submit", "agree", "return"])
def test_if_match_star_is_refused_by_every_change(client, keys, route):
    planner = auth(keys["planner"])
    plan_id, etag = new_plan(client, headers=planner)
    if route in ("agree", "return"):
        client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **planner})
    body = {"moves": {"moves": {"G0002": "E07009001"}}, "agree": {"hwb_reference": "HWB 1", "confirmed": CONFIRM}}.get(
        route
    )
    response = client.post(
        f"/api/v1/plans/{plan_id}/{route}",
        json=body,
        headers={"If-Match": "*", **auth(keys["approver"] if route == "agree" else keys["planner"])},
    )
    assert response.status_code == 428, response.text
    assert len(client.get(f"/api/v1/plans/{plan_id}/versions", headers=planner).json()) == 1


def test_audit_log_records_the_real_from_and_to_state_of_every_transition(client, keys):
    planner, approver = auth(keys["planner"]), auth(keys["approver"])
    plan_id, etag = new_plan(client, headers=planner)
    steps = [
        ("submit", planner, None),
        ("return", planner, None),
        ("submit", planner, None),
        ("agree", approver, {"hwb_reference": "HWB 2", "confirmed": CONFIRM}),
        ("return", planner, None),
    ]
    seen = []
    for action, headers, body in steps:
        before = client.get(f"/api/v1/plans/{plan_id}", headers=planner).json()["state"]
        answer = client.post(f"/api/v1/plans/{plan_id}/{action}", json=body, headers={"If-Match": etag, **headers})
        assert answer.status_code == 200, answer.text
        etag = answer.headers["ETag"]
        seen.append((before, answer.json()["state"]))
    events = [
        e
        for e in client.get(f"/api/v1/plans/{plan_id}/audit", headers=planner).json()
        if e["action"] in ("plan.submitted", "plan.agreed", "plan.returned")
    ]
    assert [(e["detail"]["from_state"], e["detail"]["to_state"]) for e in events] == seen
    assert seen == [
        ("draft", "proposed"),
        ("proposed", "draft"),
        ("draft", "proposed"),
        ("proposed", "agreed"),
        ("agreed", "draft"),
    ]


# --- 5, 6. names at every entry point, bounded storage and uploads ----------------------------------------------


def _entry_points(client, headers, bad):
    """Every way a name gets into the service, each with ``bad`` as the name."""
    csv = "lsoa_code,neighbourhood\n" + "".join(f"{c},{bad if i == 7 else 'North'}\n" for i, c in enumerate(CODES))
    squares = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": bad},
                "geometry": {"type": "Polygon", "coordinates": [[[-10, 40], [10, 40], [10, 70], [-10, 40]]]},
            }
        ],
    }
    plan_id, etag = new_plan(client, headers=headers)
    return {
        "plan name": lambda: client.post("/api/v1/plans", json={"name": bad, "area": AREA}, headers=headers),
        "neighbourhood": lambda: client.post(
            "/api/v1/plans", json={"name": "p", "area": AREA, "start": "one", "neighbourhood": bad}, headers=headers
        ),
        "import csv": lambda: client.post(
            "/api/v1/plans/import",
            data={"area": AREA},
            headers=headers,
            files={"file": ("plan.csv", io.BytesIO(csv.encode()), "text/csv")},
        ),
        "import geojson": lambda: client.post(
            "/api/v1/plans/import",
            data={"area": AREA},
            headers=headers,
            files={"file": ("plan.geojson", io.BytesIO(json.dumps(squares).encode()), "application/geo+json")},
        ),
        "import name": lambda: client.post(
            "/api/v1/plans/import",
            data={"area": AREA, "name": bad},
            headers=headers,
            files={
                "file": ("plan.csv", io.BytesIO(csv.replace(bad, "N").encode() if bad else csv.encode()), "text/csv")
            },
        ),
        "move": lambda: client.post(
            f"/api/v1/plans/{plan_id}/moves", json={"moves": {"G0002": bad}}, headers={"If-Match": etag, **headers}
        ),
    }


@pytest.mark.parametrize("bad", BAD_NAMES, ids=repr)
def test_every_entry_point_refuses_a_bad_name_and_saves_nothing(client, keys, bad):
    planner = auth(keys["planner"])
    points = _entry_points(client, planner, bad)
    before = len(client.get("/api/v1/plans", headers=planner).json())
    for where, call in points.items():
        if bad == "" and where == "import name":
            continue  # an empty form field means "name it after the file"
        response = call()
        assert response.status_code == 422, (where, response.status_code, response.text)
    assert len(client.get("/api/v1/plans", headers=planner).json()) == before
    assert (
        client.post(
            "/api/v1/keys", json={"name": bad or " ", "role": "viewer"}, headers=auth(keys["admin"])
        ).status_code
        == 422
    )


def test_no_xlsx_or_csv_export_holds_a_formula(client, keys):
    plan_id, _ = new_plan(client, headers=auth(keys["planner"]), name="Board paper")
    from openpyxl import load_workbook

    viewer = auth(keys["viewer"])
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/plans/{plan_id}/export.xlsx", headers=viewer).content))
    assert not [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    for url in (f"/api/v1/plans/{plan_id}/export.csv", f"/api/v1/plans/{plan_id}/profiles.csv"):
        body = client.get(url, headers=viewer).text
        assert body, url
        cells = [cell for line in body.splitlines() for cell in line.split(",")]
        assert not [c for c in cells if c[:1] in ("=", "+", "@")], url


def test_moves_are_stored_compressed(client, app, keys):
    planner = auth(keys["planner"])
    plan_id, etag = new_plan(client, headers=planner)
    for code in ("G0002", "G0008", "G0014", "G0020", "G0026"):
        etag = client.post(
            f"/api/v1/plans/{plan_id}/moves", json={"moves": {code: "E07009001"}}, headers={"If-Match": etag, **planner}
        ).headers["ETag"]
    engine = create_engine(str(app.state.nhp.db.engine.url))
    with engine.connect() as conn:
        stored = [len(bytes(b)) for (b,) in conn.execute(text("SELECT assignment_z FROM plan_versions"))]
    engine.dispose()
    plain = len(json.dumps(client.get(f"/api/v1/plans/{plan_id}/versions/6", headers=planner).json()["assignment"]))
    assert len(stored) == 6 and max(stored) < plain / 3, (stored, plain)


def test_a_plan_upload_over_its_own_cap_is_413(settings, atlas):
    from api.app import create_app
    from api.uploads import MAX_BYTES

    app = create_app(settings.model_copy(update={"max_upload_mb": 20}), atlas_provider={AREA: atlas})
    body = b"lsoa_code,neighbourhood\n" + b"G0000," + b"N" * (MAX_BYTES["plan"] + 10) + b"\n"
    with TestClient(app, base_url="http://127.0.0.1") as client:
        response = client.post(
            "/api/v1/plans/import", data={"area": AREA}, files={"file": ("plan.csv", io.BytesIO(body), "text/csv")}
        )
        assert response.status_code == 413 and response.json()["kind"] == "plan"
        assert client.get("/api/v1/plans").json() == []


# --- 8. per-role area limits, case-insensitive areas, a bounded job queue, cancel by owner ----------------------


def test_area_limits_by_role_and_case_insensitive_ids(settings, atlas, tmp_path):
    from api.app import create_app
    from api.atlases import PLANNER_MAX_LSOAS, AtlasProvider
    from api.auth import create_key

    built = []

    def load(area):
        built.append(area)
        return atlas

    sizes = {"SMALL": 36, "HUGE": PLANNER_MAX_LSOAS + 1}
    provider = AtlasProvider(load, [AREA], open_ended=True, sizer=lambda area: sizes.get(area, 36))
    app = create_app(settings, atlas_provider=provider)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        keys = {r: create_key(app.state.nhp.db, f"{r}-key", r)[1] for r in ("viewer", "planner", "admin")}
        assert client.get("/api/v1/areas/small", headers=auth(keys["viewer"])).status_code == 403
        assert client.get("/api/v1/areas/grid/lsoas", headers=auth(keys["viewer"])).status_code == 200
        assert client.get("/api/v1/areas/huge", headers=auth(keys["planner"])).status_code == 403
        assert (
            client.post("/api/v1/plans", json={"name": "p", "area": "huge"}, headers=auth(keys["planner"])).status_code
            == 403
        )
        for spelling in ("small", "Small", "SMALL"):
            assert client.get(f"/api/v1/areas/{spelling}", headers=auth(keys["planner"])).status_code == 200
        assert client.get("/api/v1/areas/small", headers=auth(keys["viewer"])).status_code == 200  # now loaded
        assert client.get("/api/v1/areas/Huge", headers=auth(keys["admin"])).status_code == 200
        assert built == ["GRID", "SMALL", "HUGE"], (
            "each area is built once whatever its spelling, and only when allowed"
        )


def test_job_queue_is_capped_per_key_and_only_the_owner_or_an_admin_cancels(tmp_path):
    from api.auth import Principal
    from api.db import Database
    from api.jobs import MAX_JOBS_PER_USER, MAX_UNFINISHED, JobRunner
    from api.problems import Problem

    # No worker slot: every job stays queued, nothing is spawned.
    runner = JobRunner(Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}"), None, workers=0)
    alice, bob, admin = Principal(1, "alice", "planner"), Principal(2, "bob", "planner"), Principal(3, "a", "admin")
    submit = lambda who: runner.submit("proposal", AREA, who, {}, time_budget=1)  # noqa: E731
    jobs = [submit(alice) for _ in range(MAX_JOBS_PER_USER)]
    with pytest.raises(Problem) as refused:
        submit(alice)
    assert refused.value.status == 429
    with pytest.raises(Problem) as forbidden:
        runner.cancel(jobs[0].id, bob)
    assert forbidden.value.status == 403 and jobs[0].status == "queued"
    assert runner.cancel(jobs[0].id, alice).status == "cancelled"
    assert runner.cancel(jobs[1].id, admin).status == "cancelled"
    others = [Principal(10 + i, f"p{i}", "planner") for i in range(MAX_UNFINISHED + 1)]
    with pytest.raises(Problem) as full:
        for who in others:
            submit(who)
    assert full.value.status == 429
    runner.shutdown()


# --- 9. security headers on every HTML answer -------------------------------------------------------------------


def test_every_html_answer_has_a_fixed_csp_and_no_answer_can_be_framed(client, keys):
    plan_id, _ = new_plan(client, headers=auth(keys["planner"]))
    viewer = auth(keys["viewer"])
    pages = ["/", "/docs", "/static/index.html"]
    documents = [
        f"/api/v1/plans/{plan_id}/export.html",
        f"/api/v1/plans/{plan_id}/profiles.html",
        f"/api/v1/plans/{plan_id}/map.html",
    ]
    other = [
        "/openapi.json",
        "/static/app.js",
        f"/api/v1/plans/{plan_id}",
        f"/api/v1/plans/{plan_id}/export.csv",
        "/api/v1/plans/999",
        "/api/v1/no-such-route",
    ]
    policies = {}
    for url in pages + documents + other:
        response = client.get(url, headers=viewer)
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY", url
        assert headers["Referrer-Policy"] == "no-referrer", url
        policy = policies[url] = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy, url
        if url in pages + documents:
            assert response.status_code == 200 and "text/html" in headers["content-type"], url
        if url in pages:
            script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
            assert "'unsafe-inline'" not in script_src and "*" not in script_src and script_src[0] == "'self'", url
            assert not [s for s in script_src if s != "'self'" and not s.startswith("'sha256-")], url
        elif url in documents:
            # Generated from data: downloaded, sandboxed, and no script may run from the service's origin.
            assert headers["Content-Disposition"].startswith("attachment"), url
            assert policy.split(";")[0] == "sandbox" and "script-src" not in policy, url
            assert "default-src 'none'" in policy, url
        else:
            assert policy.startswith("default-src 'none'"), url
    assert policies["/"] == policies["/static/index.html"]
    assert len({policies[url] for url in documents}) == 1, "one fixed policy for every generated document"


def test_the_csp_never_allows_a_script_because_the_body_holds_it():
    """Issue 20, item 13: the policy was computed from the body, so an injected inline script got its own hash."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from api.headers import SecurityHeaders, script_hashes

    injected = b"<html><body><h1>North</h1><script>fetch('/api/v1/keys')</script></body></html>"
    paths = ("/", "/page.html", "/api/v1/plans/1/map.html", "/docs")
    app = FastAPI(docs_url=None)
    app.add_middleware(SecurityHeaders)
    for path in paths:
        app.add_api_route(path, lambda: HTMLResponse(injected))
    with TestClient(app) as client:
        for path in paths:
            policy = client.get(path).headers["Content-Security-Policy"]
            assert script_hashes(injected)[0] not in policy, path
            script_src = re.search(r"script-src ([^;]*)", policy)
            assert script_src is None or "'unsafe-inline'" not in script_src.group(1), path
