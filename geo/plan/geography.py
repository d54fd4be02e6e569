"""Geographies a plan is compared with or nested in: each LSOA of the atlas to one unit of another footprint.

Built in: electoral ``wards`` (the atlas's 2024 best-fit ``ward_code``), local authorities (``las``) and today's
``pcns`` (each LSOA to the PCN whose practices hold most of its registered residents). A user's own geography
(existing INTs, local area partnerships, police neighbourhoods, proposed unitaries) is read by
:func:`read_geography` from polygons (GeoJSON, GeoPackage, zipped shapefile: each LSOA to the polygon covering
most of it, as :mod:`geo.plan.io` does for plans) or an LSOA lookup CSV (``lsoa_code, unit``). A file that does
not cover the area, overlaps itself, has the wrong CRS or unknown codes raises one :class:`geo.errors.DataError`
naming file, row and column. Its size is bounded before it is parsed, and polygons before any repair or overlay
(:mod:`geo.sources.limits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import DataError
from geo.names import check_name
from geo.sources.limits import check_geometries, check_polygon_file_size, read_csv
from geo.sources.memory import as_source, opened

BUILT_IN = {"wards": "electoral wards", "las": "local authorities", "pcns": "primary care networks"}
UNIT_HEADERS = ["unit", "unit_code", "code", "area", "zone", "name", "unit_name"]
LSOA_HEADERS = ["lsoa_code", "lsoa21cd", "lsoa11cd", "lsoa_cd", "lsoacd", "lsoa"]
#: An LSOA counts as covered when polygons cover at least this share of its area.
COVERED = 0.5
#: Two polygons overlap when they share more than this share of the smaller one (generalised edges touch).
OVERLAP = 0.01
_LSOA_CODE = re.compile(r"^[EW]0[12]\d{6}$")


@dataclass(frozen=True)
class Geography:
    """Every LSOA of an atlas mapped to a unit of another geography.

    Attributes
    ----------
    key
        ``"wards"``, ``"las"``, ``"pcns"`` or the file's name.
    title
        What the units are, for tables ("electoral wards").
    units
        ``lsoa_code -> unit code`` in atlas order; missing where the LSOA has no unit (a PCN-less LSOA).
    names
        ``unit code -> unit name``.
    """

    key: str
    title: str
    units: pd.Series
    names: dict

    def name_of(self, unit: str) -> str:
        """Return a unit's name ("Abbey (E05010458)" when the name differs from the code)."""
        name = self.names.get(unit, unit)
        return name if name == unit else f"{name} ({unit})"


def geography(atlas, spec: str | Path) -> Geography:
    """Return the built-in geography ``wards``, ``las`` or ``pcns``, or read a file (see :func:`read_geography`).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> g = geography(grid_atlas(4, 1, lad_width=2), "las")
    >>> g.units.tolist(), g.names["E07009001"]
    (['E07009000', 'E07009000', 'E07009001', 'E07009001'], 'Grid District 1')
    """
    key = str(spec).strip()
    lsoas = atlas.lsoas
    if key.lower() in ("wards", "ward"):
        if "ward_code" not in lsoas.columns or lsoas["ward_code"].isna().all():
            raise DataError(
                "this atlas has no electoral wards (they come with LSOA 2021 atlases)",
                column="ward_code",
                expected="--vintage 2021 with the LSOA to ward lookup, or a file",
            )
        return _from_columns(lsoas, "wards", "ward_code", "ward_name")
    if key.lower() in ("las", "la", "lads", "lad"):
        return _from_columns(lsoas, "las", "lad_code", "lad_name")
    if key.lower() in ("pcns", "pcn"):
        return pcn_geography(atlas)
    return read_geography(Path(key), atlas)


def _from_columns(lsoas, key, code, name) -> Geography:
    units = lsoas[code].astype("object").where(lsoas[code].notna(), None)
    names = dict(zip(lsoas[code].astype(str), lsoas.get(name, lsoas[code]).astype(str)))
    return Geography(key, BUILT_IN[key], pd.Series(units.to_numpy(), index=lsoas.index, name="unit"), names)


