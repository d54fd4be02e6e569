"""UEC load per neighbourhood of a plan: attendances, rate per 1,000 and ratio to the study area, with exact CIs.

This is the table plan metrics, profiles and exports read. Each neighbourhood's attendances are a margin of the
per-LSOA table, so they are published by :func:`geo.disclosure.publish_totals` (exact unless an LSOA of the
neighbourhood is suppressed; then each suppressed LSOA counts as 4 and the total is rounded to 10) and every
figure is computed from the published total. The same neighbourhood total therefore comes out whatever the
suppressed counts are, in this table and in any other answer.
"""

from __future__ import annotations

import pandas as pd

from geo.disclosure import publish_totals
from geo.hotspots.funnel import dispersion, funnel_flags
from geo.hotspots.result import round_table, total_figures
from geo.plan.report import published_populations

NEIGHBOURHOOD_COLUMNS = [
    "attendances",
    "rounded_to",
    "suppressed_lsoas",
    "population",
    "expected",
    "lsoas",
    "hotspot_lsoas",
    "coldspot_lsoas",
    "rate_per_1000",
    "rate_lci",
    "rate_uci",
    "ratio",
    "ratio_lci",
    "ratio_uci",
    "funnel",
]


def by_neighbourhood(result, assignment, suppressed: bool = True, threshold: int | None = None) -> pd.DataFrame:
    """Return UEC figures per neighbourhood of a plan (columns :data:`NEIGHBOURHOOD_COLUMNS`).

    Parameters
    ----------
    result
        A :class:`~geo.hotspots.HotspotResult`.
    assignment
        A ``geo.plan.Plan`` or a Series ``lsoa_code -> neighbourhood``. For a plan, ``population`` (the rate's
        denominator: attendances are counted by where people live) is the plan's own residents of each footprint,
        the figure its metrics show (:func:`plan_residents`), not a second sum of the UEC layer's populations.
    suppressed
        Publish through disclosure control (the default); False gives true totals for use inside ``geo/``.
    threshold
        Largest count suppressed (default: the one the result was made with).

    The ratio is observed / expected at the study area's rates (so a ratio of 1.2 is 20 % above the area), with
    the exact Poisson interval of the total; ``funnel`` is the neighbourhood's place on a funnel plot of the
    neighbourhoods (observed layers only, with their own overdispersion estimate).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.hotspots import find_hotspots
    >>> from geo.uec import modelled_uec
    >>> atlas = grid_atlas(4, 4)
    >>> ae = pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)], "org_code": "E54009999",
    ...                    "total_attendances": 800.0})
    >>> result = find_hotspots(atlas, modelled_uec(atlas, ae))
    >>> plan = pd.Series(["A"] * 8 + ["B"] * 8, index=atlas.lsoas.index)
    >>> table = by_neighbourhood(result, plan)
    >>> list(table.index), int(table.attendances.sum()), table.funnel.tolist()
    (['A', 'B'], 9600, ['', ''])
    """
    t = result.threshold if threshold is None else threshold
    series = assignment.assignment if hasattr(assignment, "assignment") else assignment
    series = pd.Series(series).reindex(result.frame.index)
    frame = result.frame.assign(neighbourhood=series.to_numpy()).dropna(subset=["neighbourhood"])
    keys = frame["neighbourhood"]
    grouped = frame.groupby(keys, sort=True)
    table = grouped.agg(population=("population", "sum"), expected=("expected", "sum"), lsoas=("attendances", "size"))
    if hasattr(assignment, "neighbourhood_table"):
        table["population"] = plan_residents(assignment, suppressed).reindex(table.index)
    table["hotspot_lsoas"] = grouped["hotspot"].apply(lambda h: int((h == "high").sum()))
    table["coldspot_lsoas"] = grouped["hotspot"].apply(lambda h: int((h == "low").sum()))
    if suppressed:
        totals = publish_totals(frame["attendances"], keys, t).reindex(table.index)
        table["attendances"] = totals["total"]
        table["rounded_to"] = totals["rounded_to"].astype(int)
        table["suppressed_lsoas"] = totals["suppressed_parts"].astype(int)
    else:
        table["attendances"] = grouped["attendances"].sum()
        table["rounded_to"] = 1
        table["suppressed_lsoas"] = 0
    table = table.join(
        total_figures(table["attendances"], table["population"], table["expected"], result.modelled).drop(
            columns="excess"
        )
    )
    if result.modelled:
        table["funnel"] = ""
    else:
        shown = table["attendances"].notna()
        disp = dispersion(table.loc[shown, "attendances"], table.loc[shown, "expected"])
        table["funnel"] = funnel_flags(table["attendances"], table["expected"], disp).where(shown, None)
    table.index.name = "neighbourhood"
    table = table[NEIGHBOURHOOD_COLUMNS]
    return round_table(table) if suppressed else table


def plan_residents(plan, suppressed: bool = True) -> pd.Series:
    """The residents of each footprint of ``plan`` as its metrics give them: published by the plan's margin rule
    (:func:`geo.plan.report.published_populations`), or exact for use inside ``geo/``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> plan_residents(Plan(grid_atlas(2, 1), {"G0000": "A", "G0001": "B"})).to_dict()
    {'A': 1500.0, 'B': 1500.0}
    """
    if suppressed:
        values = published_populations(plan)["resident_population"]
    else:
        values = list(plan["resident_population"].values())
    return pd.Series(values, index=pd.Index(plan.neighbourhoods, name="neighbourhood"), dtype=float)
