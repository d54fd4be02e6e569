"""The one reader for files a person hands over: plans, geographies, UEC extracts and candidate sites.

Every upload entry point (:func:`geo.plan.reader.load_plan`, :func:`geo.plan.geography.read_geography`,
:func:`geo.uec.importer.read_uec_extract`, :func:`geo.access.candidates.read_candidates`, and the API routes that
hand them an in-memory :class:`~geo.sources.memory.MemoryFile`) opens its file here, so one place decides how a
file is decoded. What a file may be, by kind and by format, is the table of :mod:`geo.sources.upload_kinds`
(:data:`~geo.sources.upload_kinds.KINDS`); :func:`open_upload` checks a file against it
(:func:`~geo.sources.upload_kinds.check_format`) before it reads a byte of content.

Every refusal is one :class:`~geo.errors.DataError` of the kind's class naming the file (as uploaded, never a
server path), the data row (1-based; the header is row 0) and the column where one is at fault. A table is read
as text (codes stay codes; readers parse numbers themselves so a bad cell can be named), bounded in rows, columns
and cells before it is parsed, and a row with more fields than the header is refused, never shifted. Layers are
bounded in bytes before they are parsed and in vertices, parts and holes by :func:`check_shapes`
(:mod:`geo.sources.limits`), then repaired by :func:`repaired`.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import DataError
from geo.sources.archives import check_upload_archive
from geo.sources.layer_check import as_geojson, check_layer
from geo.sources.limits import check_geometries, check_polygon_file_size, check_table, read_xlsx
from geo.sources.memory import MemoryFile, as_source, opened
from geo.sources.upload_kinds import KINDS, LAYERS, TABLES, Kind, article, check_format

_HEAD = 4096
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Upload:
    """An upload opened for reading: its source (a path or bytes in memory), kind and format."""

    source: Path | MemoryFile
    kind: Kind
    format: str

    @property
    def name(self) -> str:
        """The file's name as the user gave it (never a server folder)."""
        return self.source.name

    def error(self, message: str, **where) -> DataError:
        """The kind's error naming this file (``row=``, ``column=``, ``expected=`` as :class:`DataError`)."""
        return self.kind.error(message, file=self.name, **where)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Re-raise any :class:`DataError` inside as the kind's error naming this file (row and column kept)."""
        try:
            yield
        except DataError as error:
            if isinstance(error, self.kind.error) and error.file == self.name:
                raise
            raise self.kind.error(
                error.message, file=self.name, row=error.row, column=error.column, expected=error.expected
            ) from None


def open_upload(path, kind: str) -> Upload:
    """Open a user's file as an upload of ``kind`` (a key of :data:`KINDS`): found, not empty, within the kind's
    size, of one of its formats (:func:`check_format`), and (for text) not UTF-16 or binary.

    Examples
    --------
    >>> from geo.sources.memory import MemoryFile
    >>> open_upload(MemoryFile("plan.csv", b"lsoa_code,neighbourhood\\nE01000001,North\\n"), "plan").format
    'csv'
    >>> open_upload(MemoryFile("plan.xlsx", b"PK"), "plan")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.PlanError: plan.xlsx: unrecognised file type '.xlsx' for a plan (expected a CSV lookup...
    """
    spec = KINDS[kind]
    source = as_source(path)
    if not source.is_file():
        raise spec.error("file not found", file=str(source), expected=spec.expected)
    fmt = check_format(source.name, kind, upload=isinstance(source, MemoryFile))
    upload = Upload(source, spec, fmt)
    size = source.stat().st_size
    if size == 0:
        raise upload.error("cannot read the file: it is empty (0 bytes)", expected=spec.expected)
    if spec.max_bytes is not None and size > spec.max_bytes:
        raise upload.error(
            f"the file is {size / 2**20:,.1f} MB, more than {spec.max_bytes / 2**20:g} MB {article(spec.name)} may be",
            expected=f"at most {spec.max_bytes / 2**20:g} MB",
        )
    try:
        check_upload_archive(source)  # any zip (an XLSX, a zipped shapefile, a renamed CSV) before it inflates
    except DataError as error:
        what = spec.shapes if fmt in LAYERS else "the file"
        raise upload.error(f"cannot read {what}: {error.message}", expected=error.expected) from None
    _check_content(upload)
    return upload


