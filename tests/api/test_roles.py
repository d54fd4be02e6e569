"""Every route × every role, plus missing and wrong keys: the expected status table.

``min`` is the lowest role a route needs; callers below it get 403, callers without a valid key 401, and those
allowed get the route's own answer (``ok``). Changing routes get fresh resources for each call, so one call's
success cannot decide the next call's status.
"""

from __future__ import annotations

import io


from api.signoff import RULES
from tests.api.conftest import AREA, auth

ROLES = ["viewer", "planner", "approver", "admin"]
CALLERS = ["missing", "wrong", *ROLES]
ROUTE_COUNT = 47


def _plan(client, admin, *, state="draft"):
    """A plan made by ``admin`` headers; a proposed one is drafted and submitted by them (so four-eyes lets any
    other approver or admin key agree it)."""
    response = client.post("/api/v1/plans", json={"name": "m", "area": AREA, "start": "lad"}, headers=admin)
    plan_id, etag = response.json()["id"], response.headers["ETag"]
    if state == "proposed":
        etag = client.post(f"/api/v1/plans/{plan_id}/submit", headers={"If-Match": etag, **admin}).headers["ETag"]
    return plan_id, etag


def _routes(client, admin, drafter):
    """(name, min role, ok status, factory returning (method, url, kwargs)) for every route."""
    shared, shared_etag = _plan(client, admin)
    proposal = client.post(f"/api/v1/areas/{AREA}/proposals", json={"target": 9000, "seed": 1}, headers=admin).json()

    def fresh(state="draft", suffix="", **kw):
        def make():
            plan_id, etag = _plan(client, drafter if state == "proposed" else admin, state=state)
            return "POST", f"/api/v1/plans/{plan_id}/{suffix}", {"headers": {"If-Match": etag}, **kw}

        return make

    def throwaway_key():
        key = client.post("/api/v1/keys", json={"name": "temp", "role": "viewer"}, headers=admin).json()
        return "DELETE", f"/api/v1/keys/{key['id']}", {}

    def renest():
        method, url, kwargs = fresh(suffix="renest")()
        units = b"lsoa_code,unit\n" + b"".join(f"G{i:04d},{'W' if i % 6 < 4 else 'E'}\n".encode() for i in range(36))
        return method, url, {**kwargs, "files": {"file": ("units.csv", io.BytesIO(units), "text/csv")}}

    csv = b"lsoa_code,neighbourhood\n" + b"".join(f"G{i:04d},N{i % 2}\n".encode() for i in range(36))
    extract = b"lsoa_code,month,attendances\n" + b"".join(f"G{i:04d},2025-01,{40 + i}\n".encode() for i in range(36))
    get = lambda url: lambda: ("GET", url, {})  # noqa: E731
    return [
        ("list areas", "viewer", 200, get("/api/v1/areas")),
        ("area", "viewer", 200, get(f"/api/v1/areas/{AREA}")),
        ("lsoa layer", "viewer", 200, get(f"/api/v1/areas/{AREA}/lsoas")),
        ("practice layer", "viewer", 200, get(f"/api/v1/areas/{AREA}/practices")),
        ("boundaries", "viewer", 200, get(f"/api/v1/areas/{AREA}/boundaries/lad")),
        ("layer sources", "viewer", 200, get(f"/api/v1/areas/{AREA}/layers")),
        ("propose", "planner", 201, lambda: ("POST", f"/api/v1/areas/{AREA}/proposals", {"json": {"target": 9000}})),
        ("proposal", "viewer", 200, get(f"/api/v1/proposals/{proposal['id']}")),
        ("job", "viewer", 404, get("/api/v1/jobs/no-such-job")),
        ("cancel job", "planner", 404, lambda: ("DELETE", "/api/v1/jobs/no-such-job", {})),
        ("create plan", "planner", 201, lambda: ("POST", "/api/v1/plans", {"json": {"name": "x", "area": AREA}})),
        (
            "import plan",
            "planner",
            201,
            lambda: (
                "POST",
                "/api/v1/plans/import",
                {"files": {"file": ("plan.csv", io.BytesIO(csv), "text/csv")}, "data": {"area": AREA}},
            ),
        ),
        ("list plans", "viewer", 200, get("/api/v1/plans")),
        ("plan", "viewer", 200, get(f"/api/v1/plans/{shared}")),
        ("versions", "viewer", 200, get(f"/api/v1/plans/{shared}/versions")),
        ("version", "viewer", 200, get(f"/api/v1/plans/{shared}/versions/1")),
        ("moves", "planner", 201, fresh(suffix="moves", json={"moves": {"G0002": "E07009001"}})),
        ("metrics", "viewer", 200, get(f"/api/v1/plans/{shared}/versions/1/metrics")),
        ("latest metrics", "viewer", 200, get(f"/api/v1/plans/{shared}/metrics")),
        ("diff", "viewer", 200, get(f"/api/v1/plans/{shared}/diff?a=1&b=1")),
        ("rename", "planner", 201, fresh(suffix="rename", json={"names": {"E07009000": "West"}})),
        ("renest", "planner", 201, renest),
        ("coterminosity", "viewer", 200, get(f"/api/v1/plans/{shared}/coterminosity?with=las")),
        ("submit", "planner", 200, fresh(suffix="submit")),
        (
            "agree",
            "approver",
            200,
            fresh("proposed", "agree", json={"hwb_reference": "HWB 1", "confirmed": list(RULES)}),
        ),
        ("return", "planner", 200, fresh("proposed", "return")),
        ("audit", "viewer", 200, get(f"/api/v1/plans/{shared}/audit")),
        ("signoff", "viewer", 200, get(f"/api/v1/plans/{shared}/signoff")),
        ("awaiting signoff", "viewer", 200, get("/api/v1/signoff/awaiting")),
        ("export csv", "viewer", 200, get(f"/api/v1/plans/{shared}/export.csv")),
        ("profiles csv", "viewer", 200, get(f"/api/v1/plans/{shared}/profiles.csv")),
        ("map", "viewer", 200, get(f"/api/v1/plans/{shared}/map.html")),
        # The grid test area has no data folder, so the modelled UEC layer is a clear 422, not a 500.
        ("area hotspots", "viewer", 422, get(f"/api/v1/areas/{AREA}/hotspots")),
        ("plan hotspots", "viewer", 422, get(f"/api/v1/plans/{shared}/hotspots")),
        (
            "extract hotspots",
            "planner",
            200,
            lambda: (
                "POST",
                f"/api/v1/areas/{AREA}/hotspots?format=csv",
                {"files": {"file": ("uec.csv", io.BytesIO(extract), "text/csv")}},
            ),
        ),
        # Accepted (202) for each allowed key: one job each, well under the caps; it fails later on the grid.
        ("hotspot job", "planner", 202, lambda: ("POST", f"/api/v1/areas/{AREA}/hotspot-jobs", {"json": {}})),
        ("hotspot result", "viewer", 404, get("/api/v1/hotspot-results/no-such-result")),
        ("access", "viewer", 200, get(f"/api/v1/plans/{shared}/access")),
        ("sites", "planner", 200, lambda: ("POST", f"/api/v1/plans/{shared}/sites", {"json": {}})),
        ("ensemble", "planner", 200, lambda: ("POST", f"/api/v1/areas/{AREA}/ensembles", {"json": {"steps": 5}})),
        ("me", "viewer", 200, get("/api/v1/me")),
        ("limits", "viewer", 200, get("/api/v1/limits")),
        ("list keys", "admin", 200, get("/api/v1/keys")),
        ("create key", "admin", 201, lambda: ("POST", "/api/v1/keys", {"json": {"name": "n", "role": "viewer"}})),
        ("revoke key", "admin", 200, throwaway_key),
        ("service settings", "admin", 200, get("/api/v1/admin/settings")),
        ("change settings", "admin", 200, lambda: ("PATCH", "/api/v1/admin/settings", {"json": {"four_eyes": True}})),
    ]


