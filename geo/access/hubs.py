"""How near each neighbourhood's people are to one common hub, and what an access weight did to a proposal.

A neighbourhood's **hub** is its best practice site: the one practice site (of those inside its footprint, or the
nearest outside when none is) that minimises its residents' straight-line distance (a 1-median, solved exactly by
:func:`geo.access.siting.choose_sites`); the proposal's access weight moves boundaries towards it
(:mod:`geo.propose.hub_moves`). Distances are from each LSOA's point, the access layer's own
(:func:`geo.access.layer.demand_points`: postcode-weighted where Code-Point Open covers its district whole, else its
centroid), weighted by residents, and say which points and for how many LSOAs (:func:`hub_method`). The
**centre** distance (to the footprint's resident-weighted mean point) is shown beside it: how near the people are
to one another, whatever the sites.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.access.layer import demand_points, points_label
from geo.access.siting import choose_sites

#: How the hub distance is measured, for every output that shows it (``{points}``: :func:`hub_method`).
HUB_METHOD = (
    "residents' distance (km), {points}, to the neighbourhood's best practice site (1-median over the practice "
    "sites inside it, exact), resident-weighted mean"
)
CENTRE_METHOD = "residents' straight-line distance (km) to the footprint's population-weighted centre, mean"


def hub_method(points: pd.DataFrame) -> str:
    """How the hub distance from ``points`` (:func:`geo.access.layer.demand_points`) is measured.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> hub_method(demand_points(grid_atlas(2, 1), "/nonexistent")).split(", to ")[0]
    "residents' distance (km), straight line from LSOA centroids (not population-weighted) for all 2 LSOAs"
    """
    return HUB_METHOD.format(points=points_label(points))


def hub_distances(plan, *, candidates: pd.DataFrame | None = None, points: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return per neighbourhood ``residents, hub_site, hub_name, hub_km, centre_km`` (resident-weighted means).

    Parameters
    ----------
    plan
        The plan whose footprints are measured.
    candidates
        Hub sites to choose from (``site_name, x, y``, index ``site_code``); default today's practice sites.
    points
        Each LSOA's point (:func:`geo.access.layer.demand_points`, its default); ``attrs["points"]`` of the
        answer keeps them.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(6, 1, practice_every=1)
    >>> plan = Plan(atlas, {c: "W" if int(c[1:]) < 3 else "E" for c in atlas.codes})
    >>> hub_distances(plan, points=demand_points(atlas, "/nonexistent"))[["hub_site", "hub_km", "centre_km"]].round(3).to_dict("index")
    {'E': {'hub_site': 'Z00004', 'hub_km': 0.667, 'centre_km': 0.667}, 'W': {'hub_site': 'Z00001', 'hub_km': 0.667, 'centre_km': 0.667}}
    """

    atlas = plan.atlas
    need = pd.DataFrame({"need_score": np.nan}, index=atlas.lsoas.index)  # population weights: need is not read
    points = demand_points(atlas) if points is None else points
    result = choose_sites(
        plan, candidates=candidates, per_neighbourhood=1, weight="population", need=need, points=points
    )
    points = result.points
    xy = points[["x", "y"]].to_numpy()
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    key = plan.assignment.reindex(atlas.lsoas.index).to_numpy()
    hub = result.catchment
    rows = {}
    for name in plan.neighbourhoods:
        m = key == name
        w = people[m]
        if w.sum() <= 0:
            w = np.ones(int(m.sum()))
        centre = np.average(xy[m], axis=0, weights=w)
        to_centre = np.hypot(*(xy[m] - centre).T) / 1000.0
        site = hub.site_code.to_numpy()[m]
        rows[name] = {
            "residents": float(people[m].sum()),
            "hub_site": site[0],
            "hub_name": result.sites.loc[site[0], "site_name"] if site[0] in result.sites.index else None,
            "hub_km": float(np.average(hub.km.to_numpy()[m], weights=w)),
            "centre_km": float(np.average(to_centre, weights=w)),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("neighbourhood")
    table.attrs["points"] = points
    return table


def hub_summary(plan, *, candidates: pd.DataFrame | None = None, points: pd.DataFrame | None = None) -> dict:
    """Balance and nearness to a hub of a whole plan: ``max_abs_deviation_pct, within_10_pct, hub_km,
    centre_km`` (both percentages 0 to 100, as in the plan's summary; the distances resident-weighted over every
    neighbourhood).

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.plan.params import PlanParams
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, practice_every=1)
    >>> plan = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"}, PlanParams(target=3000))
    >>> hub_summary(plan, points=demand_points(atlas, "/nonexistent"))
    {'max_abs_deviation_pct': 0.0, 'within_10_pct': 100.0, 'hub_km': 0.5, 'centre_km': 0.5}
    """
    table = hub_distances(plan, candidates=candidates, points=points)
    summary = plan.summary()
    w = table.residents.to_numpy(dtype=float)
    w = w if w.sum() > 0 else np.ones(len(w))
    return {
        "max_abs_deviation_pct": round(float(summary["max_abs_deviation_pct"]), 2),
        "within_10_pct": float(summary["within_10_pct"]),
        "hub_km": round(float(np.average(table.hub_km, weights=w)), 3),
        "centre_km": round(float(np.average(table.centre_km, weights=w)), 3),
    }


def access_effect(plan, baseline, *, weight: float, points: pd.DataFrame | None = None) -> dict:
    """What an access weight did: balance and distances of ``plan`` (made with ``weight``) and of ``baseline``
    (the same seed and parameters with weight 0), as recorded in the plan's provenance (``params["access"]``),
    both from the same demand points (``points``, default :func:`geo.access.layer.demand_points`).

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, practice_every=1)
    >>> a = Plan(atlas, {"G0000": "A", "G0001": "A", "G0002": "B", "G0003": "B"})
    >>> b = Plan(atlas, {"G0000": "A", "G0001": "B", "G0002": "B", "G0003": "A"})
    >>> effect = access_effect(a, b, weight=2.0, points=demand_points(atlas, "/nonexistent"))
    >>> effect["with"]["hub_km"], effect["without"]["hub_km"]  # B's hub: 0 and 1 km; A's split ends: 0 and 3 km
    (0.5, 1.0)
    """
    points = demand_points(plan.atlas) if points is None else points
    return {
        "weight": float(weight),
        "with": hub_summary(plan, points=points),
        "without": hub_summary(baseline, points=points),
        "hub_method": hub_method(points),
        "centre_method": CENTRE_METHOD,
        "optimised": "boundary moves towards each neighbourhood's best practice site, from the plan without it",
    }


def effect_lines(effect: dict) -> list[str]:
    """The summary lines of :func:`access_effect` for a person (the CLI's proposal summary).

    Examples
    --------
    >>> effect = {"weight": 2.0, "with": {"max_abs_deviation_pct": 4.0, "within_10_pct": 100.0, "hub_km": 1.2,
    ...           "centre_km": 1.4}, "without": {"max_abs_deviation_pct": 3.0, "within_10_pct": 90.0, "hub_km": 1.5,
    ...           "centre_km": 1.6}}
    >>> print("\\n".join(effect_lines(effect)))
    access weight 2: people's mean distance to their neighbourhood's best practice site 1.20 km (1.50 km without: -20 %)
      to the footprint's population-weighted centre 1.40 km (1.60 km without)
      balance: max |deviation| 4.0 % (3.0 % without); within ±10 %: 100 % (90 % without)
    >>> effect_lines({**effect, "hub_method": "residents' distance (km), straight line from ..."})[-1]
    "  measured: residents' distance (km), straight line from ..."
    """
    a, b = effect["with"], effect["without"]
    change = 100.0 * (a["hub_km"] / b["hub_km"] - 1) if b["hub_km"] else float("nan")
    return [
        f"access weight {effect['weight']:g}: people's mean distance to their neighbourhood's best practice site "
        f"{a['hub_km']:.2f} km ({b['hub_km']:.2f} km without: {change:+.0f} %)",
        f"  to the footprint's population-weighted centre {a['centre_km']:.2f} km ({b['centre_km']:.2f} km without)",
        f"  balance: max |deviation| {a['max_abs_deviation_pct']:.1f} % ({b['max_abs_deviation_pct']:.1f} % without); "
        f"within ±10 %: {a['within_10_pct']:.0f} % ({b['within_10_pct']:.0f} % without)",
    ] + ([f"  measured: {effect['hub_method']}"] if effect.get("hub_method") else [])
