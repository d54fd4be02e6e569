"""The one upload reader (geo/sources/uploads.py): every upload entry point (plans on disk and in memory,
geographies, UEC extracts, candidate sites) answers the same defect with the same error, naming file, row and
column, and reads the same good encodings."""

from __future__ import annotations

import pytest

from geo.access.candidates import read_candidates
from geo.errors import DataError, PlanError
from geo.plan.geography import read_geography
from geo.plan.reader import load_plan
from geo.sources.memory import MemoryFile
from geo.sources.upload_kinds import FORMATS, KINDS, PATH_ONLY, check_format
from geo.sources.uploads import open_upload, read_layer, read_table
import geo.sources.upload_kinds
from geo.testing import grid_atlas
from geo.uec import read_uec_extract

ATLAS = grid_atlas(3, 3)
CODES = list(ATLAS.lsoas.index)
PRACTICES = list(ATLAS.practices.index)

#: Each entry point: (its good CSV text, the reader, the error class it raises).
ENTRY_POINTS = {
    "lsoa plan": (
        "lsoa_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(CODES)),
        lambda path: load_plan(path, ATLAS, target=4500),
        PlanError,
    ),
    "lsoa plan in memory": (
        "lsoa_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(CODES)),
        lambda path: load_plan(MemoryFile(path.name, path.read_bytes()), ATLAS, target=4500),
        PlanError,
    ),
    "practice plan": (
        "practice_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(PRACTICES)),
        lambda path: load_plan(path, ATLAS, target=4500),
        PlanError,
    ),
    "practice plan in memory": (
        "practice_code,neighbourhood\n" + "".join(f"{c},N{i % 2}\n" for i, c in enumerate(PRACTICES)),
        lambda path: load_plan(MemoryFile(path.name, path.read_bytes()), ATLAS, target=4500),
        PlanError,
    ),
    "geography": (
        "lsoa_code,unit\n" + "".join(f"{c},U{i % 3}\n" for i, c in enumerate(CODES)),
        lambda path: read_geography(path, ATLAS),
        DataError,
    ),
    "uec extract": (
        "lsoa_code,month,attendances\n" + "".join(f"{c},2025-01,{40 + i}\n" for i, c in enumerate(CODES)),
        lambda path: read_uec_extract(path, ATLAS, strict=True),
        DataError,
    ),
    "candidate sites": (
        "id,name,easting,northing\nH1,Hub one,450500,300500\nH2,Hub two,451500,301500\nH3,Hub three,452000,302000\n",
        read_candidates,
        DataError,
    ),
}


def _extra_field_on_row_2(text: str) -> bytes:
    lines = text.splitlines()
    lines[2] += ",stray"
    return ("\n".join(lines) + "\n").encode()


def _nul_on_row_2(text: str) -> bytes:
    lines = text.splitlines()
    lines[2] = lines[2][:3] + "\x00" + lines[2][3:]
    return ("\n".join(lines) + "\n").encode()


#: Each defect: (how to make it from good text, the row and column the error must name, words it must hold;
#: ``{width}`` is the header's field count, ``{extra}`` one more).
DEFECTS = {
    "an extra field": (_extra_field_on_row_2, 2, "field {extra}", "has {extra} fields but the header has {width}"),
    "UTF-16 with a BOM": (lambda text: text.encode("utf-16"), None, None, "UTF-16"),
    "UTF-16 without a BOM": (lambda text: text.encode("utf-16-le"), None, None, "UTF-16"),
    "a NUL byte": (_nul_on_row_2, 2, None, "NUL byte"),
    "binary": (lambda text: bytes(range(256)) * 20, None, None, "binary"),
    "nothing": (lambda text: b"", None, None, "empty"),
}


@pytest.mark.parametrize("defect", DEFECTS)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_refuses_a_defect_with_one_error_naming_file_row_and_column(tmp_path, entry, defect):
    text, read, error_class = ENTRY_POINTS[entry]
    make, row, column, words = DEFECTS[defect]
    width = text.splitlines()[0].count(",") + 1
    column = column and column.format(extra=width + 1)
    words = words.format(extra=width + 1, width=width)
    path = tmp_path / "upload.csv"
    path.write_bytes(make(text))
    with pytest.raises(DataError) as caught:
        read(path)
    error = caught.value
    assert isinstance(error, error_class), type(error)
    assert words.lower() in error.message.lower(), str(error)
    assert (error.file, error.row, error.column) == ("upload.csv", row, column), str(error)
    assert error.expected, "the error says what a good file is"


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode(),
        lambda text: b"\xef\xbb\xbf" + text.encode(),  # Excel's "CSV UTF-8"
        lambda text: text.replace("\n", "\r\n").encode("cp1252"),  # Excel's "CSV" on Windows
    ],
    ids=["UTF-8", "UTF-8 with BOM", "cp1252 with CRLF"],
)
def test_every_entry_point_reads_the_same_good_encodings(tmp_path, entry, encode):
    text, read, _ = ENTRY_POINTS[entry]
    path = tmp_path / "upload.csv"
    path.write_bytes(encode(text))
    assert read(path) is not None