def pcn_geography(atlas) -> Geography:
    """Each LSOA to the PCN whose practices hold most of its registered residents (none without registrations).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> g = pcn_geography(grid_atlas(4, 4))
    >>> sorted(g.units.dropna().unique()), g.names["U00000"]
    (['U00000', 'U00001'], 'Grid PCN 0')
    """
    practices = atlas.practices
    reg = atlas.registrations.merge(practices[["pcn_code"]], left_on="practice_code", right_index=True, how="inner")
    reg = reg[reg["pcn_code"].notna()]
    by = reg.groupby(["lsoa_code", "pcn_code"]).patients.sum().reset_index()
    top = by.sort_values(["patients", "pcn_code"], ascending=[False, True]).drop_duplicates("lsoa_code")
    units = top.set_index("lsoa_code")["pcn_code"].reindex(atlas.lsoas.index).astype("object")
    units = units.where(units.notna(), None)
    names = dict(zip(practices["pcn_code"].astype(str), practices["pcn_name"].astype(str)))
    return Geography("pcns", BUILT_IN["pcns"], units.rename("unit"), names)


def read_geography(path, atlas) -> Geography:
    """Read a user's geography for ``atlas``: an LSOA lookup CSV or polygons, checked before anything is used.

    Examples
    --------
    >>> import tempfile, os
    >>> from geo.testing import grid_atlas
    >>> path = os.path.join(tempfile.mkdtemp(), "ints.csv")
    >>> _ = open(path, "w").write("lsoa_code,unit\\nG0000,West\\nG0001,East\\n")
    >>> read_geography(path, grid_atlas(2, 1)).units.tolist()
    ['West', 'East']
    >>> _ = open(path, "w").write("lsoa_code,unit\\nG0000,West\\n")
    >>> read_geography(path, grid_atlas(2, 1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: ints.csv, column 'lsoa_code': the geography does not cover the study area: 1 LSOA...
    """
    path = as_source(path)  # a path, or an upload held in memory (geo.sources.memory.MemoryFile)
    if not path.is_file():
        raise DataError(
            "file not found", file=str(path), expected="wards, pcns, las, or a .csv/.geojson/.gpkg/.zip file"
        )
    if path.stat().st_size == 0:
        raise DataError("the file is empty", file=path.name, expected="an LSOA lookup or polygons")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame = read_csv(path, file=path.name, expected="a CSV lookup (lsoa_code, unit)")
        return _from_lookup(frame, atlas, path.name)
    if suffix in (".geojson", ".json", ".gpkg", ".zip", ".shp"):
        from geo.sources.archives import check_upload_archive  # lazy: imported only on this branch

        check_upload_archive(path)
        return _from_polygons(path, atlas)
    raise DataError(
        f"unrecognised file type '{suffix}'",
        file=path.name,
        expected="a .csv lookup (lsoa_code, unit) or .geojson/.gpkg/zipped shapefile polygons",
    )


def _norm(column) -> str:
    return str(column).strip().lower().replace(" ", "_")


def _unit_columns(columns, source: str) -> tuple[str, str]:
    """The unit code column and its name column: an ONS ``..CD``/``..NM`` pair, a known header, or the one left."""
    normed = {_norm(c): c for c in columns}
    for c in columns:
        n = _norm(c)
        if n.endswith("cd") and not n.startswith("lsoa") and n[:-2] + "nm" in normed:
            return c, normed[n[:-2] + "nm"]
    for header in UNIT_HEADERS:
        if header in normed:
            name = normed.get("unit_name", normed.get("name", normed[header]))
            return normed[header], name
    if len(columns) == 1:
        return columns[0], columns[0]
    raise DataError(
        f"no unit column among {list(columns)}",
        file=source,
        row=0,
        expected="a column named unit (or code, name, or an ONS pair such as LAD24CD, LAD24NM)",
    )


