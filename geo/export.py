"""Every file the project writes, in one table: (kind, extension) -> writer and media type.

Like geopandas' driver table, the command line and the API look a format up here rather than each keeping its
own list, so ``nhp propose --out plan.gpkg`` and ``GET /plans/1/export.gpkg`` write the same file the same way,
and a new format is one row. The writers themselves live with what they write (:mod:`geo.plan.io`,
:mod:`geo.profiles`, :mod:`geo.maps`, :mod:`geo.hotspots`); every count in them has already passed through
:mod:`geo.disclosure`.

Examples
--------
>>> sorted(extensions("plan"))
['.csv', '.geojson', '.gpkg']
>>> FORMATS["profiles", ".xlsx"].media_type
'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import DataError


@dataclass(frozen=True)
class Format:
    """One output format of one kind of value."""

    kind: str
    extension: str
    media_type: str
    description: str
    write: Callable[..., Path]


def _plan(layer: str = "neighbourhoods") -> Callable[..., Path]:
    def write(plan, path: Path, **options: Any) -> Path:
        from geo.plan.io import write_plan  # lazy: nhp --help start-up

        chosen = options.get("layer", layer)
        if chosen == "lsoas" and Path(path).suffix.lower() in (".geojson", ".gpkg"):
            return _lsoa_layer(plan, Path(path))
        return write_plan(plan, path, layer=chosen, columns=options.get("columns"))

    return write


def _lsoa_layer(plan, path: Path) -> Path:
    """The LSOA layer of a plan with its residents and registered patients published: a count of 1 to 7 (never
    in census LSOAs, but possible in any atlas) is an empty cell."""
    from geo.disclosure import suppress  # lazy: nhp --help start-up
    from geo.plan.io import lsoa_layer  # lazy: nhp --help start-up

    frame = lsoa_layer(plan)
    for column in ("resident_population", "registered_population"):
        frame[column] = suppress(frame[column])
    if path.suffix.lower() == ".geojson":
        path.unlink(missing_ok=True)
        frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        frame.to_crs("EPSG:27700").to_file(path, driver="GPKG", layer="lsoas")
    return path


def _profiles(profiles, path: Path, **options: Any) -> Path:
    return profiles.write(path)


def _map(folium_map, path: Path, **options: Any) -> Path:
    from geo.maps import save_map  # lazy: nhp --help start-up

    return save_map(folium_map, path, **options)


def _hotspots_csv(result, path: Path, **options: Any) -> Path:
    return result.to_csv(path)


def _hotspots_geojson(result, path: Path, **options: Any) -> Path:
    return result.to_geojson(path)


CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"
GPKG = "application/geopackage+sqlite3"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html; charset=utf-8"
PDF = "application/pdf"

FORMATS: dict[tuple[str, str], Format] = {
    (f.kind, f.extension): f
    for f in [
        Format("plan", ".csv", CSV, "lookup lsoa_code,neighbourhood", _plan()),
        Format("plan", ".geojson", GEOJSON, "footprints with their metrics (EPSG:4326)", _plan()),
        Format("plan", ".gpkg", GPKG, "footprints with their metrics (EPSG:27700)", _plan()),
        Format("profiles", ".html", HTML, "neighbourhood profiles for HWB papers", _profiles),
        Format("profiles", ".pdf", PDF, "neighbourhood profiles for HWB papers (A4 PDF data pack)", _profiles),
        Format("profiles", ".csv", CSV, "neighbourhood profile figures", _profiles),
        Format("profiles", ".xlsx", XLSX, "neighbourhood profiles workbook", _profiles),
        Format("map", ".html", HTML, "interactive map", _map),
        Format("hotspots", ".csv", CSV, "UEC rates and hotspots by LSOA", _hotspots_csv),
        Format("hotspots", ".geojson", GEOJSON, "UEC rates and hotspots by LSOA (EPSG:4326)", _hotspots_geojson),
    ]
}


def extensions(kind: str) -> list[str]:
    """Return the file extensions a kind of output can be written as."""
    return [ext for k, ext in FORMATS if k == kind]


def format_for(kind: str, path: str | Path) -> Format:
    """Return the format of ``kind`` that ``path``'s extension names, or raise a :class:`DataError` listing them.

    Examples
    --------
    >>> format_for("plan", "out/plan.GPKG").description
    'footprints with their metrics (EPSG:27700)'
    >>> format_for("map", "map.pdf")
    Traceback (most recent call last):
    ...
    geo.errors.DataError: map.pdf: cannot write a map as '.pdf' (expected .html)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    found = FORMATS.get((kind, suffix))
    if found is None:
        raise DataError(
            f"cannot write a {kind} as {suffix!r}" if suffix else f"{path.name} has no extension",
            file=path.name,
            expected=" or ".join(extensions(kind)),
        )
    return found


def write(kind: str, value: Any, path: str | Path, **options: Any) -> Path:
    """Write ``value`` (a plan, profiles, map or hotspot result) to ``path`` in the format its extension names.

    The folder must exist: a mistyped folder is an error, not a new folder.
    """
    path = Path(path)
    fmt = format_for(kind, path)
    if not path.parent.exists():
        raise DataError(
            "the output folder does not exist", file=str(path.parent), expected="an existing folder (create it first)"
        )
    return Path(fmt.write(value, path, **options))
