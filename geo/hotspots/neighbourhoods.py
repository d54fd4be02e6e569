"""UEC load per neighbourhood of a plan, published: attendances, rate per 1,000 and ratio to the study area.

The exact sums are the plan's ``uec`` metric (:mod:`geo.metrics.uec`: computed once per plan and layer, with the
plan's own counted population); this module is where they leave the process. Each neighbourhood's attendances are
a margin of the per-LSOA table, so they are published by :func:`geo.disclosure.publish_totals` (exact unless an
LSOA of the neighbourhood is suppressed; then each suppressed LSOA counts as 4 and the total is rounded to 10),
its population by the plan's margin rule (:func:`geo.plan.report.published_populations`), and every rate and
ratio is computed from the published figures. The same neighbourhood total therefore comes out whatever the
suppressed counts are, in this table and in any other answer.
"""

from __future__ import annotations

import pandas as pd

from geo.disclosure import publish_totals
from geo.hotspots.funnel import dispersion, funnel_flags
from geo.hotspots.result import round_table, total_figures
from geo.metrics.uec import layer_sums
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


def by_neighbourhood(
    result, assignment, suppressed: bool = True, threshold: int | None = None, population: pd.Series | None = None
) -> pd.DataFrame:
    """Return UEC figures per neighbourhood of a plan (columns :data:`NEIGHBOURHOOD_COLUMNS`).

    Parameters
    ----------
    result
        A :class:`~geo.hotspots.HotspotResult`.
    assignment
        A ``geo.plan.Plan`` or a Series ``lsoa_code -> neighbourhood``. For a plan the sums are its ``uec``
        metric and ``population`` (the rate's denominator) is the plan's counted population on its basis, the
        figure ``/plans/{id}/metrics`` shows, not a second sum of the UEC layer's populations; for a Series (a
        local authority, the study area) the sum of ``population``.
    suppressed
        Publish through disclosure control (the default); False gives true totals for use inside ``geo/``.
    threshold
        Largest count suppressed (default: the one the result was made with).
    population
        For a Series: the population of each LSOA the rates are per (a plan's comparators pass the plan's basis
        column, so their rates and the plan's are of the same people); default: the layer's residents.

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
    is_plan = hasattr(assignment, "neighbourhood_table")
    series = pd.Series(assignment.assignment if is_plan else assignment).reindex(result.frame.index)
    if is_plan:
        table = assignment.metric("uec", result).copy()
    else:
        frame = result.frame if population is None else result.frame.assign(population=population)
        table = layer_sums(frame, series)
    if is_plan and suppressed:
        published = published_populations(assignment)["population"]
        table["population"] = pd.Series(published, index=assignment.neighbourhoods).reindex(table.index)
    if suppressed:
        keyed = series.dropna()
        totals = publish_totals(result.frame["attendances"].reindex(keyed.index), keyed, t).reindex(table.index)
        table["attendances"] = totals["total"]
        table["rounded_to"] = totals["rounded_to"].astype(int)
        table["suppressed_lsoas"] = totals["suppressed_parts"].astype(int)
    else:
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