def _from_lookup(frame: pd.DataFrame, atlas, source: str) -> Geography:
    normed = [_norm(c) for c in frame.columns]
    lsoa = next((frame.columns[normed.index(h)] for h in LSOA_HEADERS if h in normed), None)
    if lsoa is None:
        raise DataError(
            f"no LSOA code column among {list(frame.columns)}",
            file=source,
            row=0,
            expected="a column named lsoa_code (or LSOA21CD)",
        )
    code, name = _unit_columns([c for c in frame.columns if c != lsoa], source)
    codes = frame[lsoa].astype(str).str.strip()
    units = frame[code].astype(str).str.strip()
    for bad, problem, column, expected in (
        (codes.duplicated(), "is listed more than once", lsoa, "each LSOA once"),
        (
            ~codes.isin(atlas.lsoas.index) & ~codes.str.match(_LSOA_CODE),
            "is not an LSOA code",
            lsoa,
            f"LSOA {atlas.vintage} codes such as {atlas.lsoas.index[0]}",
        ),
        (units.isin(["", "nan", "None"]), "has no unit", code, "a unit code or name on every row"),
    ):
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise DataError(
                f"LSOA '{codes.iloc[row]}' {problem}", file=source, row=row + 1, column=column, expected=expected
            )
    for value in pd.unique(units.to_numpy()):
        try:
            check_name(value, what="unit name")
        except DataError as error:
            row = int((units.to_numpy() == value).argmax()) + 1
            raise DataError(error.message, file=source, row=row, column=code, expected=error.expected) from None
    mapped = pd.Series(units.to_numpy(), index=codes.to_numpy()).reindex(atlas.lsoas.index)
    _check_cover(mapped, atlas, source, lsoa)
    names = dict(zip(units, frame[name].astype(str).str.strip()))
    return Geography(source, f"units of {source}", mapped.astype("object").rename("unit"), names)


