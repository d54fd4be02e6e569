"""An uploaded layer is the format its extension names before GDAL opens it (geo/sources/layer_check.py): GDAL
picks its driver by content, so a VRT sent as a '.geojson' (or zipped) read local files and fetched URLs."""

from __future__ import annotations

import pytest

from geo.access.candidates import read_candidates
from geo.errors import DataError
from geo.plan.geography import read_geography
from geo.plan.reader import load_plan
from geo.sources.memory import MemoryFile
from geo.sources.uploads import open_upload, read_layer
from geo.sources.upload_kinds import KINDS
from geo.testing import grid_atlas

ATLAS = grid_atlas(3, 3)


#: Square polygons over the grid, built in SQL from each line of the file the VRT names.
_SQUARE = "POLYGON((400000 200000,500000 200000,500000 400000,400000 400000,400000 200000))"


def _vrt(source: str, layer: str) -> bytes:
    """A GDAL VRT making one polygon, named by its line, of each line of ``source`` (what a planner sent as a
    '.geojson' to read /etc/passwd into a plan's neighbourhood names)."""
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="zones"><SrcDataSource>{source}</SrcDataSource>'
        '<OpenOptions><OOI key="HEADERS">NO</OOI></OpenOptions>'
        f"<SrcSQL>SELECT field_1 AS name, field_1 AS id, '{_SQUARE}' AS wkt FROM \"{layer}\"</SrcSQL>"
        '<GeometryField encoding="WKT" field="wkt"/><LayerSRS>EPSG:27700</LayerSRS></OGRVRTLayer></OGRVRTDataSource>'
    ).encode()


@pytest.fixture
def listener():
    """A local HTTP server recording every request it gets (none may come)."""
    import http.server
    import threading

    hits: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


#: Each layer entry point, reading a file held in memory as the API does.
LAYER_READERS = {
    "plan": lambda name, data: load_plan(MemoryFile(name, data), ATLAS, target=4500),
    "geography": lambda name, data: read_geography(MemoryFile(name, data), ATLAS),
    "candidates": lambda name, data: read_candidates(MemoryFile(name, data)),
}


def _disguised(fmt: str, vrt: bytes) -> tuple[str, bytes]:
    import io
    import zipfile

    if fmt == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("zones.vrt", vrt)
        return "zones.zip", buffer.getvalue()
    if fmt == ".gpkg":  # an SQLite header without a GeoPackage id, then the VRT
        return "zones.gpkg", b"SQLite format 3\x00" + b"\x00" * 84 + vrt
    return f"zones{fmt}", vrt


@pytest.mark.parametrize(
    ("entry", "fmt"),
    [
        (entry, fmt)
        for entry in LAYER_READERS
        for fmt in (".geojson", ".json", ".gpkg", ".zip")
        if fmt in KINDS[entry].suffixes(upload=True)
    ],
)
def test_a_layer_that_names_a_local_file_or_a_url_is_refused_before_gdal_opens_it(tmp_path, listener, entry, fmt):
    """GDAL picks a driver by content: a VRT sent as a '.geojson' (or zipped) read any local file the service can
    read into the plan's neighbourhood names, and fetched any URL (server-side request forgery)."""
    url, hits = listener
    secret = tmp_path / "secret.csv"
    secret.write_text("TOP-SECRET-LINE\n")
    for vrt in (_vrt(f"CSV:{secret}", "secret"), _vrt(f"/vsicurl/{url}/zones.geojson", "zones")):
        name, data = _disguised(fmt, vrt)
        with pytest.raises(DataError) as caught:
            LAYER_READERS[entry](name, data)
        error = caught.value
        assert error.file == name and "TOP-SECRET" not in str(error), str(error)
        assert "extension says" in error.message or "not part of a shapefile" in error.message, str(error)
    assert hits == [], "the reader fetched a URL named in an upload"


def _hidden(fmt: str, vrt: bytes) -> tuple[str, bytes]:
    """The VRT where the first check did not look: inside a string of a valid FeatureCollection (GDAL's VRT driver
    finds its tag anywhere in a file's first bytes and is tried before GeoJSON's), or as the one member of a zip,
    named '.shp' (GDAL opens a zip of one file as that file, by its content)."""
    import io
    import json
    import zipfile

    if fmt == ".zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("zones.shp", vrt)
        return "zones.zip", buffer.getvalue()
    feature = {"type": "Feature", "properties": {"neighbourhood": "A", "unit": "A", "name": "A", "id": "A"}}
    feature["geometry"] = {"type": "Polygon", "coordinates": [[[-1.2, 52.6], [-1.1, 52.6], [-1.1, 52.7], [-1.2, 52.6]]]}
    # In single quotes, as a JSON string holds XML unescaped (its table name unquoted in the SQL).
    text = vrt.decode().replace('FROM "', "FROM ").replace('"</SrcSQL>', "</SrcSQL>").replace('"', "'")
    collection = {"type": "FeatureCollection", "name": text, "features": [feature]}
    return f"zones{fmt}", json.dumps(collection).encode()


