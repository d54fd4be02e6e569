"""Candidate hub sites: today's practice sites by default, or a user file of public estate (CSV or GeoJSON).

A CSV needs an ``id`` (or ``site_code``/``code``) column, an optional ``name`` (or ``site_name``), and either
``easting, northing`` (British National Grid, metres) or ``latitude, longitude`` (WGS84; ``lat, lon`` too). A
GeoJSON needs Point features with an ``id`` property (and an optional ``name``), in WGS84 or EPSG:27700. Every
problem is one :class:`geo.errors.DataError` naming the file, the 1-based data row and the column. Files are
read by the one upload reader (:mod:`geo.sources.uploads`, kind ``candidates``) and bounded: at most
:data:`MAX_BYTES` bytes and :data:`MAX_SITES` sites.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from geo.errors import DataError
from geo.names import check_name
from geo.sources.upload_kinds import KINDS
from geo.sources.uploads import Upload, open_upload, read_layer, read_table

MAX_BYTES = KINDS["candidates"].max_bytes
MAX_SITES = KINDS["candidates"].max_rows
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
    upload = open_upload(path, "candidates")  # bounded in bytes and rows (geo.sources.upload_kinds.KINDS)
    frame = _points(upload) if upload.format == "geojson" else read_table(upload)
    if frame.empty:
        raise upload.error("no candidate sites in the file", expected="at least one site")
    return _parse(frame, upload.name, upload.format)


def _points(upload: Upload) -> pd.DataFrame:
    """A GeoJSON of points as rows of text: its properties, and its coordinates as easting and northing (a layer
    in EPSG:27700) or longitude and latitude."""
    layer = read_layer(upload)
    if len(layer) > MAX_SITES:
        raise upload.error(f"more than {MAX_SITES:,} candidate sites", row=MAX_SITES + 1)
    points = (layer.geometry.geom_type == "Point").to_numpy()
    if not points.all():
        row = int((~points).argmax()) + 1
        raise upload.error("not a Point geometry", row=row, column="geometry", expected="a Point")
    bng = layer.crs is not None and layer.crs.to_epsg() == 27700
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name))
    frame = frame.astype(object).where(frame.notna(), "").astype(str)
    frame["easting" if bng else "longitude"] = [repr(float(x)) for x in layer.geometry.x]
    frame["northing" if bng else "latitude"] = [repr(float(y)) for y in layer.geometry.y]
    return frame


def _numbers(frame: pd.DataFrame, column: str, source: str, expected: str) -> np.ndarray:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if len(bad):
        raise DataError(
            f"{frame[column].iloc[bad[0]]!r} is not a coordinate",
            file=source,
            row=int(bad[0]) + 1,
            column=column,
            expected=expected,
        )
    return values


def _parse(frame: pd.DataFrame, source: str, kind: str) -> pd.DataFrame:
    columns = list(frame.columns)
    code_col = _column(columns, "id")
    if code_col is None:
        raise DataError("no id column", file=source, row=0, expected="a column 'id' (or site_code) naming each site")
    name_col = _column(columns, "name")
    codes = frame[code_col].astype(str).str.strip()
    for i, code in enumerate(codes, start=1):
        if not code:
            raise DataError("empty site id", file=source, row=i, column=code_col, expected="an id for every site")
        check_name(code, what="site id", file=source, row=i, column=code_col)
    duplicated = np.flatnonzero(codes.duplicated().to_numpy())
    if len(duplicated):
        i = int(duplicated[0])
        raise DataError(
            f"site id {codes.iloc[i]!r} appears twice",
            file=source,
            row=i + 1,
            column=code_col,
            expected="one row per site",
        )
    names = codes.copy() if name_col is None else frame[name_col].astype(str).str.strip()
    for i, name in enumerate(names, start=1):
        if name:
            check_name(name, what="site name", file=source, row=i, column=name_col)
    names = names.where(names != "", codes)
    east, north = _column(columns, "easting"), _column(columns, "northing")
    lat, lon = _column(columns, "latitude"), _column(columns, "longitude")
    if east and north:
        x = _numbers(frame, east, source, "metres on the British National Grid")
        y = _numbers(frame, north, source, "metres on the British National Grid")
        _check_bounds(x, y, BNG_BOUNDS, source, (east, north), "a point in England on the British National Grid")
    elif lat and lon:
        la = _numbers(frame, lat, source, "a latitude in degrees")
        lo = _numbers(frame, lon, source, "a longitude in degrees")
        _check_bounds(la, lo, LATLON_BOUNDS, source, (lat, lon), "a latitude and longitude in or near England")
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lo, la)
    else:
        raise DataError(
            "no coordinate columns",
            file=source,
            row=0,
            expected="easting and northing (British National Grid) or latitude and longitude",
        )
    return pd.DataFrame(
        {"site_name": names.to_numpy(dtype=object), "x": np.asarray(x, float), "y": np.asarray(y, float)},
        index=pd.Index(codes.to_numpy(dtype=object), name="site_code"),
    )


def _check_bounds(a: np.ndarray, b: np.ndarray, bounds, source: str, columns: tuple[str, str], expected: str) -> None:
    low_a, low_b, high_a, high_b = bounds
    for values, low, high, column in ((a, low_a, high_a, columns[0]), (b, low_b, high_b, columns[1])):
        bad = np.flatnonzero((values < low) | (values > high))
        if len(bad):
            raise DataError(
                f"{values[bad[0]]:g} is outside England",
                file=source,
                row=int(bad[0]) + 1,
                column=column,
                expected=expected,
            )
