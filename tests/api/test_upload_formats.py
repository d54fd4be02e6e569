"""Every API upload route accepts exactly the formats the upload reader's table gives its kind
(:data:`geo.sources.upload_kinds.KINDS`, less the named :data:`~geo.sources.upload_kinds.PATH_ONLY` extensions an
upload held in memory cannot be), says so in its OpenAPI description, reads a good file of each, and refuses any other format
with the reader's own 422 problem (issue 22: one rule, one place)."""

from __future__ import annotations

import io
import zipfile

import geopandas as gpd
import pytest
from fastapi.testclient import TestClient

import api.routes.hotspots
import api.routes.plans
import api.routes.renest
from geo.errors import DataError
from geo.sources.memory import MemoryFile
from geo.sources.upload_kinds import FORMATS, KINDS, PATH_ONLY
from geo.sources.uploads import open_upload
from geo.uec import synthetic_extract
from tests.api.conftest import AREA, new_plan

#: Each upload route: its kind in the reader's table, and the name its route module reads the file with (patched
#: by the gate test to see whether an upload got past the route to the reader).
ROUTES = {
    "/api/v1/plans/import": ("plan", api.routes.plans, "load_plan"),
    "/api/v1/plans/{plan_id}/renest": ("geography", api.routes.renest, "read_geography"),
    "/api/v1/areas/{area}/hotspots": ("uec_extract", api.routes.hotspots, "uec_layer_for"),
}
#: Every extension the reader knows, and some it does not (none, a document, a picture).
NAMES = sorted(FORMATS) + list(PATH_ONLY) + ["", ".pdf", ".docx", ".png", ".csv.gz"]


@pytest.fixture
def client(settings, atlas):
    """A service whose request limit lets a GeoPackage through (an empty one is about 100 KB)."""
    from api.app import create_app

    app = create_app(settings.model_copy(update={"max_upload_mb": 5}), atlas_provider={AREA: atlas})
    with TestClient(app, raise_server_exceptions=False, base_url="http://127.0.0.1") as test_client:
        yield test_client


def _post(client, path: str, name: str, body: bytes):
    """Upload ``body`` as ``name`` to the route ``path`` (a renest goes to a fresh plan with its ETag)."""
    files = {"file": (name, io.BytesIO(body), "application/octet-stream")}
    if path == "/api/v1/plans/import":
        return client.post(path, data={"area": AREA}, files=files)
    if path == "/api/v1/plans/{plan_id}/renest":
        plan_id, etag = new_plan(client)
        return client.post(f"/api/v1/plans/{plan_id}/renest", files=files, headers={"If-Match": etag})
    return client.post(path.format(area=AREA), files=files)


def test_the_upload_routes_are_the_ones_tested(client):
    spec = client.app.openapi()
    found = set()
    for path, item in spec["paths"].items():
        for operation in item.values():
            form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            if not form:
                continue
            schema = spec["components"]["schemas"][form["schema"]["$ref"].rsplit("/", 1)[1]]
            if any(p.get("contentMediaType") or p.get("format") == "binary" for p in schema["properties"].values()):
                found.add(path)
    assert found == set(ROUTES), "a new upload route needs its kind here"