@pytest.mark.parametrize(
    ("entry", "fmt"),
    [
        (entry, fmt)
        for entry in LAYER_READERS
        for fmt in (".geojson", ".zip")
        if fmt in KINDS[entry].suffixes(upload=True)
    ],
)
def test_a_vrt_hidden_in_a_valid_geojson_string_or_a_zipped_shp_never_reads_a_file_or_a_url(
    tmp_path, listener, entry, fmt
):
    """A review found the first check passed a VRT inside a FeatureCollection's string (the file starts with '{')
    and a zip whose one member is a '.shp' holding VRT text: both read /etc/passwd into a plan's names."""
    url, hits = listener
    secret = tmp_path / "secret.csv"
    secret.write_text("TOP-SECRET-LINE\n")
    for vrt in (_vrt(f"CSV:{secret}", "secret"), _vrt(f"/vsicurl/{url}/zones.geojson", "zones")):
        name, data = _hidden(fmt, vrt)
        try:  # the one layer reader every entry point calls
            layer = read_layer(open_upload(MemoryFile(name, data), entry))
        except DataError as error:  # refused, or read as the GeoJSON it is and found wanting: either is safe
            assert "TOP-SECRET" not in str(error), str(error)
        else:  # read as the GeoJSON it is: its one feature, never the VRT's lines
            assert len(layer) == 1 and "TOP-SECRET" not in layer.drop(columns="geometry").to_string()
    assert hits == [], "the reader fetched a URL named in an upload"


