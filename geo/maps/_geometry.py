"""Display geometry: simplify LSOAs as one coverage in metres, dissolve footprints, hand Leaflet short WGS84.

The order matters. Simplifying in British National Grid lets the tolerance be metres; simplifying the LSOAs
together as a *coverage* (``shapely.coverage_simplify``) moves each shared edge once, so neighbours stay
gap-free and dissolved outlines (neighbourhoods, local authorities) have no slivers. Only then do we reproject
to EPSG:4326 for Leaflet and snap to 5 decimals (about a metre), which is where most of the HTML size goes.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# Metres: below what a planner sees at street zoom. The ONS generalised (BSC) LSOA boundaries the atlas reads
# are already simplified, so on LLR (634 LSOAs, 7,355 vertices) the plan map is 0.86 MB at any tolerance up to
# 50 m (bench/maps.py); the tolerance earns its keep on full-resolution boundaries.
DEFAULT_TOLERANCE_M = 20.0
DECIMALS = 5


def simplify_for_display(lsoas: gpd.GeoDataFrame, tolerance_m: float = DEFAULT_TOLERANCE_M) -> gpd.GeoDataFrame:
    """Return the polygons simplified for display, one valid feature per input row, in EPSG:27700.

    The polygons are simplified together with :func:`shapely.coverage_simplify` when they form a valid
    coverage (no overlaps), so shared boundaries stay shared. Otherwise each polygon is simplified on its own
    with topology preserved. Any polygon that would come out invalid or empty keeps its original shape.

    Parameters
    ----------
    lsoas
        Polygons in any projected or geographic CRS (reprojected to EPSG:27700 first).
    tolerance_m
        Simplification tolerance in metres; ``0`` keeps the geometry as it is.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> out = simplify_for_display(grid_atlas(3, 3).lsoas, 50)
    >>> len(out), bool(out.geometry.is_valid.all()), out.crs.to_epsg()
    (9, True, 27700)
    """
    frame = lsoas.to_crs(27700) if lsoas.crs is not None and lsoas.crs.to_epsg() != 27700 else lsoas
    original = np.asarray(frame.geometry.array, dtype=object)
    geoms = original
    if tolerance_m > 0 and len(geoms):
        geoms = _simplify(original, tolerance_m)
        bad = ~shapely.is_valid(geoms) | shapely.is_empty(geoms)
        geoms = np.where(bad, original, geoms)
    return gpd.GeoDataFrame(frame.drop(columns=frame.geometry.name), geometry=list(geoms), crs=27700, index=frame.index)


def _simplify(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Coverage simplification when the input is a coverage, else per-polygon topology-preserving."""
    try:
        if bool(shapely.coverage_is_valid(geoms)):
            return np.asarray(shapely.coverage_simplify(geoms, tolerance_m), dtype=object)
    except shapely.errors.GEOSException:
        pass  # an invalid input polygon: fall through to the per-polygon path
    return np.asarray(shapely.simplify(geoms, tolerance_m, preserve_topology=True), dtype=object)


def dissolve(simplified: gpd.GeoDataFrame, by: pd.Series) -> gpd.GeoDataFrame:
    """Dissolve simplified polygons by the labels in ``by`` (aligned on the index); unlabelled rows drop out.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> lsoas = grid_atlas(4, 2, lad_width=2).lsoas
    >>> dissolve(lsoas, lsoas.lad_code).geometry.area.tolist()
    [4000000.0, 4000000.0]
    """
    labels = by.reindex(simplified.index)
    frame = gpd.GeoDataFrame({"key": labels.to_numpy()}, geometry=simplified.geometry.to_numpy(), crs=simplified.crs)
    frame = frame[labels.notna().to_numpy()]
    out = frame.dissolve(by="key")
    out.index.name = by.name or "key"
    return out


def to_leaflet(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 and snap coordinates to 5 decimals (about 1 m), keeping geometry valid.

    ``shapely.set_precision`` snaps onto the grid and repairs any self-touching the snapping causes; the final
    ``round`` only makes each coordinate print as its short decimal form in the HTML.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> out = to_leaflet(grid_atlas(2, 1).lsoas)
    >>> out.crs.to_epsg(), shapely.get_coordinates(out.geometry.iloc[0])[0].tolist()
    (4326, [-1.26329, 52.5955])
    """
    out = frame.to_crs(4326)
    geoms = shapely.set_precision(np.asarray(out.geometry.array, dtype=object), 10.0**-DECIMALS)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
    return out.set_geometry(list(geoms), crs=4326)


def label_points(polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Points guaranteed inside each polygon (``representative_point``), for labels, in EPSG:4326."""
    points = polygons.geometry.representative_point()
    return to_leaflet(
        gpd.GeoDataFrame(polygons.drop(columns=polygons.geometry.name), geometry=points, crs=polygons.crs)
    )


def bounds_latlon(frame: gpd.GeoDataFrame) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of a frame, for ``Map.fit_bounds``."""
    west, south, east, north = frame.to_crs(4326).total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]
