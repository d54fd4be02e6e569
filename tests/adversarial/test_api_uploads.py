"""Malformed uploads to every API upload route: each answers 4xx problem+json naming the uploaded file (and the row
and column where one is at fault), never 500, and leaves nothing behind: no plan, no version, no audit event.

Routes: ``POST /plans/import`` (plan lookups and GeoJSON) and ``POST /areas/{area}/hotspots`` (UEC extracts).
Runs on SQLite and, with ``NHP_TEST_POSTGRES_URL``, PostgreSQL. The upload limit in these tests is 0.05 MB.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import text

from tests.api.conftest import AREA

PROBLEM = "application/problem+json"
ANY = object()
CODES = [f"G{i:04d}" for i in range(36)]


def plan_csv(rows, header="lsoa_code,neighbourhood"):
    return (header + "\n" + "".join(f"{c},{n}\n" for c, n in rows)).encode()


GOOD = [(c, "North" if i >= 18 else "South") for i, c in enumerate(CODES)]
EXTRACT = b"lsoa_code,month,attendances\n" + b"".join(f"{c},2025-01,{40 + i}\n".encode() for i, c in enumerate(CODES))
SQUARE = {"type": "Polygon", "coordinates": [[[-1.7, 52.6], [-1.6, 52.6], [-1.6, 52.7], [-1.7, 52.6]]]}

PLAN_CASES = [
    # (id, upload name, bytes, status, row, column, words)
    ("no LSOA column", "a.csv", plan_csv(GOOD, "code,neighbourhood"), 422, 0, ANY, "no LSOA code column"),
    ("duplicate LSOA", "b.csv", plan_csv(GOOD + [GOOD[3]]), 422, 37, "lsoa_code", "more than once"),
    (
        "LSOA 2011 code",
        "c.csv",
        plan_csv([("E01000001", "South")] + GOOD[1:]),
        422,
        1,
        "lsoa_code",
        "not an LSOA of the study area",
    ),
    (
        "Excel scientific code",
        "d.csv",
        plan_csv(GOOD[:5] + [("1.00E+00", "South")] + GOOD[6:]),
        422,
        6,
        "lsoa_code",
        "not an LSOA",
    ),
    ("LSOA missing", "e.csv", plan_csv(GOOD[:-1]), 422, ANY, ANY, "missing"),
    (
        "blank name",
        "f.csv",
        plan_csv(GOOD[:1] + [(GOOD[1][0], "")] + GOOD[2:]),
        422,
        2,
        "neighbourhood",
        "no neighbourhood name",
    ),
    ("empty file", "g.csv", b"", 422, ANY, ANY, "empty"),
    ("header only", "h.csv", b"lsoa_code,neighbourhood\n", 422, ANY, ANY, "no rows"),
    ("truncated", "i.csv", plan_csv(GOOD)[:-8], 422, 36, "lsoa_code", "not an LSOA"),
    ("UTF-16", "j.csv", plan_csv(GOOD).decode().encode("utf-16"), 422, ANY, ANY, "cannot read"),
    ("binary", "k.csv", bytes(range(256)) * 20, 422, ANY, ANY, "cannot read"),
    ("zip that is no archive", "l.zip", b"PK\x03\x04" + b"\x00" * 100, 422, ANY, ANY, "cannot read polygons"),
    ("a format no plan is", "l.xlsx", b"PK\x03\x04" + b"\x00" * 100, 422, ANY, ANY, "unrecognised file type '.xlsx'"),
    ("a bare shapefile", "l.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96, 422, ANY, ANY, "an upload is one file"),
    ("path traversal in the file name", "../../etc/passwd.csv", plan_csv(GOOD[:-1]), 422, ANY, ANY, "missing"),
    ("no extension", "plan", plan_csv(GOOD), 422, ANY, ANY, "the name has no extension"),
    (
        "truncated GeoJSON",
        "m.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feat',
        422,
        ANY,
        ANY,
        "cannot read polygons",
    ),
    (
        "GeoJSON far from the area",
        "n.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "A"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[10, 10], [10.1, 10], [10.1, 10.1], [10, 10]]],
                        },
                    }
                ],
            }
        ).encode(),
        422,
        ANY,
        ANY,
        "assigns no LSOAs",
    ),
    (
        "GeoJSON self-intersecting",
        "o.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "A"},
                        "geometry": {
                            "type": "Polygon",
                            "coordinates": [[[-1.8, 52.6], [-1.5, 52.8], [-1.5, 52.6], [-1.8, 52.8], [-1.8, 52.6]]],
                        },
                    }
                ],
            }
        ).encode(),
        422,
        ANY,
        ANY,
        "no lsoas|not covered",
    ),
    ("oversized", "p.csv", b"lsoa_code,neighbourhood\n" + b"G0000,North\n" * 6000, 413, ANY, ANY, "larger than"),
    (
        "LSOA plan with an extra field",
        "q.csv",
        plan_csv(GOOD).replace(b"G0002,South", b"G0002,South,x"),
        422,
        3,
        "field 3",
        "3 fields",
    ),
    (
        "practice plan with an extra field",
        "r.csv",
        b"practice_code,neighbourhood\nZ00000,A\nZ00001,A,x\n",
        422,
        2,
        "field 3",
        "3 fields",
    ),
    ("NUL byte", "s.csv", plan_csv(GOOD).replace(b"G0004,South", b"G0004,So\x00uth"), 422, 5, ANY, "NUL byte"),
]

EXTRACT_CASES = [
    ("no LSOA column", "a.csv", b"code,month,attendances\nG0000,2025-01,5\n", 422, ANY, "lsoa_code", "no LSOA code"),
    (
        "LSOA 2011 codes",
        "b.csv",
        b"lsoa_code,month,attendances\nE01000001,2025-01,5\nE01000002,2025-01,5\n",
        422,
        ANY,
        "lsoa_code",
        "bridging needs",
    ),
    (
        "negative count",
        "c.csv",
        EXTRACT.replace(b"G0003,2025-01,43", b"G0003,2025-01,-43"),
        422,
        4,
        "attendances",
        "negative",
    ),
    (
        "non-numeric count",
        "d.csv",
        EXTRACT.replace(b"G0005,2025-01,45", b"G0005,2025-01,lots"),
        422,
        6,
        "attendances",
        "not a number",
    ),
    ("Excel serial month", "e.csv", EXTRACT.replace(b"G0002,2025-01", b"G0002,45658"), 422, 3, "month", "bad date"),
    (
        "patient-level bad age",
        "f.csv",
        b"lsoa_code,arrival_date,age\nG0000,2025-01-03,40\nG0001,2025-01-03,999\n",
        422,
        2,
        "age",
        "bad age",
    ),
    ("empty", "g.csv", b"", 422, ANY, ANY, "cannot read"),
    ("UTF-16", "h.csv", EXTRACT.decode().encode("utf-16"), 422, ANY, ANY, "cannot read"),
    ("wrong extension", "i.pdf", EXTRACT, 422, ANY, ANY, "unrecognised file type '.pdf' for a uec extract"),
    ("path traversal in the file name", "../../etc/shadow.csv", b"code,month\n", 422, ANY, ANY, "no data rows"),
    ("oversized", "j.csv", EXTRACT * 100, 413, ANY, ANY, "larger than"),
    ("corrupt xlsx", "k.xlsx", b"PK\x03\x04garbage", 422, ANY, ANY, "cannot read"),
    (
        "extra field",
        "m.csv",
        EXTRACT.replace(b"G0001,2025-01,41", b"G0001,2025-01,41,x"),
        422,
        2,
        "field 4",
        "4 fields",
    ),
    (
        "arrival date in 2999",
        "l.csv",
        b"lsoa_code,arrival_date,age\nG0000,2999-01-03,40\n",
        422,
        1,
        "arrival_date",
        "bad date",
    ),
]


def _params(cases):
    """pytest params; an 8th item is the reason of a reported bug (strict xfail until the fix lands)."""
    return [
        pytest.param(*c[1:7], id=c[0], marks=[pytest.mark.xfail(strict=True, reason=c[7])] if len(c) > 7 else [])
        for c in cases
    ]


def _counts(app) -> dict[str, int]:
    with app.state.nhp.db.engine.connect() as conn:
        return {
            t: conn.execute(text(f"select count(*) from {t}")).scalar_one()
            for t in ("plans", "plan_versions", "audit_events", "proposals")
        }


def _check_problem(response, name, status, row, column, words):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(body) and body["status"] == status
    assert any(w in body["detail"].lower() for w in words.lower().split("|")), body["detail"]
    if status == 422:
        assert body["file"] == name.rsplit("/", 1)[-1], "the problem names the uploaded file, not a server path"
        assert "/tmp" not in body["detail"] and "nhp-" not in body["detail"]
        if row is not ANY:
            assert body["row"] == row
        if column is not ANY:
            assert body["column"] == column


@pytest.mark.parametrize("name, content, status, row, column, words", _params(PLAN_CASES))
def test_bad_plan_upload_is_problem_json_and_saves_nothing(client, app, name, content, status, row, column, words):
    before = _counts(app)
    response = client.post(
        "/api/v1/plans/import", files={"file": (name, io.BytesIO(content), "text/csv")}, data={"area": AREA}
    )
    _check_problem(response, name, status, row, column, words)
    assert _counts(app) == before
    assert client.get("/api/v1/plans").json() == []


@pytest.mark.parametrize("name, content, status, row, column, words", _params(EXTRACT_CASES))
def test_bad_extract_upload_is_problem_json_and_saves_nothing(client, app, name, content, status, row, column, words):
    before = _counts(app)
    response = client.post(
        f"/api/v1/areas/{AREA}/hotspots?strict=true", files={"file": (name, io.BytesIO(content), "text/csv")}
    )
    _check_problem(response, name, status, row, column, words)
    assert _counts(app) == before


def test_failed_upload_into_an_existing_plan_list_changes_nothing(client, app):
    """After a good import, a bad one leaves the plan list, its versions and its audit trail exactly as they were."""
    good = client.post(
        "/api/v1/plans/import",
        files={"file": ("good.csv", io.BytesIO(plan_csv(GOOD)), "text/csv")},
        data={"area": AREA},
    )
    assert good.status_code == 201
    plan_id = good.json()["id"]
    snapshot = (
        client.get("/api/v1/plans").json(),
        client.get(f"/api/v1/plans/{plan_id}/versions").json(),
        client.get(f"/api/v1/plans/{plan_id}/audit").json(),
        _counts(app),
    )
    for _, name, content, *_ in PLAN_CASES + EXTRACT_CASES[:-2]:
        client.post(
            "/api/v1/plans/import", files={"file": (name, io.BytesIO(content), "text/csv")}, data={"area": AREA}
        )
    assert (
        client.get("/api/v1/plans").json(),
        client.get(f"/api/v1/plans/{plan_id}/versions").json(),
        client.get(f"/api/v1/plans/{plan_id}/audit").json(),
        _counts(app),
    ) == snapshot


def test_bad_form_fields_are_422_not_500(client, app):
    before = _counts(app)
    files = {"file": ("x.csv", io.BytesIO(plan_csv(GOOD)), "text/csv")}
    for data in (
        {"area": "../../etc"},
        {"area": AREA, "target": "-1"},
        {"area": AREA, "tolerance": "2"},
        {"area": AREA, "target": "1e400"},
        {"area": AREA, "population": "martians"},
        {},
    ):
        response = client.post("/api/v1/plans/import", files=files, data=data)
        assert response.status_code in (404, 422), (data, response.status_code)
        assert response.headers["content-type"] == PROBLEM
    assert client.post("/api/v1/plans/import", data={"area": AREA}).status_code == 422
    assert _counts(app) == before


def test_the_upload_corpus_is_large_enough():
    assert len(PLAN_CASES) + len(EXTRACT_CASES) >= 25


def archive_bomb(inflated: int = 20_000_000, *, xlsx: bool = True) -> bytes:
    """A small zip (an XLSX when ``xlsx``) whose one big member inflates to ``inflated`` bytes of spaces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        if xlsx:
            archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml" if xlsx else "plan.csv", "w") as member:
            chunk = b" " * 1_000_000
            for _ in range(inflated // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "route, name",
    [
        ("import", "plan.csv"),
        ("import", "plan.geojson"),
        ("import", "plan.zip"),
        ("hotspots", "uec.xlsx"),
        ("hotspots", "uec.csv"),
    ],
)
def test_every_upload_route_refuses_an_archive_bomb_before_reading_it(client, app, route, name):
    """A 20 KB zip that inflates to 20 MB (1,000 to 1) is refused by content, whatever the upload is called."""
    bomb = archive_bomb()
    assert len(bomb) < 50_000
    before = _counts(app)
    url = "/api/v1/plans/import" if route == "import" else f"/api/v1/areas/{AREA}/hotspots"
    response = client.post(
        url,
        files={"file": (name, io.BytesIO(bomb), "application/octet-stream")},
        data={"area": AREA} if route == "import" else None,
    )
    _check_problem(response, name, 422, ANY, ANY, "zip bomb")
    assert _counts(app) == before