def test_a_cp1252_name_is_read_as_its_characters():
    table = read_table(
        open_upload(MemoryFile("g.csv", "lsoa_code,unit\nG0000,Bromsgrove Café\n".encode("cp1252")), "geography")
    )
    assert table.to_dict("records") == [{"lsoa_code": "G0000", "unit": "Bromsgrove Café"}]


def test_a_short_row_is_blank_cells_for_the_reader_to_name(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("lsoa_code,neighbourhood\n" + "".join(f"{c},N\n" for c in CODES[:-1]) + f"{CODES[-1]}\n")
    with pytest.raises(PlanError) as caught:
        load_plan(path, ATLAS)
    assert (caught.value.row, caught.value.column) == (len(CODES), "neighbourhood")


def test_each_kind_refuses_formats_it_does_not_take():
    assert set(KINDS["plan"].suffixes()) >= {".csv", ".geojson", ".gpkg", ".zip"}
    assert ".xlsx" not in KINDS["plan"].suffixes() and ".gpkg" not in KINDS["candidates"].suffixes()
    with pytest.raises(PlanError, match="unrecognised file type '.xlsx' for a plan"):
        open_upload(MemoryFile("plan.xlsx", b"PK\x03\x04"), "plan")
    with pytest.raises(DataError, match=r"\.xls\) workbook cannot be read"):
        open_upload(MemoryFile("uec.xls", b"\xd0\xcf\x11\xe0"), "uec_extract")
    with pytest.raises(DataError, match="not the spreadsheet its extension says"):
        open_upload(MemoryFile("uec.xlsx", b"lsoa_code,month\n"), "uec_extract")


def test_the_candidate_bounds_are_the_kinds(tmp_path):
    rows = KINDS["candidates"].max_rows + 1
    path = tmp_path / "sites.csv"
    path.write_text("id,easting,northing\n" + "".join(f"S{i},450000,300000\n" for i in range(rows)))
    with pytest.raises(DataError) as caught:
        read_candidates(path)
    assert "more than 20,000 rows" in caught.value.message and caught.value.row == rows


@pytest.mark.parametrize("read", [lambda path: load_plan(path, ATLAS), lambda path: read_geography(path, ATLAS)])
def test_a_ring_that_does_not_close_in_3d_is_an_error_naming_its_row(tmp_path, read):
    """Found by the fuzzer: one vertex with a height leaves the ring unclosed, which GEOS refused (GEOSException in
    reprojection and repair); heights are dropped on reading."""
    import json

    ring = [[-1.7, 52.6, 1], [-1.6, 52.6], [-1.6, 52.7], [-1.7, 52.6]]
    features = [
        {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [r]}}
        for name, r in (("A", [[-1.8, 52.5], [-1.75, 52.5], [-1.75, 52.55], [-1.8, 52.5]]), ("B", ring))
    ]
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(DataError) as caught:  # the polygons, read flat, are far from the grid: not a GEOS error
        read(path)
    assert caught.value.file == "zones.geojson"
    assert "cannot read" not in caught.value.message and "GEOS" not in caught.value.message, str(caught.value)


# --- the table is the one rule: the route's check, the reader, the messages and the docs read it ------------------