def expected(caller: str, min_role: str, ok: int) -> int:
    if caller in ("missing", "wrong"):
        return 401
    return ok if ROLES.index(caller) >= ROLES.index(min_role) else 403


def test_role_matrix(client, keys):
    admin = auth(keys["admin"])
    routes = _routes(client, admin, auth(keys["planner"]))
    table, failures = {}, []
    for name, min_role, ok, make in routes:
        for caller in CALLERS:
            method, url, kwargs = make()
            headers = dict(kwargs.pop("headers", {}))
            if caller == "wrong":
                headers.update(auth("nhp_this-is-not-a-key"))
            elif caller != "missing":
                headers.update(auth(keys[caller]))
            status = client.request(method, url, headers=headers, **kwargs).status_code
            table[(name, caller)] = status
            if status != expected(caller, min_role, ok):
                failures.append(f"{name} as {caller}: {status}, expected {expected(caller, min_role, ok)}")
    assert not failures, "\n".join(failures)
    assert len(routes) == ROUTE_COUNT and len(table) == ROUTE_COUNT * len(CALLERS)


def test_every_api_route_is_in_the_matrix(app):
    """A new route must be added to the matrix above: the schema's operations and the matrix rows must agree."""
    operations = [(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item]
    assert len(operations) == ROUTE_COUNT, sorted(operations)


def test_401_and_403_are_problem_json_and_change_nothing(client, keys):
    response = client.post("/api/v1/plans", json={"name": "x", "area": AREA})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    viewer = client.post("/api/v1/plans", json={"name": "x", "area": AREA}, headers=auth(keys["viewer"]))
    assert viewer.status_code == 403 and viewer.json()["required_role"] == "planner"
    assert client.get("/api/v1/plans", headers=auth(keys["viewer"])).json() == []


def test_x_api_key_header_and_revocation(client, keys):
    assert client.get("/api/v1/me", headers={"X-API-Key": keys["planner"]}).json()["role"] == "planner"
    me = client.get("/api/v1/me", headers=auth(keys["planner"])).json()
    client.delete(f"/api/v1/keys/{me['key_id']}", headers=auth(keys["admin"]))
    assert client.get("/api/v1/me", headers=auth(keys["planner"])).status_code == 401


def test_local_mode_acts_as_admin_until_a_key_exists(client):
    me = client.get("/api/v1/me").json()
    assert me == {"key_id": None, "name": "local", "role": "admin", "local_mode": True}
    created = client.post("/api/v1/keys", json={"name": "first", "role": "admin"})
    assert created.status_code == 201 and created.json()["secret"].startswith("nhp_")
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=auth(created.json()["secret"])).json()["name"] == "first"
    listed = client.get("/api/v1/keys", headers=auth(created.json()["secret"])).json()
    assert "secret" not in listed[0] and created.json()["secret"] not in str(listed)