def _check_content(upload: Upload) -> None:
    """Refuse what the extension lies about: a spreadsheet that is not one, text that is UTF-16 or binary, a layer
    that is not the format its extension names (:func:`geo.sources.layer_check.check_layer`)."""
    with upload.source.open("rb") as stream:
        head = stream.read(_HEAD)
    if upload.format in LAYERS:
        check_layer(upload, head)
        return
    if upload.format == "xlsx":
        if not head.startswith(b"PK"):
            raise upload.error(
                "the file is not the spreadsheet its extension says it is",
                expected="an .xlsx saved by Excel or LibreOffice, or a CSV file",
            )
        return
    if upload.format != "csv":
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        raise upload.error(
            "cannot read the file: it is UTF-16 text (Excel's 'Unicode Text')",
            expected="the file saved as CSV UTF-8 (Excel: Save As, 'CSV UTF-8')",
        )
    if head.startswith(b"PK") or _binary(head):
        raise upload.error(
            "cannot read the file as CSV: it is binary (a spreadsheet, archive or other non-text file)",
            expected=f"{upload.kind.expected}, saved as CSV UTF-8",
        )
    row = _nul_row(upload.source)
    if row is not None:
        raise upload.error(
            "cannot read the file as CSV: it holds a NUL byte (text files never do; is it UTF-16 or binary?)",
            row=row,
            expected="the file saved as CSV UTF-8",
        )


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 text without a BOM: ASCII characters alternate with NUL bytes."""
    sample = head[:400]
    if len(sample) < 8:
        return False
    for nuls, text in ((sample[1::2], sample[0::2]), (sample[0::2], sample[1::2])):
        printable = sum(1 for b in text if b >= 32 or b in (9, 10, 13))
        if nuls.count(0) > 0.9 * len(nuls) and printable > 0.9 * len(text):
            return True
    return False


def _binary(head: bytes) -> bool:
    """Many control bytes other than tab, CR and LF in the first bytes: text never has them."""
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return control > 0.05 * max(len(head), 1)


def _nul_row(source) -> int | None:
    """The row (header 0) of the first NUL byte, read in chunks (a NUL would end a C parser's field silently)."""
    lines = 0
    with source.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            at = chunk.find(b"\x00")
            if at >= 0:
                return lines + chunk.count(b"\n", 0, at)
            lines += chunk.count(b"\n")
    return None


def read_table(upload: Upload) -> pd.DataFrame:
    """Read a CSV or XLSX upload as text (every cell a string; blank cells ``""``), bounded before it is parsed.

    Examples
    --------
    >>> from geo.sources.memory import MemoryFile
    >>> read_table(open_upload(MemoryFile("p.csv", b"\\xef\\xbb\\xbfcode,name\\nA,North\\n"), "geography"))
      code   name
    0    A  North
    >>> read_table(open_upload(MemoryFile("p.csv", b"code,name\\nA,North\\nB,South,x\\n"), "geography"))
    Traceback (most recent call last):
    ...
    geo.errors.DataError: p.csv, row 2, column 'field 3': row 2 has 3 fields but the header has 2 (expected a CSV lookup (lsoa_code, unit), or GeoJSON, GeoPackage or zipped shapefile polygons, with the same fields on every row)
    """
    if upload.format not in TABLES:
        raise upload.error(f"a {upload.format} file is not a table", expected=upload.kind.expected)
    with upload.errors():
        if upload.format == "xlsx":
            try:
                frame = read_xlsx(opened(upload.source), file=upload.name, max_rows=upload.kind.max_rows)
            except DataError:  # a bound, already naming its row and column (DataError is a ValueError)
                raise
            # A corrupt workbook is a broken zip (or a part of the wrong type: openpyxl's TypeError); XML that
            # declares entities (expat refuses their expansion past its amplification limit, and never resolves
            # external ones) is a ParseError.
            except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, ElementTree.ParseError) as error:
                raise upload.error(
                    f"cannot read the file as a spreadsheet ({type(error).__name__})",
                    expected="an .xlsx saved by Excel or LibreOffice, or a CSV file",
                ) from None
        else:
            frame = _read_csv(upload)
    if upload.kind.max_rows is not None and len(frame) > upload.kind.max_rows:
        raise upload.error(
            f"more than {upload.kind.max_rows:,} rows",
            row=upload.kind.max_rows + 1,
            expected=f"at most {upload.kind.max_rows:,} {upload.kind.name}",
        )
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    return frame