def _from_polygons(path, atlas) -> Geography:
    check_polygon_file_size(path.stat().st_size, file=path.name)
    try:
        polygons = gpd.read_file(opened(path))
    except Exception as error:  # pyogrio raises its own error types per driver
        raise DataError(
            f"cannot read polygons ({error})", file=path.name, expected="GeoJSON, GeoPackage or zipped shapefile"
        ) from None
    if len(polygons) == 0:
        raise DataError("the file has no features", file=path.name, expected="one polygon per unit")
    attributes = pd.DataFrame(polygons.drop(columns=polygons.geometry.name))
    if any(_norm(c) in LSOA_HEADERS for c in attributes.columns):
        return _from_lookup(attributes.astype(str), atlas, path.name)
    text = [
        c for c in attributes.columns if attributes[c].dtype == object or pd.api.types.is_string_dtype(attributes[c])
    ]
    code, name = _unit_columns(text or list(attributes.columns), path.name)
    bad = polygons.geometry.isna() | polygons.geometry.is_empty
    if bad.any():
        raise DataError(
            "a feature has no geometry",
            file=path.name,
            row=int(bad.to_numpy().argmax()) + 1,
            column="geometry",
            expected="a polygon",
        )
    check_geometries(polygons.geometry.to_numpy(), file=path.name)  # before make_valid, the overlaps and overlay
    _check_crs(polygons, path, atlas)
    polygons = polygons.to_crs(atlas.lsoas.crs)
    units = attributes[code].astype(str).str.strip()
    empty = units.isin(["", "nan", "None"])
    if empty.any():
        raise DataError(
            "a feature has no unit",
            file=path.name,
            row=int(empty.to_numpy().argmax()) + 1,
            column=code,
            expected="a unit code or name on every feature",
        )
    zones = gpd.GeoDataFrame(
        {"unit": units.to_numpy(), "row": np.arange(1, len(units) + 1)},
        geometry=polygons.geometry.make_valid().to_numpy(),
        crs=atlas.lsoas.crs,
    )
    _check_overlaps(zones, path.name)
    lsoas = gpd.GeoDataFrame(
        {"lsoa_code": atlas.lsoas.index}, geometry=atlas.lsoas.geometry.to_numpy(), crs=atlas.lsoas.crs
    )
    pieces = gpd.overlay(lsoas, zones, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area
    by = pieces.groupby(["lsoa_code", "unit"]).area.sum().reset_index()
    covered = by.groupby("lsoa_code").area.sum().reindex(atlas.lsoas.index, fill_value=0)
    best = by.sort_values(["area", "unit"], ascending=[False, True]).drop_duplicates("lsoa_code").set_index("lsoa_code")
    mapped = best["unit"].reindex(atlas.lsoas.index)
    mapped[covered.to_numpy() < COVERED * atlas.lsoas.geometry.area.to_numpy()] = np.nan
    _check_cover(mapped, atlas, path.name, "geometry")
    names = dict(zip(units, attributes[name].astype(str).str.strip()))
    return Geography(path.name, f"units of {path.name}", mapped.astype("object").rename("unit"), names)


def _check_crs(polygons: gpd.GeoDataFrame, path, atlas) -> None:
    """A missing CRS, or coordinates that do not fit it (metres read as degrees), or no overlap with the area."""
    if polygons.crs is None:
        raise DataError(
            "the polygons have no coordinate reference system (a shapefile needs its .prj)",
            file=path.name,
            column="geometry",
            expected="EPSG:27700 or EPSG:4326 polygons",
        )
    x0, y0, x1, y1 = polygons.total_bounds
    if polygons.crs.is_geographic and (max(abs(x0), abs(x1)) > 180 or max(abs(y0), abs(y1)) > 90):
        raise DataError(
            f"the coordinates ({x0:,.0f}, {y0:,.0f}) are not longitude and latitude, but the file says "
            f"{polygons.crs.to_string()}: the CRS is wrong (metres, such as British National Grid?)",
            file=path.name,
            row=1,
            column="geometry",
            expected="the CRS the coordinates are in",
        )
    projected = polygons.to_crs(atlas.lsoas.crs)
    area = atlas.lsoas.geometry.union_all().envelope
    hits = projected.geometry.intersects(area)
    if not hits.any():
        raise DataError(
            f"no polygon lies within the study area in {polygons.crs.to_string()}: the CRS is wrong, "
            "or the file is of another area",
            file=path.name,
            row=1,
            column="geometry",
            expected=f"polygons over {atlas.area.label}, with their true CRS",
        )


def _check_overlaps(zones: gpd.GeoDataFrame, source: str) -> None:
    """Raise naming the first two features of different units that share more than :data:`OVERLAP` of one."""
    left, right = zones.sindex.query(zones.geometry, predicate="intersects")
    keep = (left < right) & (zones["unit"].to_numpy()[left] != zones["unit"].to_numpy()[right])
    for i, j in zip(left[keep], right[keep]):
        a, b = zones.geometry.iloc[i], zones.geometry.iloc[j]
        shared = a.intersection(b).area
        if shared > OVERLAP * min(a.area, b.area):
            raise DataError(
                f"the polygons of '{zones['unit'].iloc[i]}' and '{zones['unit'].iloc[j]}' (row "
                f"{j + 1}) overlap by {shared / 1e6:,.2f} km²",
                file=source,
                row=i + 1,
                column="geometry",
                expected="units that do not overlap (each place in one unit)",
            )


def _check_cover(mapped: pd.Series, atlas, source: str, column: str) -> None:
    missing = mapped.index[mapped.isna().to_numpy()]
    if len(missing):
        raise DataError(
            f"the geography does not cover the study area: {len(missing)} LSOA"
            f"{'s' if len(missing) > 1 else ''} of {atlas.area.label} in no unit (first {missing[0]})",
            file=source,
            column=column,
            expected="every LSOA of the study area in one unit",
        )
