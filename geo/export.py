"""Every file the project writes, in one table: (kind, extension) -> writer and media type.

Like geopandas' driver table, the command line and the API look a format up here rather than each keeping its
own list, so ``nhp propose --out plan.gpkg`` and ``GET /plans/1/export.gpkg`` write the same file the same way,
and a new format is one row. Every table (plans, hotspots, sites, access) is written by the one writer of its
suffix (:mod:`geo.writers`: formula-safe CSV, GeoJSON, GeoPackage with field descriptions, workbooks with notes,
Parquet), and every output's folder is checked by :func:`geo.writers.check_folder`; pages and packs (HTML, PDF,
PNG) and ensemble runs (Parquet with their metadata) are written by their own modules (:mod:`geo.profiles`,
:mod:`geo.maps`, :mod:`geo.ensemble`). Every count has already passed through :mod:`geo.disclosure`.

Examples
--------
>>> sorted(extensions("plan"))
['.csv', '.geojson', '.gpkg', '.xlsx']
>>> FORMATS["profiles", ".xlsx"].media_type
'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
>>> sorted({kind for kind, _ in FORMATS})
['access', 'ensemble', 'hotspots', 'map', 'placement', 'plan', 'profiles', 'sites']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import DataError
from geo.writers import check_folder, write_table
from geo.ensemble.placement import render_placement
from geo.ensemble.io import write_runs
from geo.access.output import write_sites


@dataclass(frozen=True)
class Format:
    """One output format of one kind of value."""

    kind: str
    extension: str
    media_type: str
    description: str
    write: Callable[..., Path]


def _plan(plan, path: Path, **options: Any) -> Path:
    from geo.plan.io import write_plan  # lazy: nhp --help start-up: pyogrio, 16 modules, 0.15 s

    return write_plan(
        plan,
        path,
        layer=options.get("layer", "neighbourhoods"),
        columns=options.get("columns"),
        title=options.get("title"),
    )


def _profiles(profiles, path: Path, **options: Any) -> Path:
    return profiles.write(path)


def _map(folium_map, path: Path, **options: Any) -> Path:
    from geo.maps import save_map  # lazy: nhp --help start-up: folium and branca, which --help does not load

    return save_map(folium_map, path, **options)


def _hotspots(result, path: Path, **options: Any) -> Path:
    return result.to_geojson(path) if path.suffix.lower() == ".geojson" else result.to_csv(path)


def _sites(result, path: Path, **options: Any) -> Path:

    return write_sites(result, path)


def _access(table, path: Path, *, notes: dict | None = None, **options: Any) -> Path:
    """The access and need table (one row per neighbourhood) with where each figure comes from on its notes."""
    notes = notes or {}
    text = {
        note["label"]: f"{note['source']}; {note['method']} ({note['kind']})"
        for note in notes.get("access", {}).values()
    }
    text.update({"Need index": str(notes.get("need_index", "")), "Weights": str(notes.get("weights", ""))})
    return write_table(table.reset_index(), path, title="Access and need per neighbourhood", notes=text)


def _runs(ensemble, path: Path, **options: Any) -> Path:

    return write_runs(ensemble, path)


def _placement(placement, path: Path, *, runs=None, metadata=None, **options: Any) -> Path:

    return render_placement(placement, runs, metadata or {}, path)


CSV = "text/csv; charset=utf-8"
GEOJSON = "application/geo+json"
GPKG = "application/geopackage+sqlite3"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HTML = "text/html; charset=utf-8"
PDF = "application/pdf"
PNG = "image/png"
PARQUET = "application/vnd.apache.parquet"

FORMATS: dict[tuple[str, str], Format] = {
    (f.kind, f.extension): f
    for f in [
        Format("plan", ".csv", CSV, "lookup lsoa_code,neighbourhood", _plan),
        Format("plan", ".geojson", GEOJSON, "footprints with their metrics (EPSG:4326)", _plan),
        Format("plan", ".gpkg", GPKG, "footprints with their metrics and field descriptions (EPSG:27700)", _plan),
        Format("plan", ".xlsx", XLSX, "neighbourhoods and their metrics, with a Notes sheet", _plan),
        Format("profiles", ".html", HTML, "neighbourhood profiles for HWB papers", _profiles),
        Format("profiles", ".pdf", PDF, "neighbourhood profiles for HWB papers (A4 PDF data pack)", _profiles),
        Format("profiles", ".csv", CSV, "neighbourhood profile figures", _profiles),
        Format("profiles", ".xlsx", XLSX, "neighbourhood profiles workbook", _profiles),
        Format("map", ".html", HTML, "interactive map", _map),
        Format("hotspots", ".csv", CSV, "UEC rates and hotspots by LSOA", _hotspots),
        Format("hotspots", ".geojson", GEOJSON, "UEC rates and hotspots by LSOA (EPSG:4326)", _hotspots),
        Format("sites", ".csv", CSV, "hub sites, one row per site", _sites),
        Format("sites", ".xlsx", XLSX, "hub sites, one row per site, with a Notes sheet", _sites),
        Format("sites", ".geojson", GEOJSON, "hub sites' catchments (EPSG:4326)", _sites),
        Format("sites", ".gpkg", GPKG, "hub sites' catchments with field descriptions (EPSG:27700)", _sites),
        Format("access", ".csv", CSV, "access and need per neighbourhood", _access),
        Format("access", ".xlsx", XLSX, "access and need per neighbourhood, with a Notes sheet", _access),
        Format("ensemble", ".parquet", PARQUET, "ensemble runs, one row per step, with their metadata", _runs),
        Format("placement", ".html", HTML, "where a plan sits among the ensemble's plans", _placement),
        Format("placement", ".png", PNG, "where a plan sits among the ensemble's plans (image)", _placement),
    ]
}


#: What each kind is called in a message ("cannot write ensemble runs as '.csv'").
NOUNS = {
    "plan": "a plan",
    "profiles": "profiles",
    "map": "a map",
    "hotspots": "hotspots",
    "sites": "sites",
    "access": "an access table",
    "ensemble": "ensemble runs",
    "placement": "a placement",
}


def extensions(kind: str) -> list[str]:
    """Return the file extensions a kind of output can be written as."""
    return [ext for k, ext in FORMATS if k == kind]


def format_for(kind: str, path: str | Path) -> Format:
    """Return the format of ``kind`` that ``path``'s extension names, or raise a :class:`DataError` listing them.

    Examples
    --------
    >>> format_for("plan", "out/plan.GPKG").description
    'footprints with their metrics and field descriptions (EPSG:27700)'
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
            f"cannot write {NOUNS.get(kind, kind)} as {suffix!r}" if suffix else f"{path.name} has no extension",
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
    check_folder(path)
    return Path(fmt.write(value, path, **options))