def _read_csv(upload: Upload) -> pd.DataFrame:
    """UTF-8 (a BOM is dropped), else cp1252; a ragged row or an unclosed quote is one error naming its row."""
    source = upload.source
    check_table(source, file=upload.name)  # rows, columns and cells, counted in chunks before any parse
    # index_col=False: a row with an extra field is an error on that row, not a silent shift of columns.
    options = dict(dtype=str, keep_default_na=False, skipinitialspace=True, index_col=False)
    encoding = "utf-8-sig"
    try:
        with warnings.catch_warnings():  # pandas only warns (and drops the field) when the first row is too long
            warnings.simplefilter("error", pd.errors.ParserWarning)
            try:
                frame = pd.read_csv(opened(source), encoding=encoding, **options)
            except UnicodeDecodeError:
                encoding = "cp1252"
                frame = pd.read_csv(opened(source), encoding=encoding, **options)
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        row, fields, width = _ragged_row(source, encoding)
        if row is not None:
            raise upload.error(
                f"row {row} has {fields} fields but the header has {width}",
                row=row,
                column=f"field {width + 1}",
                expected=f"{upload.kind.expected}, with the same fields on every row",
            ) from None
        found = re.search(r"line (\d+)", str(error))
        raise upload.error(
            f"cannot read the file as CSV ({str(error).strip()})",
            row=int(found.group(1)) - 1 if found else None,
            expected=f"{upload.kind.expected}, with quotes that close",
        ) from None
    except (pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise upload.error(f"cannot read the file as CSV ({error})", expected=upload.kind.expected) from None
    # A short row's missing cells are blank, as an empty cell is: the reader names the column it needs.
    return frame.fillna("")


def _ragged_row(source, encoding: str) -> tuple[int | None, int, int]:
    """The first data row (1-based) with more fields than the header, its field count and the header's."""
    width = 0
    with source.open("rb") as stream:
        lines = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
        try:
            reader = csv.reader(lines, skipinitialspace=True)
            width = len(next(reader, []))
            for row, fields in enumerate(reader, start=1):
                if len(fields) > width:
                    return row, len(fields), width
        except csv.Error:
            pass
    return None, 0, width


def read_layer(upload: Upload) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage or zipped shapefile upload (bounded in bytes first), with at least one feature.

    Its CRS is as the file declares (none for a shapefile without ``.prj``); the caller decides what a missing
    one means. Call :func:`check_shapes` before any repair or overlay.
    """
    if upload.format not in LAYERS:
        raise upload.error(f"a {upload.format} file is not a layer", expected=upload.kind.expected)
    with upload.errors():
        check_polygon_file_size(upload.source.stat().st_size, file=upload.name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if upload.format == "geojson":  # by GeoJSON's driver alone (as_geojson)
                with as_geojson(upload.source) as path:
                    layer = gpd.read_file(path)
            else:
                layer = gpd.read_file(opened(upload.source))
    except Exception as error:  # pyogrio raises one error type per GDAL driver
        raise upload.error(f"cannot read {upload.kind.shapes} ({error})", expected=upload.kind.expected) from None
    if not isinstance(layer, gpd.GeoDataFrame):  # a table without a geometry column (an attribute-only layer)
        raise upload.error("the layer has no geometry", column="geometry", expected=upload.kind.expected)
    if len(layer) == 0:
        raise upload.error("the file has no features", expected=upload.kind.expected)
    # Heights are dropped: a ring with one vertex in 3D and the rest in 2D does not close, which GEOS refuses in
    # every later step (reprojection, repair); the planner's shapes are flat.
    return layer.set_geometry(shapely.force_2d(layer.geometry.to_numpy()), crs=layer.crs)


def check_shapes(upload: Upload, layer: gpd.GeoDataFrame, expected: str = "a polygon") -> None:
    """Refuse a feature without geometry (naming its row), then shapes that cost too much to use
    (:func:`geo.sources.limits.check_geometries`): before any ``make_valid``, overlap test or overlay."""
    bad = (layer.geometry.isna() | layer.geometry.is_empty).to_numpy()
    if bad.any():
        raise upload.error("a feature has no geometry", row=int(bad.argmax()) + 1, column="geometry", expected=expected)
    with upload.errors():
        check_geometries(layer.geometry.to_numpy(), file=upload.name)


def repaired(upload: Upload, layer: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The layer's shapes made valid (after :func:`check_shapes` bounded their cost); a shape GEOS cannot repair
    (a ring that does not close, as when one vertex has a height and the others none) is an error naming its row.
    """
    try:
        return layer.geometry.make_valid()
    except shapely.errors.GEOSException:
        for row, shape in enumerate(layer.geometry, start=1):
            try:
                shapely.make_valid(shape)
            except shapely.errors.GEOSException as error:
                raise upload.error(
                    f"the shape cannot be repaired ({error})", row=row, column="geometry", expected="closed rings"
                ) from None
        raise
