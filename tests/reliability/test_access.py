"""Access control gaps beyond the role matrix of tests/api/test_roles.py, key storage, and what reaches the log.

- Every operation in the OpenAPI schema answers 401 problem+json to a revoked key, another auth scheme, an empty
  bearer, an overlong key and a key passed in the query string; none of them is served or fails with 500.
- Keys are stored hashed: the database (every table, and the SQLite file's bytes) never holds a secret.
- The server log of a whole session (creating keys, uploading a patient-level UEC extract, a bad upload, moving
  LSOAs, a wrong key) never holds a key, nor any row-level value of the extract.
"""

from __future__ import annotations

import io
import re

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text

from tests.api.conftest import AREA, auth, new_plan
from tests.reliability.server import Server


def _operations(app, plan_id: int):
    for path, item in app.openapi()["paths"].items():
        url = (
            path.replace("{plan_id}", str(plan_id))
            .replace("{version}", "1")
            .replace("{area}", AREA)
            .replace("{key_id}", "1")
            .replace("{job_id}", "x")
            .replace("{proposal_id}", "x")
            .replace("{result_id}", "x")
            .replace("{ext}", "csv")
            .replace("{level}", "lad")
        )
        assert "{" not in url, url
        for method in item:
            yield method.upper(), url


@pytest.mark.parametrize("credential", ["revoked", "basic", "empty bearer", "overlong", "query string", "unicode"])
def test_every_operation_refuses_bad_credentials_with_401(client, app, keys, credential):
    admin = auth(keys["admin"])
    plan_id, _ = new_plan(client, headers=admin)
    revoked = client.post("/api/v1/keys", json={"name": "leaver", "role": "admin"}, headers=admin).json()
    assert client.delete(f"/api/v1/keys/{revoked['id']}", headers=admin).status_code == 200
    headers, params = {
        "revoked": ({"Authorization": f"Bearer {revoked['secret']}"}, {}),
        "basic": ({"Authorization": "Basic YWRtaW46YWRtaW4="}, {}),
        "empty bearer": ({"Authorization": "Bearer "}, {}),
        "overlong": ({"X-API-Key": "nhp_" + "A" * 20_000}, {}),
        "query string": ({}, {"api_key": keys["admin"], "key": keys["admin"]}),
        "unicode": ({"X-API-Key": "nhp_ключ"}, {}),
    }[credential]
    before = client.get("/api/v1/plans", headers=admin).json()
    failures = []
    for method, url in _operations(app, plan_id):
        try:
            response = client.request(method, url, headers=headers, params=params)
        except (UnicodeEncodeError, httpx.LocalProtocolError):
            continue  # the client itself refuses to send it; nothing reaches the server
        if response.status_code != 401 or response.headers["content-type"] != "application/problem+json":
            failures.append(f"{method} {url}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert client.get("/api/v1/plans", headers=admin).json() == before


def test_keys_are_stored_hashed(client, app, keys, settings):
    created = client.post("/api/v1/keys", json={"name": "dash", "role": "viewer"}, headers=auth(keys["admin"]))
    secrets = [*keys.values(), created.json()["secret"]]
    engine = app.state.nhp.db.engine
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            for row in conn.execute(text(f"select * from {table}")):
                for secret in secrets:
                    assert secret not in repr(tuple(row)), f"a key secret is stored in {table}"
                    assert secret[4:] not in repr(tuple(row)), f"the random part of a key is stored in {table}"
        stored = conn.execute(text("select key_hash, prefix from api_keys")).all()
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) and len(p) <= 10 for h, p in stored)
    if settings.database_url.startswith("sqlite:///"):
        path = settings.database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal"):
            try:
                data = open(path + suffix, "rb").read()
            except FileNotFoundError:
                continue
            assert not any(s[4:].encode() in data for s in secrets), f"a secret is in the bytes of {path}{suffix}"


NHS_NUMBERS = ["9434765919", "9434765870", "9434765828"]
TIMES = ["2025-01-07 03:14:15", "2025-01-09 22:58:01", "2025-01-11 11:11:59"]


def _patient_rows(n=60):
    lines = ["lsoa_code,arrival_date,age,nhs_number,patient_name"]
    for i in range(n):
        lines.append(f"G{i % 36:04d},{TIMES[i % 3]},{20 + i % 50},{NHS_NUMBERS[i % 3]},Zebedee Quuxley{i % 3}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.slow
def test_the_server_log_holds_no_secret_and_no_patient_value(db_url, tmp_path):
    server = Server(db_url, tmp_path / "home", tmp_path / "server.log")
    server.start()
    secrets = []
    try:
        with httpx.Client(base_url=server.base, timeout=60) as http:
            first = http.post("/api/v1/keys", json={"name": "first-admin", "role": "admin"}).json()["secret"]
            admin = {"Authorization": f"Bearer {first}"}
            planner = http.post("/api/v1/keys", json={"name": "pat", "role": "planner"}, headers=admin).json()["secret"]
            secrets += [first, planner]
            headers = {"X-API-Key": planner}
            upload = http.post(
                f"/api/v1/areas/{AREA}/hotspots",
                headers=headers,
                files={"file": ("ae-patients.csv", io.BytesIO(_patient_rows()), "text/csv")},
            )
            assert upload.status_code == 200, upload.text
            bad = _patient_rows().replace(b"G0005,2025-01-11 11:11:59,25,", b"G0005,2025-01-11 11:11:59,431,")
            assert bad != _patient_rows()
            refused = http.post(
                f"/api/v1/areas/{AREA}/hotspots?strict=true",
                headers=headers,
                files={"file": ("ae-bad.csv", io.BytesIO(bad), "text/csv")},
            )
            assert refused.status_code == 422
            created = http.post("/api/v1/plans", json={"name": "p", "area": AREA, "start": "lad"}, headers=headers)
            etag = created.headers["ETag"]
            for code in ("G0002", "G0008", "G0014"):
                moved = http.post(
                    f"/api/v1/plans/{created.json()['id']}/moves",
                    json={"moves": {code: "E07009001"}},
                    headers={"If-Match": etag, **headers},
                )
                assert moved.status_code == 201
                etag = moved.headers["ETag"]
            wrong = "nhp_wrong-key-" + "x" * 30
            assert http.get("/api/v1/me", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
            secrets.append(wrong)
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text()
    assert "POST /api/v1/areas/GRID/hotspots" in log and "moves" in log, "the log was captured"
    for secret in secrets:
        assert secret not in log and secret[4:20] not in log, "a key reached the log"
    for value in [*NHS_NUMBERS, *TIMES, "Zebedee", "431"]:
        # As a whole token: a client port such as 127.0.0.1:43186 is not the age 431.
        assert not re.search(rf"(?<![0-9]){re.escape(value)}(?![0-9])", log), (
            f"patient-level value {value!r} reached the log"
        )
    # and nothing of the extract was stored
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            dump = repr([conn.execute(text(f"select * from {t}")).all() for t in inspect(engine).get_table_names()])
    finally:
        engine.dispose()
    assert not any(v in dump for v in [*NHS_NUMBERS, *TIMES, "Zebedee"])
