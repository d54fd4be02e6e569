"""Writing chosen hub sites: one row per site (CSV, or a workbook with notes), or their catchments (LSOAs
dissolved) as GeoJSON or GeoPackage, through the one table writer (:func:`geo.writers.write_table`: formula-safe
text, whole counts, described fields); counts have already passed through :mod:`geo.disclosure` in
:func:`geo.access.siting.choose_sites`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from geo.access.siting import Sites, catchments_layer
from geo.errors import DataError
from geo.writers import write_table
import geopandas as gpd

COLUMNS = [
    "neighbourhood",
    "site_code",
    "site_name",
    "people",
    "mean_km",
    "p90_km",
    "beyond_threshold",
    "beyond_threshold_pct",
    "km_method",
    "lsoas",
    "need_index",
    "opening_order",
    "easting",
    "northing",
    "latitude",
    "longitude",
]
EXTENSIONS = (".csv", ".geojson", ".gpkg", ".xlsx")


def sites_frame(result: Sites) -> pd.DataFrame:
    """One row per chosen site with the columns of :data:`COLUMNS` (distances in km to 3 places).

    Examples
    --------
    >>> from geo.access.siting import choose_sites
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(3, 1, practice_every=1)
    >>> result = choose_sites(Plan(atlas, {c: "A" for c in atlas.codes}), per_neighbourhood=1,
    ...                       need=pd.DataFrame({"need_score": 0.0}, index=atlas.codes), data_dir="/nonexistent")
    >>> sites_frame(result)[["neighbourhood", "site_code", "people", "mean_km", "beyond_threshold"]].to_dict("records")
    [{'neighbourhood': 'A', 'site_code': 'Z00001', 'people': 4500.0, 'mean_km': 0.667, 'beyond_threshold': 0.0}]
    >>> sites_frame(result).km_method.tolist()
    ['straight line from LSOA centroids (not population-weighted) for all 3 LSOAs']
    """
    sites = result.sites.reset_index()
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(
        sites.x.to_numpy(), sites.y.to_numpy()
    )
    out = sites.assign(
        easting=sites.x.round(0), northing=sites.y.round(0), latitude=np.round(lat, 6), longitude=np.round(lon, 6)
    )
    for column in ("mean_km", "p90_km", "need_index"):
        out[column] = out[column].astype(float).round(3)
    return out[COLUMNS]


def write_sites(result: Sites, path: str | Path) -> Path:
    """Write ``result`` as ``.csv`` or ``.xlsx`` (one row per site) or ``.geojson``/``.gpkg`` (catchments)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        raise DataError(
            f"cannot write sites as {suffix or 'a file without extension'}",
            file=str(path),
            expected="--out sites" + ", sites".join(EXTENSIONS[:-1]) + " or sites" + EXTENSIONS[-1],
        )
    table = sites_frame(result)
    notes = {
        "Method": str(result.notes.get("method", "")),
        "Distances": str(result.notes.get("points", {}).get("label", "")),
        "Candidates": str(result.notes.get("candidates", "")),
    }
    if suffix in (".csv", ".xlsx"):
        return write_table(table, path, title="Hub sites", notes=notes)

    shapes = catchments_layer(result).geometry.to_numpy()
    frame = gpd.GeoDataFrame(table, geometry=shapes, crs="EPSG:27700")
    return write_table(frame, path, title="Hub sites", notes=notes)
