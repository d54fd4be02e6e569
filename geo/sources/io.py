"""Format detection and opening for every official file: the one path all readers share.

:func:`sniff` looks at the first few kilobytes of a file (or the first rows of a spreadsheet, or the field list of
a geographic layer) and says what format it is and which columns it has, so datasets are recognised by their
headers rather than their names. :func:`read_table` and :func:`read_layer` then read only the columns a reader
needs, as strings (codes stay strings; readers parse numbers themselves so a bad cell can be named), and
:func:`read_layer` reprojects geometry to British National Grid.
"""

from __future__ import annotations

import csv
import io
import json
import re
from functools import lru_cache
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import DataError
from geo.sources.archives import check_archive

SNIFF_BYTES = 64 * 1024
BNG = "EPSG:27700"
GEO_FORMATS = {"geojson", "gpkg", "shp.zip"}


@dataclass
class Sniff:
    """What the first bytes of a file say about it.

    ``columns`` are the header names as written (BOM and surrounding spaces removed); ``first_row`` is the first
    data row, which is how headerless files (ODS epraccur, Code-Point Open) are recognised.
    """

    path: Path
    format: str
    columns: list[str]
    first_row: list[str] = field(default_factory=list)
    sheet: str | None = None
    member: str | None = None
    headerless: bool = False

    @property
    def is_geo(self) -> bool:
        return self.format in GEO_FORMATS


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65_536)
def _normalise(name: str) -> str:
    return _SPACES.sub(" ", name.replace("\ufeff", "")).strip().lower()


def normalise(name: str) -> str:
    """Header name as layouts match it: lower case, single spaces, no BOM (memoised: every file's header is
    tried against every layout's patterns when a folder is discovered)."""
    return _normalise(str(name))


def sniff(path: str | Path) -> Sniff:
    """Return the format, header and first data row of ``path`` without reading the whole file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n")
    >>> sniff(p).columns
    ['a', 'b']
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=path)
    if path.stat().st_size == 0:
        raise DataError("file is empty (0 bytes)", file=path, expected="the official file with its header row")
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"SQLite format 3"):
        return _sniff_layer(path, "gpkg", str(path))
    if head.startswith(b"PK"):
        return _sniff_zip(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(head):
        raise DataError(
            "file is UTF-16 encoded (Excel's 'Unicode Text'), which the readers do not read",
            file=path,
            expected="the file saved as CSV UTF-8, or as published",
        )
    text = _decode(head)
    if text.lstrip().startswith("{"):
        return _sniff_geojson(path, text)
    return _sniff_csv_text(path, "csv", text)


def _looks_utf16(head: bytes) -> bool:
    """UTF-16 text without a BOM: ASCII characters alternate with NUL bytes."""
    sample = head[:400]
    return len(sample) >= 8 and (
        sample[1::2].count(0) > 0.9 * len(sample[1::2]) or sample[0::2].count(0) > 0.9 * len(sample[0::2])
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the sniff window is fine; a genuinely non-UTF-8 file is cp1252 (Excel).
        if error.start > len(data) - 4:
            return data[: error.start].decode("utf-8-sig")
        return data.decode("cp1252", errors="replace")


def _sniff_csv_text(path: Path, fmt: str, text: str, member: str | None = None) -> Sniff:
    lines = text.splitlines()
    if len(text) >= SNIFF_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]  # the last line in the window may be cut off
    rows = [r for r in csv.reader(lines[:3]) if r]
    if not rows:
        raise DataError("file has no header row", file=path, expected="a CSV file with a header row")
    columns = [c.replace("\ufeff", "").strip() for c in rows[0]]
    return Sniff(path, fmt, columns, rows[1] if len(rows) > 1 else [], member=member)


def _sniff_zip(path: Path) -> Sniff:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise DataError(f"zip file cannot be opened ({error})", file=path, expected="a complete zip file") from error
    with zf:
        names = zf.namelist()
        _check_members(path, zf)
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return _sniff_xlsx(path)
        shp = [n for n in names if n.lower().endswith(".shp")]
        if shp:
            return _sniff_layer(path, "shp.zip", f"/vsizip/{path}/{shp[0]}")
        csvs = [n for n in names if n.lower().endswith((".csv", ".txt"))]
        if not csvs:
            raise DataError("zip holds no CSV or shapefile", file=path, expected="a zipped CSV or shapefile")
        with zf.open(csvs[0]) as fh:
            text = _decode(fh.read(SNIFF_BYTES))
    if not text.strip():
        raise DataError("file is empty", file=f"{path}!{csvs[0]}")
    return _sniff_csv_text(path, "csv.zip", text, member=csvs[0])


def _check_members(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse archive members that climb out of the archive, and archives that inflate past the limits."""
    check_archive(path, zf)


