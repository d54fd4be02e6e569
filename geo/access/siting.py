"""Where to put neighbourhood health centres: ``K`` hub sites per neighbourhood, or for the whole area.

Demand is each LSOA's point, the access layer's own (:func:`geo.access.layer.demand_points`: its
postcode-weighted point where Code-Point Open covers its district whole, else its centroid), weighted by its
residents (``population``), or by residents × (1 + the LSOA's percentile of need score in the area, 0..1) (``need``: the most in need count
up to twice). Candidates are today's practice sites (default) or a user file (:mod:`geo.access.candidates`).
Sites minimise the weighted straight-line distance (p-median, solved exactly by :mod:`geo.access.pmedian`).

Per neighbourhood, a neighbourhood's candidates are those inside its LSOAs; one with fewer than ``K`` inside also
takes the nearest ones outside (and says so). Each LSOA's catchment is its nearest chosen site (within its own
neighbourhood when siting per neighbourhood). Per site: people (residents), mean and 90th-percentile distance
(resident-weighted), people beyond the threshold, the catchment's need index (:mod:`geo.access.need`), and an
``opening_order``: highest need index first; ``km_method``: which points its distances are from, for how many of
its LSOAs, worded as the access layer words it (:func:`geo.access.layer.points_label`). Counts pass through
:mod:`geo.disclosure`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import disclosure
from geo.access.layer import PRACTICE_KM, demand_points, points_label, practice_sites, weighted_median
from geo.access import points as postcode_points
from geo.access.need import need_layer
from geo.access.pmedian import p_median
from geo.errors import DataError

#: Bounds that keep every request finite.
MAX_PER_NEIGHBOURHOOD = 20
MAX_TOTAL = 500
MAX_WHOLE_AREA_LSOAS = 5_000
#: Candidates a per-neighbourhood problem may draw from outside when it has too few inside.
OUTSIDE_FILL = 5
WEIGHTS = ("population", "need")
#: What ``nhp sites`` does unless told otherwise (and so the data pack's hubs): one site per neighbourhood, people
#: weighted by residents.
DEFAULT_PER_NEIGHBOURHOOD = 1
DEFAULT_WEIGHT = "population"


@dataclass
class Sites:
    """The answer of :func:`choose_sites`.

    Attributes
    ----------
    sites
        One row per chosen site and catchment (index ``site_code``; per neighbourhood two neighbourhoods may
        share a site outside both): ``catchment, neighbourhood, site_name, people, mean_km, p90_km,
        beyond_threshold, beyond_threshold_pct, km_method, lsoas, need_index, opening_order, x, y``.
    catchment
        Per LSOA: ``site_code``, ``km`` (distance to it) and ``catchment`` (the key of its site's row).
    problems
        Per solved problem: neighbourhood (or ``(whole area)``), LSOAs, candidates, k, method, seconds, gap.
    notes
        Method, weights, threshold and candidate source, for every output; ``points``: the demand points' label
        (``label``) and counts (``point_lsoas``, ``postcode_point_lsoas``).
    points
        Each LSOA's demand point (``x, y, point_method, postcode_units``), as :func:`geo.access.layer.demand_points`.
    """

    sites: pd.DataFrame
    catchment: pd.DataFrame
    problems: pd.DataFrame
    notes: dict = field(default_factory=dict)
    atlas: object = None
    points: pd.DataFrame | None = None

    @property
    def max_gap(self) -> float:
        """The largest proven optimality gap of any problem (0 when every one is a proven optimum)."""
        return float(self.problems.gap.max()) if len(self.problems) else 0.0


def _candidate_lsoas(atlas, candidates: pd.DataFrame) -> pd.Series:
    """The LSOA each candidate stands in (missing outside the area)."""
    points = gpd.GeoDataFrame(
        index=candidates.index, geometry=gpd.points_from_xy(candidates.x, candidates.y), crs="EPSG:27700"
    )
    joined = gpd.sjoin(points, atlas.lsoas[["geometry"]], how="left", predicate="intersects")
    joined = joined[~joined.index.duplicated(keep="first")]
    column = "lsoa_code" if "lsoa_code" in joined.columns else "index_right"
    return joined[column].reindex(candidates.index)


def demand_weights(atlas, weight: str, need: pd.DataFrame | None) -> np.ndarray:
    """Residents, or residents × (1 + percentile of need score) for ``weight="need"``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1)
    >>> demand_weights(atlas, "need", pd.DataFrame({"need_score": [0.5, -0.5]}, index=atlas.codes)).tolist()
    [3000.0, 2250.0]
    """
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    if weight == "population":
        return people
    if weight != "need":
        raise DataError(f"unknown weight {weight!r}", column="weight", expected="need or population")
    score = need.need_score.reindex(atlas.lsoas.index)
    percentile = score.rank(pct=True).fillna(0.5).to_numpy()
    return people * (1.0 + percentile)


def choose_sites(
    plan,
    *,
    candidates: pd.DataFrame | None = None,
    per_neighbourhood: int | None = None,
    total: int | None = None,
    weight: str = "population",
    threshold_km: float = PRACTICE_KM,
    data_dir=None,
    need: pd.DataFrame | None = None,
    method: str = "auto",
    time_limit: float = 120.0,
    points: pd.DataFrame | None = None,
) -> Sites:
    """Choose hub sites for ``plan``: ``per_neighbourhood`` in each neighbourhood, or ``total`` for the whole area.

    Parameters
    ----------
    plan
        The plan whose neighbourhoods get hubs.
    candidates
        ``site_name, x, y`` (EPSG:27700), index ``site_code`` (:func:`geo.access.candidates.read_candidates`);
        default: today's practice sites.
    per_neighbourhood, total
        Exactly one: sites per neighbourhood (1..20), or sites for the whole area (1..500).
    weight
        ``population`` or ``need`` (see the module docstring).
    threshold_km
        Distance beyond which people are counted in ``beyond_threshold``.
    data_dir
        Folder of official files for the need layer (default ``NHP_DATA_DIR``).
    need
        A need layer (:func:`geo.access.need.need_layer`) instead of reading one.
    method, time_limit
        Passed to :func:`geo.access.pmedian.p_median`.
    points
        Each LSOA's demand point (``x, y, point_method``; an access layer will do, so siting measures from its
        very points); default :func:`geo.access.layer.demand_points` of ``data_dir``.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(6, 1, practice_every=1)
    >>> plan = Plan(atlas, {c: "W" if int(c[1:]) < 3 else "E" for c in atlas.codes})
    >>> need = pd.DataFrame({"need_score": 0.0}, index=atlas.codes)
    >>> result = choose_sites(plan, per_neighbourhood=1, need=need, data_dir="/nonexistent")
    >>> result.sites[["neighbourhood", "people", "mean_km"]].round(3).to_dict("index")
    {'Z00004': {'neighbourhood': 'E', 'people': 4500.0, 'mean_km': 0.667}, 'Z00001': {'neighbourhood': 'W', 'people': 4500.0, 'mean_km': 0.667}}
    >>> result.sites.km_method.iloc[0]
    'straight line from LSOA centroids (not population-weighted) for all 3 LSOAs'
    """
    if (per_neighbourhood is None) == (total is None):
        raise DataError(
            "give either sites per neighbourhood or a total for the whole area",
            column="per_neighbourhood",
            expected="one of per_neighbourhood or total",
        )
    if per_neighbourhood is not None and not 1 <= int(per_neighbourhood) <= MAX_PER_NEIGHBOURHOOD:
        raise DataError(
            f"{per_neighbourhood} sites per neighbourhood",
            column="per_neighbourhood",
            expected=f"1 to {MAX_PER_NEIGHBOURHOOD}",
        )
    if total is not None and not 1 <= int(total) <= MAX_TOTAL:
        raise DataError(f"{total} sites for the whole area", column="total", expected=f"1 to {MAX_TOTAL}")
    if not (np.isfinite(threshold_km) and 0 < threshold_km <= 100):
        raise DataError(
            f"threshold {threshold_km} km", column="threshold_km", expected="more than 0 and at most 100 km"
        )
    atlas = plan.atlas
    source = "user file" if candidates is not None else "today's GP practice sites"
    candidates = (
        practice_sites(atlas).rename(columns={"practice_name": "site_name"}) if candidates is None else candidates
    )
    candidates = candidates.sort_index()
    if candidates.empty:
        raise DataError("no candidate sites", expected="at least one candidate site")
    need = need_layer(atlas, data_dir) if need is None else need
    points = _demand(atlas, points, data_dir)
    xy = points[["x", "y"]].to_numpy(dtype=float)
    cxy = candidates[["x", "y"]].to_numpy()
    weights = demand_weights(atlas, weight, need)
    assignment = plan.assignment.reindex(atlas.lsoas.index).to_numpy()
    site_of = np.full(len(xy), -1)
    problems = []
    if total is not None:
        if len(xy) > MAX_WHOLE_AREA_LSOAS:
            raise DataError(
                f"{len(xy):,} LSOAs is over the limit of {MAX_WHOLE_AREA_LSOAS:,} for whole-area siting",
                column="total",
                expected="siting per neighbourhood for a large area",
            )
        groups = [("(whole area)", np.arange(len(xy)), np.arange(len(cxy)), int(total), "")]
    else:
        groups = _per_neighbourhood_groups(plan, atlas, candidates, xy, cxy, assignment, int(per_neighbourhood))
    for name, rows, cands, k, note in groups:
        cost = _km(xy[rows], cxy[cands])
        solution = p_median(cost, weights[rows], k, method=method, time_limit=time_limit)
        chosen = cands[list(solution.chosen)]
        site_of[rows] = chosen[np.argmin(_km(xy[rows], cxy[chosen]), axis=1)]
        problems.append(
            {
                "neighbourhood": name,
                "lsoas": len(rows),
                "candidates": len(cands),
                "k": k,
                **solution.as_dict(),
                "note": note,
            }
        )
    km = np.hypot(*(xy - cxy[site_of]).T) / 1000.0
    catchment = pd.DataFrame({"site_code": candidates.index.to_numpy()[site_of], "km": km}, index=atlas.lsoas.index)
    # A catchment is a site's LSOAs (per neighbourhood: in that neighbourhood, as neighbourhoods may share a site).
    catchment["catchment"] = (
        catchment.site_code
        if total is not None
        else pd.Series(assignment, index=catchment.index).astype(str) + " | " + catchment.site_code
    )
    sites = _site_table(atlas, plan, candidates, catchment, need, threshold_km, per_neighbourhood is not None, points)
    label = points_label(points)
    notes = {
        "weight": weight,
        "threshold_km": threshold_km,
        "candidates": source,
        "method": (
            f"p-median on {label}, weighted by "
            + ("residents" if weight == "population" else "residents × (1 + percentile of need score)")
            + "; solved exactly (enumeration or HiGHS MILP)"
        ),
        "opening_order": "catchment need index, highest first",
        "points": {
            "label": label,
            "point_lsoas": len(points),
            "postcode_point_lsoas": int((points.point_method == postcode_points.POSTCODE).sum()),
        },
    }
    return Sites(sites, catchment, pd.DataFrame(problems), notes, atlas, points)


def _demand(atlas, points: pd.DataFrame | None, data_dir) -> pd.DataFrame:
    """The demand points of ``atlas``: ``points`` checked and put in the atlas's order, else the access layer's."""
    if points is None:
        return demand_points(atlas, data_dir)
    for column in ("x", "y", "point_method"):
        if column not in points.columns:
            raise DataError(f"the demand points have no {column} column", column=column, expected="x, y, point_method")
    attrs = dict(points.attrs)
    ordered = points.reindex(atlas.lsoas.index)
    xy = ordered[["x", "y"]].to_numpy(dtype=float)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise DataError(
            f"no demand point for LSOA {atlas.lsoas.index[int(np.argmax(bad))]}",
            row=int(np.argmax(bad)) + 1,
            column="x" if not np.isfinite(xy[int(np.argmax(bad)), 0]) else "y",
            expected="a finite point (metres, EPSG:27700) for every LSOA of the atlas",
        )
    ordered = ordered[[c for c in ("x", "y", "point_method", "postcode_units") if c in ordered.columns]].copy()
    ordered.attrs = {k: v for k, v in attrs.items() if k in ("source", "notes")}
    return ordered


def _km(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]) / 1000.0


def _per_neighbourhood_groups(plan, atlas, candidates, xy, cxy, assignment, k):
    inside = pd.Series(_candidate_lsoas(atlas, candidates).to_numpy(), index=candidates.index)
    home = plan.assignment.reindex(inside.dropna().to_numpy())
    cand_nbhd = pd.Series(home.to_numpy(), index=inside.dropna().index).reindex(candidates.index).to_numpy()
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    for name in plan.neighbourhoods:
        rows = np.flatnonzero(assignment == name)
        cands = np.flatnonzero(cand_nbhd == name)
        note = ""
        if len(cands) < k:
            w = people[rows] if people[rows].sum() > 0 else np.ones(len(rows))
            centre = np.average(xy[rows], axis=0, weights=w)
            order = np.argsort(np.hypot(*(cxy - centre).T), kind="stable")
            extra = [j for j in order if j not in set(cands)][: max(k - len(cands), min(OUTSIDE_FILL, len(order)))]
            note = f"{len(cands)} candidate(s) inside; nearest {len(extra)} outside added"
            cands = np.sort(np.concatenate([cands, extra]).astype(int))
        yield name, rows, cands, min(k, len(cands)), note


def _site_table(atlas, plan, candidates, catchment, need, threshold_km, per_neighbourhood, points) -> pd.DataFrame:
    people = atlas.lsoas.resident_population.astype(float)
    key = catchment.catchment
    residents = disclosure.publish_totals(people, key)
    beyond = disclosure.publish_totals(people.where(catchment.km > threshold_km, 0.0), key)
    where = _candidate_lsoas(atlas, candidates)
    rows = {}
    for catchment_key, idx in key.groupby(key, sort=True).groups.items():
        m = atlas.lsoas.index.get_indexer(idx)
        code = catchment.site_code.iloc[m[0]]
        w, d = people.to_numpy()[m], catchment.km.to_numpy()[m]
        score = need.need_score.reindex(idx).to_numpy(dtype=float) if "need_score" in need else np.full(len(m), np.nan)
        known = np.isfinite(score) & (w > 0)
        if per_neighbourhood:
            neighbourhood = plan.assignment.iloc[m[0]]
        else:
            lsoa = where.get(code)
            neighbourhood = (
                plan.assignment.get(lsoa, "(outside the area)") if isinstance(lsoa, str) else "(outside the area)"
            )
        part = float(w[d > threshold_km].sum())
        rows[catchment_key] = {
            "site_code": code,
            "neighbourhood": neighbourhood,
            "site_name": candidates.at[code, "site_name"],
            "people": residents.total.get(catchment_key),
            "mean_km": float(np.average(d, weights=w)) if w.sum() > 0 else float("nan"),
            "p90_km": weighted_median(d, w, 0.9),
            "beyond_threshold": beyond.total.get(catchment_key),
            "beyond_threshold_pct": disclosure.publish_share(part, float(w.sum())),
            "km_method": points_label(points, m),
            "lsoas": len(m),
            "need_index": float(np.average(score[known], weights=w[known])) if known.any() else float("nan"),
            "x": candidates.at[code, "x"],
            "y": candidates.at[code, "y"],
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("catchment")
    order = (
        table.assign(_p=-table.people.fillna(0))
        .sort_values(["need_index", "_p"], ascending=[False, True], na_position="last", kind="stable")
        .index
    )
    table["opening_order"] = pd.Series(np.arange(1, len(order) + 1), index=order).reindex(table.index)
    if per_neighbourhood:
        table = table.sort_values(
            ["neighbourhood", "opening_order"],
            kind="stable",
            key=lambda s: s.map({n: i for i, n in enumerate(plan.neighbourhoods)}) if s.name == "neighbourhood" else s,
        )
    else:
        table = table.sort_values("opening_order", kind="stable")
    return table.reset_index().set_index("site_code")


def sites_layer(result: Sites) -> gpd.GeoDataFrame:
    """The chosen sites as points (EPSG:27700) with display columns, for the map and the packs.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, practice_every=1)
    >>> result = choose_sites(Plan(atlas, {c: "A" for c in atlas.codes}), total=2,
    ...                       need=pd.DataFrame({"need_score": 0.0}, index=atlas.codes))
    >>> sites_layer(result)[["site_name", "people"]].to_dict("list")
    {'site_name': ['Grid Surgery 0', 'Grid Surgery 2'], 'people': [3000.0, 3000.0]}
    """
    sites = result.sites
    return gpd.GeoDataFrame(
        sites.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(sites.x, sites.y), crs="EPSG:27700"
    )


def catchments_layer(result: Sites) -> gpd.GeoDataFrame:
    """Each chosen site's catchment: its LSOAs dissolved into one (multi)polygon, with the site's columns."""
    lsoas = result.atlas.lsoas[["geometry"]].join(result.catchment[["catchment"]])
    shapes = lsoas.dissolve(by="catchment").geometry
    sites = result.sites.drop(columns=["x", "y"])
    return gpd.GeoDataFrame(sites, geometry=shapes.reindex(sites.catchment).to_numpy(), crs="EPSG:27700")