@pytest.mark.parametrize("path", ROUTES)
def test_the_openapi_description_lists_the_tables_formats(client, path):
    kind = ROUTES[path][0]
    spec = client.app.openapi()
    form = spec["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
    described = spec["components"]["schemas"][form["schema"]["$ref"].rsplit("/", 1)[1]]["properties"]["file"]
    assert described["description"].endswith(KINDS[kind].accepts(upload=True)), described["description"]
    listed = described["description"].rsplit(": ", 1)[1].replace(" or ", ", ").split(", ")
    assert set(listed) == set(KINDS[kind].suffixes(upload=True))


@pytest.mark.parametrize("path", ROUTES)
def test_a_route_accepts_exactly_the_formats_of_its_kind(client, monkeypatch, path):
    """An upload gets past the route to its reader if and only if the table gives its kind that extension."""
    kind, module, reader = ROUTES[path]
    reached = []

    def spy(*args, **kwargs):
        source = next(a for a in [*args, *kwargs.values()] if isinstance(a, MemoryFile))
        reached.append(source.suffix.lower())
        raise DataError("the reader was reached", file=source.name)

    monkeypatch.setattr(module, reader, spy)
    for suffix in NAMES:
        response = _post(client, path, f"upload{suffix}", b"lsoa_code\nG0000\n")
        assert response.status_code == 422, (suffix, response.text)
    accepted = set(reached)
    table = {suffix for suffix, fmt in FORMATS.items() if fmt in KINDS[kind].formats} - set(PATH_ONLY)
    assert accepted == table == set(KINDS[kind].suffixes(upload=True)), (kind, sorted(accepted), sorted(table))


@pytest.mark.parametrize("path", ROUTES)
def test_a_format_the_table_refuses_is_the_readers_422(client, path):
    """The same problem, word for word, as the reader gives the same file held in memory."""
    kind = ROUTES[path][0]
    refused = [suffix for suffix in NAMES if suffix not in KINDS[kind].suffixes(upload=True)]
    assert refused
    for suffix in refused:
        name = f"my upload{suffix}"
        with pytest.raises(DataError) as caught:
            open_upload(MemoryFile(name, b"lsoa_code\nG0000\n"), kind)
        error = caught.value
        response = _post(client, path, name, b"lsoa_code\nG0000\n")
        assert response.status_code == 422, (suffix, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        slug = {"PlanError": "plan-error"}.get(type(error).__name__, "data-error")
        assert problem["type"].endswith(slug), (suffix, problem)
        assert problem["detail"] == str(error), (suffix, problem)
        assert (problem["file"], problem["expected"]) == (name, error.expected), (suffix, problem)
        if suffix not in PATH_ONLY and FORMATS.get(suffix) != "xls":
            assert "unrecognised file type" in problem["detail"] and problem["expected"].endswith(
                KINDS[kind].accepts(upload=True).rsplit(": ", 1)[1]
            )


# --- a good file of every accepted format is read through its route -------------------------------------------


def _polygons(atlas, name_column: str, group) -> gpd.GeoDataFrame:
    """Two polygons over the grid, each the LSOAs ``group(i)`` gives its name (the grid's LSOA i is in column i % 6;
    a shapefile's field names are at most 10 characters)."""
    lsoas = atlas.lsoas
    names = [group(int(code[1:])) for code in lsoas.index]
    shapes = lsoas.geometry.groupby(names).apply(lambda g: g.union_all())
    return gpd.GeoDataFrame({name_column: list(shapes.index)}, geometry=list(shapes), crs=lsoas.crs)


def _layer_bytes(frame: gpd.GeoDataFrame, fmt: str, tmp_path) -> bytes:
    if fmt == "geojson":
        return frame.to_crs("EPSG:4326").to_json().encode()
    if fmt == "gpkg":
        frame.to_file(tmp_path / "layer.gpkg", driver="GPKG")
        return (tmp_path / "layer.gpkg").read_bytes()
    frame.to_file(tmp_path / "layer.shp")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in tmp_path.glob("layer.*"):
            if part.suffix in {".shp", ".shx", ".dbf", ".prj", ".cpg"}:
                archive.write(part, part.name)
    return buffer.getvalue()


def _good(kind: str, fmt: str, atlas, tmp_path) -> bytes:
    """A good file of ``kind`` in format ``fmt`` for the 6 x 6 grid."""
    if kind == "uec_extract":
        extract = synthetic_extract(atlas, seed=5)
        if fmt == "csv":
            return extract.to_csv(index=False).encode()
        extract.to_excel(tmp_path / "extract.xlsx", index=False)
        return (tmp_path / "extract.xlsx").read_bytes()
    if kind == "plan":
        west = lambda i: "West" if i % 6 < 3 else "East"  # noqa: E731
        if fmt == "csv":
            return ("lsoa_code,neighbourhood\n" + "".join(f"G{i:04d},{west(i)}\n" for i in range(36))).encode()
        return _layer_bytes(_polygons(atlas, "name", west), fmt, tmp_path)
    units = lambda i: "West" if i % 6 < 4 else "East"  # noqa: E731  the plan's authorities are columns 0-2, 3-5
    if fmt == "csv":
        return ("lsoa_code,unit\n" + "".join(f"G{i:04d},{units(i)}\n" for i in range(36))).encode()
    return _layer_bytes(_polygons(atlas, "name", units), fmt, tmp_path)


@pytest.mark.parametrize(
    "path, suffix",
    [(path, suffix) for path, (kind, _, _) in ROUTES.items() for suffix in KINDS[kind].suffixes(upload=True)],
)
def test_a_good_file_of_every_accepted_format_is_read(client, atlas, tmp_path, path, suffix):
    kind = ROUTES[path][0]
    response = _post(client, path, f"good{suffix}", _good(kind, FORMATS[suffix], atlas, tmp_path))
    assert response.status_code in (200, 201), (suffix, response.text)