def _sniff_xlsx(path: Path) -> Sniff:
    from openpyxl import load_workbook  # lazy: openpyxl only for XLSX files

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = [[("" if v is None else str(v)) for v in r] for r in ws.iter_rows(max_row=2, values_only=True)]
            if rows and any(rows[0]):
                sheets.append((ws.title, rows))
    finally:
        wb.close()
    if not sheets:
        raise DataError("spreadsheet has no rows", file=path)
    # Official IoD workbooks open with a notes sheet; the data sheet is the widest header.
    title, rows = max(sheets, key=lambda s: sum(1 for v in s[1][0] if v))
    columns = [c.strip() for c in rows[0] if c != ""]
    return Sniff(path, "xlsx", columns, rows[1] if len(rows) > 1 else [], sheet=title)


def _sniff_geojson(path: Path, text: str) -> Sniff:
    # The first "properties" after "features" (a crs member also has "properties").
    features = text.find('"features"')
    match = re.compile(r'"properties"\s*:\s*').search(text, max(features, 0))
    if not match:
        raise DataError("GeoJSON has no features in its first kilobytes", file=path, expected="a FeatureCollection")
    try:
        props, _ = json.JSONDecoder().raw_decode(text, match.end())
    except json.JSONDecodeError as error:
        raise DataError(f"GeoJSON does not parse ({error.msg})", file=path, expected="valid JSON") from error
    return Sniff(path, "geojson", list(props or {}), [str(v) for v in (props or {}).values()])


def _sniff_layer(path: Path, fmt: str, source: str) -> Sniff:
    import pyogrio  # lazy: GDAL only for geographic layers; a cached start reads none; only layers need GDAL: a cached atlas start (CSV sniffs) does not pay for importing it

    try:
        info = pyogrio.read_info(source)
    except Exception as error:  # pyogrio raises several GDAL error types for unreadable files
        raise DataError(
            f"cannot open as {fmt} ({error})", file=path, expected=f"a complete {fmt} file as published"
        ) from error
    return Sniff(path, fmt, [str(c) for c in info["fields"]], member=source)


def check_complete(s: Sniff) -> None:
    """Raise if a text file ends mid-row (cut download) or mid-JSON: cheaper and clearer than a parser error."""
    if s.format not in ("csv", "geojson"):
        return
    with open(s.path, "rb") as fh:
        size = fh.seek(0, io.SEEK_END)
        fh.seek(max(0, size - SNIFF_BYTES))
        tail = _decode(fh.read())
    if s.format == "geojson":
        if not tail.rstrip().endswith("}"):
            raise DataError("GeoJSON is truncated (does not end with '}')", file=s.path, expected="complete JSON")
        return
    lines = [ln for ln in tail.splitlines() if ln.strip()]
    if not lines:
        return
    last = next(csv.reader([lines[-1]]), [])
    width = len(s.columns) if not s.headerless else len(s.first_row)
    if len(last) < width or lines[-1].count('"') % 2:
        with open(s.path, "rb") as fh:
            row = fh.read().rstrip(b"\r\n").count(b"\n") + (1 if s.headerless else 0)
        raise DataError(
            f"last row is cut off ({len(last)} of {width} fields); the file looks truncated",
            file=s.path,
            row=row,
            column=s.columns[len(last) - 1] if 0 < len(last) <= len(s.columns) and not s.headerless else None,
            expected="a complete download",
        )


