"""RFC 9457 problem details for every error; uploads: import, bad files and the size limit (413)."""

from __future__ import annotations

import io

from tests.api.conftest import AREA

PROBLEM = "application/problem+json"
MEMBERS = {"type", "title", "status", "detail", "instance"}


def _upload(client, content: bytes, filename="plan.csv", **data):
    return client.post(
        "/api/v1/plans/import", files={"file": (filename, io.BytesIO(content), "text/csv")}, data={"area": AREA, **data}
    )


def _csv(rows):
    return ("lsoa_code,neighbourhood\n" + "".join(f"{c},{n}\n" for c, n in rows)).encode()


def test_problem_shape_for_404_422_and_unknown_routes(client):
    for response, status in [
        (client.get("/api/v1/plans/12345"), 404),
        (client.post("/api/v1/plans", json={"name": "", "area": AREA}), 422),
        (client.post("/api/v1/plans", content=b"{not json", headers={"Content-Type": "application/json"}), 422),
        (client.get("/api/v1/nowhere"), 404),
        (client.get("/api/v1/plans/abc"), 422),
    ]:
        assert response.status_code == status
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert MEMBERS <= set(body) and body["status"] == status and body["instance"].startswith("/api/v1/")


def test_validation_problem_lists_the_errors(client):
    body = client.post("/api/v1/plans", json={"name": "x", "area": AREA, "tolerance": 5}).json()
    assert body["type"] == "urn:nhp:problem:validation"
    assert body["errors"][0]["loc"][-1] == "tolerance"


def test_import_csv_makes_a_plan(client, atlas):
    rows = [(code, "North" if code >= "G0018" else "South") for code in atlas.codes]
    response = _upload(client, _csv(rows), name="Board option A", target="27000")
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["name"] == "Board option A"
    version = client.get(f"/api/v1/plans/{plan['id']}/versions/1").json()
    assert version["source"] == "import" and version["params"]["target"] == 27000
    assert dict(rows) == version["assignment"]


def test_import_with_a_missing_lsoa_names_the_file_and_saves_nothing(client, atlas):
    rows = [(code, "A") for code in atlas.codes[:-1]]
    response = _upload(client, _csv(rows), filename="option-b.csv")
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["file"] == "option-b.csv" and {"row", "column", "expected"} <= set(body)
    assert client.get("/api/v1/plans").json() == []


def test_import_of_an_unknown_format_or_garbage_is_422(client):
    assert _upload(client, b"PK\x03\x04garbage", filename="plan.zip").status_code == 422
    assert _upload(client, b"\x00\xff\xfe not a csv at all", filename="plan.csv").status_code == 422
    assert _upload(client, b'{"type": "Feature"', filename="plan.geojson").status_code == 422
    assert client.get("/api/v1/plans").json() == []


def test_upload_over_the_limit_is_413_and_saves_nothing(client, settings):
    limit = int(settings.max_upload_mb * 1_000_000)
    response = _upload(client, b"x" * (limit + 1))
    assert response.status_code == 413 and response.headers["content-type"] == PROBLEM
    assert response.json()["limit_bytes"] == limit
    assert client.get("/api/v1/plans").json() == []


def test_chunked_upload_over_the_limit_is_413(client, settings):
    limit = int(settings.max_upload_mb * 1_000_000)

    def chunks():
        for _ in range(limit // 10_000 + 2):
            yield b"y" * 10_000

    response = client.post(
        "/api/v1/plans/import", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert response.status_code == 413
