"""Candidate hub sites: today's practice sites by default, or a user file of public estate (CSV or GeoJSON).

A CSV needs an ``id`` (or ``site_code``/``code``) column, an optional ``name`` (or ``site_name``), and either
``easting, northing`` (British National Grid, metres) or ``latitude, longitude`` (WGS84; ``lat, lon`` too). A
GeoJSON needs Point features with an ``id`` property (and an optional ``name``), in WGS84 or EPSG:27700. Every
problem is one :class:`geo.errors.DataError` naming the file, the 1-based data row and the column. Files are
bounded: at most :data:`MAX_BYTES` bytes and :data:`MAX_SITES` sites.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from geo.errors import DataError
from geo.names import check_name

MAX_BYTES = 20 * 1024 * 1024
MAX_SITES = 20_000
#: Bounds a site in or near England must fall within.
BNG_BOUNDS = (0.0, 0.0, 700_000.0, 1_300_000.0)
LATLON_BOUNDS = (49.0, -8.5, 61.0, 2.5)
ALIASES = {
    "id": ("id", "site_code", "code", "site_id"),
    "name": ("name", "site_name"),
    "easting": ("easting", "x", "bng_e"),
    "northing": ("northing", "y", "bng_n"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng", "long"),
}


def _column(columns: list[str], key: str) -> str | None:
    lower = {c.strip().lower(): c for c in columns}
    return next((lower[a] for a in ALIASES[key] if a in lower), None)


def read_candidates(path: str | Path) -> pd.DataFrame:
    """Read a candidate-site file: ``site_name, x, y`` (EPSG:27700 metres), index ``site_code``.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "estate.csv")
    >>> _ = open(path, "w").write("id,name,easting,northing\\nH1,Health centre,450500,300500\\n")
    >>> read_candidates(path).to_dict("index")
    {'H1': {'site_name': 'Health centre', 'x': 450500.0, 'y': 300500.0}}
    >>> _ = open(path, "w").write("id,name,easting,northing\\nH1,Health centre,450500,north\\n")
    >>> try:
    ...     read_candidates(path)
    ... except DataError as e:
    ...     print(str(e).split(": ", 1)[1])
    'north' is not a coordinate (expected metres on the British National Grid)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("candidate file not found", file=str(path), expected="a CSV or GeoJSON of candidate sites")
    if path.stat().st_size > MAX_BYTES:
        raise DataError(f"candidate file is larger than {MAX_BYTES // 2**20} MB", file=str(path))
    if path.suffix.lower() in (".geojson", ".json"):
        frame, kind = _geojson_rows(path), "geojson"
    elif path.suffix.lower() == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=MAX_SITES + 1)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise DataError(f"not a readable CSV ({type(e).__name__})", file=str(path)) from None
        kind = "csv"
    else:
        raise DataError(
            f"unknown candidate file type {path.suffix!r}", file=str(path), expected="a .csv or .geojson file"
        )
    if len(frame) > MAX_SITES:
        raise DataError(f"more than {MAX_SITES:,} candidate sites", file=str(path), row=MAX_SITES + 1)
    if frame.empty:
        raise DataError("no candidate sites in the file", file=str(path), expected="at least one site")
    return _parse(frame, path, kind)


def _geojson_rows(path: Path) -> pd.DataFrame:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"not valid GeoJSON ({type(e).__name__})", file=str(path)) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise DataError("no 'features' list", file=str(path), expected="a GeoJSON FeatureCollection of points")
    if len(features) > MAX_SITES:
        raise DataError(f"more than {MAX_SITES:,} candidate sites", file=str(path), row=MAX_SITES + 1)
    crs = str(((doc.get("crs") or {}).get("properties") or {}).get("name", ""))
    bng = "27700" in crs
    rows = []
    for i, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            raise DataError("not a Point geometry", file=str(path), row=i, column="geometry", expected="a Point")
        props = (feature or {}).get("properties") or {}
        row = {
            k: "" if v is None else str(v) for k, v in props.items() if isinstance(v, (str, int, float)) or v is None
        }
        row.update(
            {"easting" if bng else "longitude": str(coords[0]), "northing" if bng else "latitude": str(coords[1])}
        )
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


def _numbers(frame: pd.DataFrame, column: str, path: Path, expected: str) -> np.ndarray:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise DataError(
            f"{frame[column].iloc[bad[0]]!r} is not a coordinate",
            file=str(path),
            row=int(bad[0]) + 1,
            column=column,
            expected=expected,
        )
    return values


def _parse(frame: pd.DataFrame, path: Path, kind: str) -> pd.DataFrame:
    columns = list(frame.columns)
    code_col = _column(columns, "id")
    if code_col is None:
        raise DataError("no id column", file=str(path), row=0, expected="a column 'id' (or site_code) naming each site")
    name_col = _column(columns, "name")
    codes = frame[code_col].astype(str).str.strip()
    for i, code in enumerate(codes, start=1):
        if not code:
            raise DataError("empty site id", file=str(path), row=i, column=code_col, expected="an id for every site")
        check_name(code, what="site id", file=str(path), row=i, column=code_col)
    duplicated = np.flatnonzero(codes.duplicated().to_numpy())
    if len(duplicated):
        i = int(duplicated[0])
        raise DataError(
            f"site id {codes.iloc[i]!r} appears twice",
            file=str(path),
            row=i + 1,
            column=code_col,
            expected="one row per site",
        )
    names = codes.copy() if name_col is None else frame[name_col].astype(str).str.strip()
    for i, name in enumerate(names, start=1):
        if name:
            check_name(name, what="site name", file=str(path), row=i, column=name_col)
    names = names.where(names != "", codes)
    east, north = _column(columns, "easting"), _column(columns, "northing")
    lat, lon = _column(columns, "latitude"), _column(columns, "longitude")
    if east and north:
        x = _numbers(frame, east, path, "metres on the British National Grid")
        y = _numbers(frame, north, path, "metres on the British National Grid")
        _check_bounds(x, y, BNG_BOUNDS, path, (east, north), "a point in England on the British National Grid")
    elif lat and lon:
        la = _numbers(frame, lat, path, "a latitude in degrees")
        lo = _numbers(frame, lon, path, "a longitude in degrees")
        _check_bounds(la, lo, LATLON_BOUNDS, path, (lat, lon), "a latitude and longitude in or near England")
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lo, la)
    else:
        raise DataError(
            "no coordinate columns",
            file=str(path),
            row=0,
            expected="easting and northing (British National Grid) or latitude and longitude",
        )
    return pd.DataFrame(
        {"site_name": names.to_numpy(dtype=object), "x": np.asarray(x, float), "y": np.asarray(y, float)},
        index=pd.Index(codes.to_numpy(dtype=object), name="site_code"),
    )


def _check_bounds(a: np.ndarray, b: np.ndarray, bounds, path: Path, columns: tuple[str, str], expected: str) -> None:
    low_a, low_b, high_a, high_b = bounds
    for values, low, high, column in ((a, low_a, high_a, columns[0]), (b, low_b, high_b, columns[1])):
        bad = np.flatnonzero((values < low) | (values > high))
        if len(bad):
            raise DataError(
                f"{values[bad[0]]:g} is outside England",
                file=str(path),
                row=int(bad[0]) + 1,
                column=column,
                expected=expected,
            )