def read_table(s: Sniff, columns: list[str]) -> pd.DataFrame:
    """Read the named source ``columns`` of a CSV, zipped CSV or XLSX as strings (blank cells are NaN).

    For headerless files pass positions as strings ("0", "1", ...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("code,n\\nE01000001,\\"1,296\\"\\n")
    >>> read_table(sniff(p), ["n"]).n.tolist()
    ['1,296']
    """
    check_complete(s)
    if s.format == "xlsx":
        df = pd.read_excel(s.path, sheet_name=s.sheet, dtype=str, usecols=lambda c: str(c).strip() in columns)
        df.columns = [str(c).strip() for c in df.columns]
    else:
        source = s.path if s.format == "csv" else zipfile.ZipFile(s.path).open(s.member)
        kwargs = dict(dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
        if s.headerless:
            kwargs.update(header=None, names=[str(i) for i in range(len(s.first_row))])
        try:
            df = pd.read_csv(source, engine="pyarrow", usecols=columns, **kwargs)
        except UnicodeDecodeError:
            source = s.path if s.format == "csv" else zipfile.ZipFile(s.path).open(s.member)
            df = pd.read_csv(source, usecols=columns, **{**kwargs, "encoding": "cp1252"})
        except Exception as error:  # pyarrow's parse errors carry no row number; re-read with the C parser
            df = _reread_for_row(s, columns, kwargs, error)
        df.columns = [c.replace("\ufeff", "").strip() for c in df.columns]
    if df.empty:
        raise DataError("file has a header but no data rows", file=s.path, expected="one row per area")
    return df


def _reread_for_row(s: Sniff, columns, kwargs, error) -> pd.DataFrame:
    def source():
        return s.path if s.format == "csv" else zipfile.ZipFile(s.path).open(s.member)

    try:
        try:
            return pd.read_csv(source(), usecols=columns, **kwargs)
        except UnicodeDecodeError:  # pyarrow reports bad UTF-8 as a parse error: a cp1252 (Excel) file
            return pd.read_csv(source(), usecols=columns, **{**kwargs, "encoding": "cp1252"})
    except pd.errors.ParserError as parse_error:
        found = re.search(r"line (\d+)", str(parse_error))
        row = int(found.group(1)) - 1 if found else None
        if found is None and (found := re.search(r"starting at row (\d+)", str(parse_error))):
            row = int(found.group(1))  # the tokenizer counts the header as row 0, as we do
        raise DataError(
            f"malformed row ({parse_error})",
            file=s.path,
            row=row,
            expected="the same number of fields on every row, and quotes that close",
        ) from parse_error
    except Exception:
        raise DataError(f"cannot be parsed as CSV ({error})", file=s.path) from error


def read_layer(s: Sniff, columns: list[str]) -> gpd.GeoDataFrame:
    """Read ``columns`` and geometry of a GeoJSON, GeoPackage or zipped shapefile, in EPSG:27700."""
    import pyogrio  # lazy: GDAL only for geographic layers; a cached start reads none

    check_complete(s)
    source = s.member or str(s.path)
    try:
        gdf = pyogrio.read_dataframe(source, columns=columns, use_arrow=True)
    except Exception as error:
        raise DataError(f"cannot read the layer ({error})", file=s.path, expected="a complete file") from error
    if gdf.empty:
        raise DataError("layer has no features", file=s.path, expected="one feature per area")
    if gdf.crs is None:
        gdf = gdf.set_crs(place_crs(gdf, s.path))
    declared = gdf.crs.to_string()
    with np.errstate(all="ignore"):
        gdf = gdf.to_crs(BNG)
        bounds = gdf.geometry.bounds.to_numpy()
    # A layer whose coordinates do not match its declared CRS (degrees labelled as metres, or the reverse) lands
    # outside Great Britain, or nowhere at all, once projected. Empty shapes are left to the geometry check.
    shaped = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    with np.errstate(invalid="ignore"):
        inside = (
            np.isfinite(bounds).all(axis=1)
            & (bounds[:, 0] >= 0)
            & (bounds[:, 2] <= 700_000)
            & (bounds[:, 1] >= 0)
            & (bounds[:, 3] <= 1_300_000)
        )
    outside = shaped & ~inside
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        minx, miny, maxx, maxy = bounds[i]
        raise DataError(
            f"coordinates do not fit the declared CRS {declared}: in British National Grid this shape "
            f"spans ({minx:.0f}, {miny:.0f}) to ({maxx:.0f}, {maxy:.0f}), outside Great Britain",
            file=s.path,
            row=i + 1,
            column="geometry",
            expected="a layer in Great Britain whose CRS matches its coordinates (EPSG:27700 metres or "
            "EPSG:4326 degrees)",
        )
    return gdf


def place_crs(gdf: gpd.GeoDataFrame, file) -> str:
    """Guess the CRS of a layer that declares none: lon/lat around Britain, or BNG metres; otherwise refuse.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> place_crs(gpd.GeoDataFrame(geometry=[Point(-1.1, 52.6)]), "x.gpkg")
    'EPSG:4326'
    >>> place_crs(gpd.GeoDataFrame(geometry=[Point(459000, 304000)]), "x.gpkg")
    'EPSG:27700'
    """
    minx, miny, maxx, maxy = gdf.total_bounds
    if -9.5 <= minx and maxx <= 3.5 and 49 <= miny and maxy <= 61.5:
        return "EPSG:4326"
    if 0 <= minx and maxx <= 700_000 and 0 <= miny and maxy <= 1_300_000:
        return BNG
    raise DataError(
        f"CRS cannot be placed: the layer declares no CRS and its bounds ({minx:.0f}, {miny:.0f}, {maxx:.0f}, "
        f"{maxy:.0f}) are neither longitude/latitude in Britain nor British National Grid metres",
        file=gdf.attrs.get("file", file),
        expected="a layer with a CRS (EPSG:27700 or EPSG:4326)",
    )