def test_real_layers_of_every_format_still_read(tmp_path):
    """The content check lets through what GDAL, QGIS and the tool itself write (with a BOM, a sidecar or two)."""
    import io
    import zipfile

    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"unit": ["A", "B"]},
        geometry=[ATLAS.lsoas.geometry.iloc[:4].union_all(), ATLAS.lsoas.geometry.iloc[4:].union_all()],
        crs=ATLAS.lsoas.crs,
    )
    frame.to_file(tmp_path / "units.gpkg", driver="GPKG")
    frame.to_file(tmp_path / "units.shp")
    (tmp_path / "units.shp.xml").write_text("<metadata/>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in tmp_path.glob("units.*"):
            if part.suffix != ".gpkg":
                archive.write(part, part.name)
    files = {
        "units.geojson": b"\xef\xbb\xbf\n " + frame.to_crs(4326).to_json().encode(),
        "units.gpkg": (tmp_path / "units.gpkg").read_bytes(),
        "units.zip": buffer.getvalue(),
    }
    for name, data in files.items():
        assert set(read_geography(MemoryFile(name, data), ATLAS).names) == {"A", "B"}, name
    assert set(read_geography(tmp_path / "units.shp", ATLAS).names) == {"A", "B"}


@pytest.mark.parametrize("entry", LAYER_READERS)
def test_a_geojson_crs_given_by_a_link_is_never_fetched(listener, entry):
    """GDAL reads a "crs" of type "link" by fetching its href: a GET from the server to any URL a planner names
    (written in any case and with \\u escapes, as GDAL reads it)."""
    import json

    url, hits = listener
    feature = {"type": "Feature", "properties": {"name": "A", "id": "A"}, "geometry": None}
    for kind in ('"type": "link"', '"TYPE":"Link"', '"\\u0074ype" : "\\u004Cink"'):
        crs = '{%s, "properties": {"href": "%s/crs", "type": "proj4"}}' % (kind, url)
        text = '{"type": "FeatureCollection", "crs": %s, "features": [%s]}' % (crs, json.dumps(feature))
        with pytest.raises(DataError) as caught:
            LAYER_READERS[entry]("zones.geojson", text.encode())
        assert caught.value.column == "crs" and "link" in caught.value.message, str(caught.value)
    assert hits == [], "the reader fetched a CRS from a URL named in an upload"


def test_a_feature_property_of_type_link_is_data_not_a_crs_link():
    """A review found any '"type": "link"' in the file refused as a linked CRS (road layers carry such properties)."""
    import json

    feature = {"type": "Feature", "properties": {"unit": "A", "kind": {"type": "link"}}}
    feature["geometry"] = {"type": "Polygon", "coordinates": [[[-1.2, 52.6], [-1.1, 52.6], [-1.1, 52.7], [-1.2, 52.6]]]}
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    assert len(read_layer(open_upload(MemoryFile("units.geojson", data), "geography"))) == 1
    linked = {"type": "FeatureCollection", "crs": {"properties": {"href": "http://127.0.0.1:9/x"}, "type": "link"}}
    with pytest.raises(DataError) as caught:
        open_upload(MemoryFile("units.geojson", json.dumps({**linked, "features": [feature]}).encode()), "geography")
    assert caught.value.column == "crs"


def _pipeline(source: str) -> bytes:
    """A GDALG file: a GDAL pipeline reading ``source`` (a local file or a /vsicurl/ URL), which GDAL's GDALG
    driver runs when it claims a JSON file before the GeoJSON driver does."""
    import json

    sql = f'SELECT field_1 AS name, field_1 AS id, BuildMbr(400000,200000,500000,400000) AS geom FROM "{source.split("/")[-1].split(".")[0]}"'
    command = (
        f"gdal vector pipeline ! read --input-format CSV --open-option HEADERS=NO {source} "
        f"! sql --dialect SQLITE '{sql}' ! write --of stream streamed_dataset"
    )
    return json.dumps({"type": "gdal_streamed_alg", "command_line": command}).encode()


@pytest.mark.parametrize("entry", ["plan", "geography", "candidates"])
def test_a_gdal_pipeline_sent_as_geojson_never_runs(tmp_path, listener, entry):
    """A second review found GDAL's GDALG driver claims a JSON file before GeoJSON's: a '.geojson' holding
    {"type": "gdal_streamed_alg", "command_line": "gdal vector pipeline ! read /etc/passwd ..."} read the file into
    the layer (24 rows of /etc/passwd) and fetched URLs. GeoJSON uploads are now opened by GeoJSON's driver alone."""
    url, hits = listener
    secret = tmp_path / "secret.csv"
    secret.write_text("TOP-SECRET-LINE\n")
    for source in (str(secret), f"/vsicurl/{url}/secret.csv"):
        with pytest.raises(DataError) as caught:
            read_layer(open_upload(MemoryFile("zones.geojson", _pipeline(source)), entry))
        assert "TOP-SECRET" not in str(caught.value)
        path = tmp_path / "zones.geojson"  # the command line's files: the same reader from a path
        path.write_bytes(_pipeline(source))
        with pytest.raises(DataError):
            read_layer(open_upload(path, entry))
    assert hits == []


def test_a_zip_behind_leading_bytes_is_refused(tmp_path):
    """zipfile reads an archive behind any leading bytes; GDAL read the leading VRT (the second review's bypass)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)
    secret = tmp_path / "secret.csv"
    secret.write_text("TOP-SECRET-LINE\n")
    data = _vrt(f"CSV:{secret}", "secret").replace(b'"', b"'").replace(b"FROM 'secret'", b"FROM secret") + b"\n"
    with pytest.raises(DataError) as caught:
        open_upload(MemoryFile("zones.zip", data + buffer.getvalue()), "geography")
    assert "not the zip" in caught.value.message, str(caught.value)


@pytest.mark.parametrize("kind", ["url", "Url", "links", "LINK ", "link\u0000"])
@pytest.mark.parametrize("where", ["file", "geometry"])
def test_a_crs_of_any_type_but_a_name_is_refused(listener, kind, where):
    """GDAL fetches a CRS whose type starts with "link" or "url", in any case, from the file or a geometry; only a
    CRS given by name (or EPSG code) is read."""
    import json

    url, hits = listener
    crs = {"type": kind, "properties": {"href": f"{url}/crs", "url": f"{url}/crs"}}
    geometry = {"type": "Polygon", "coordinates": [[[-1.2, 52.6], [-1.1, 52.6], [-1.1, 52.7], [-1.2, 52.6]]]}
    feature = {"type": "Feature", "properties": {"unit": "A"}, "geometry": geometry}
    collection = {"type": "FeatureCollection", "features": [feature]}
    if where == "file":
        collection["crs"] = crs
    else:
        geometry["crs"] = crs
    with pytest.raises(DataError) as caught:
        read_layer(open_upload(MemoryFile("units.geojson", json.dumps(collection).encode()), "geography"))
    assert caught.value.column == "crs", str(caught.value)
    assert hits == []


def test_an_encrypted_zipped_shp_is_refused_as_no_shapefile():
    """Reading an encrypted member's first bytes raised zipfile's RuntimeError (a 500): it is no shapefile GDAL could
    read either, so it is refused naming it."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.shp", b"\x00\x00\x27\x0a" + b"\x00" * 96)
    data = bytearray(buffer.getvalue())
    data[data.find(b"PK\x03\x04") + 6] |= 1  # the "encrypted" flag, in the member's header and the directory
    data[data.find(b"PK\x01\x02") + 8] |= 1
    with pytest.raises(DataError) as caught:
        open_upload(MemoryFile("zones.zip", bytes(data)), "geography")
    assert "'a.shp', which is not a shapefile's .shp" in caught.value.message, str(caught.value)