#: Every extension the reader knows and some it does not.
NAMES = sorted(FORMATS) + ["", ".pdf", ".docx", ".csv.gz"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("upload", [False, True], ids=["path", "upload"])
def test_the_format_check_is_the_readers_and_follows_the_table(tmp_path, kind, upload):
    """For every extension, :func:`check_format` (what an API route calls before reading the bytes) and
    :func:`open_upload` (the reader, from a path or from memory) agree: the same format or the same error."""
    spec = KINDS[kind]
    accepted = set()
    for suffix in NAMES:
        name = f"file{suffix}"
        data = b"lsoa_code,unit\nG0000,A\n"
        path = tmp_path / name
        path.write_bytes(data)
        try:
            fmt = check_format(name, kind, upload=upload)
        except DataError as error:
            with pytest.raises(DataError) as caught:
                open_upload(MemoryFile(name, data) if upload else path, kind)
            assert type(caught.value) is type(error) is spec.error
            assert (str(caught.value), caught.value.expected) == (str(error), error.expected)
            continue
        accepted.add(suffix)
        assert fmt == FORMATS[suffix] and fmt in spec.formats
    table = {suffix for suffix, fmt in FORMATS.items() if fmt in spec.formats}
    assert accepted == (table - set(PATH_ONLY) if upload else table) == set(spec.suffixes(upload=upload))


def test_a_refused_format_says_what_the_kind_takes():
    with pytest.raises(PlanError) as caught:
        check_format("plan.docx", "plan", upload=True)
    error = caught.value
    assert error.message == "unrecognised file type '.docx' for a plan" and error.file == "plan.docx"
    assert error.expected == KINDS["plan"].accepts(upload=True)
    assert error.expected.endswith(": .csv, .txt, .geojson, .json, .gpkg or .zip")


def test_a_bare_shapefile_is_read_from_a_path_but_refused_as_an_upload(tmp_path):
    """A .shp needs its .shx, .dbf and .prj beside it: on disk they are, an upload is one file (PATH_ONLY)."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"name": ["A", "B"]},
        geometry=[ATLAS.lsoas.geometry.iloc[:4].union_all(), ATLAS.lsoas.geometry.iloc[4:].union_all()],
    ).set_crs(ATLAS.lsoas.crs)
    frame.to_file(tmp_path / "zones.shp")
    assert len(read_geography(tmp_path / "zones.shp", ATLAS).names) == 2
    with pytest.raises(DataError) as caught:
        read_geography(MemoryFile("zones.shp", (tmp_path / "zones.shp").read_bytes()), ATLAS)
    assert "upload is one file" in caught.value.message and ".zip" in caught.value.expected
    assert "vsimem" not in str(caught.value)


def test_the_docstring_tables_are_the_table():
    """The module's documented kinds and extensions are those of KINDS and FORMATS (the docs cannot drift)."""
    doc = geo.sources.upload_kinds.__doc__
    for kind, spec in KINDS.items():
        row = next(line for line in doc.splitlines() if line.startswith(f"``{kind}``"))
        listed = {f.strip() for f in row.split("``", 2)[2].strip().split("  ")[0].split(",")}
        assert listed == set(spec.formats), (kind, listed)
    for fmt in set(FORMATS.values()) - {"xls"}:
        row = next(line for line in doc.splitlines() if line.startswith(f"``{fmt}``"))
        for suffix in (suffix for suffix, f in FORMATS.items() if f == fmt):
            assert f"``{suffix}``" in row, (fmt, suffix)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi"))
        + "]>",
        '<!DOCTYPE x [<!ENTITY i SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["entity expansion", "external entity"],
)
def test_a_workbook_whose_xml_declares_entities_is_one_data_error(doctype):
    """A sheet's XML with a billion-laughs DTD or an external entity: expat refuses both (ParseError), which was a
    500; it is one error naming the file, and no entity is ever expanded into a cell."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["lsoa_code", "month", "attendances"])
    book.active.append([CODES[0], "2025-01", 40])
    good = io.BytesIO()
    book.save(good)
    bad = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                text = data.decode().split("?>", 1)[-1]
                data = (doctype + text.replace("<v>40</v>", "<v>&i;</v>")).encode()
            target.writestr(name, data)
    with pytest.raises(DataError) as caught:
        read_uec_extract(MemoryFile("uec.xlsx", bad.getvalue()), ATLAS, strict=True)
    assert caught.value.file == "uec.xlsx" and "spreadsheet" in caught.value.message, str(caught.value)


def test_an_attribute_only_layer_is_one_error_naming_its_geometry_column(tmp_path):
    """A GeoPackage of a table without geometry was read as a plain DataFrame and failed on ``.geometry`` (a 500)."""
    import pandas as pd
    import pyogrio

    path = tmp_path / "attrs.gpkg"
    pyogrio.write_dataframe(pd.DataFrame({"lsoa_code": ["E01000001"], "neighbourhood": ["North"]}), path)
    with pytest.raises(DataError) as caught:
        read_layer(open_upload(MemoryFile("plan.gpkg", path.read_bytes()), "plan"))
    assert caught.value.file == "plan.gpkg" and caught.value.column == "geometry", str(caught.value)


def test_a_workbook_whose_styles_are_of_the_wrong_type_is_one_error():
    """A workbook whose styles give a number format id that is no number raised openpyxl's TypeError (a 500)."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["lsoa_code", "attendances"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    styles = (
        b"<styleSheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'><numFmts count='1'>"
        b"<numFmt numFmtId='x' formatCode='0'/></numFmts></styleSheet>"
    )
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item.filename, styles if item.filename == "xl/styles.xml" else source.read(item.filename))
    with pytest.raises(DataError) as caught:
        read_table(open_upload(MemoryFile("uec.xlsx", out.getvalue()), "uec_extract"))
    assert caught.value.file == "uec.xlsx" and "spreadsheet" in caught.value.message, str(caught.value)
