"""UEC load per neighbourhood: a plan's exact sums of a UEC layer's per-LSOA figures (attendances, expected).

``plan.metric("uec", result)`` (a keyed metric of a :class:`geo.hotspots.HotspotResult`, cached by the object)
holds, per neighbourhood: ``attendances`` and ``expected`` (sums of the layer's LSOAs: attendances are counted
by where people live), ``lsoas``, ``hotspot_lsoas`` and ``coldspot_lsoas``, and ``population``, the plan's own
counted population (``plan["population"]``, the figure ``/plans/{id}/metrics`` shows, on the plan's basis), never
a second sum of the layer's populations. The values are exact: rates, intervals and funnels are derived and
published where they leave (:func:`geo.hotspots.by_neighbourhood`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from geo.metrics import metric

if TYPE_CHECKING:
    from geo.plan import Plan

SUM_COLUMNS = ["attendances", "expected", "population", "lsoas", "hotspot_lsoas", "coldspot_lsoas"]


def layer_sums(frame: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Sum a UEC layer's per-LSOA ``frame`` by ``keys`` (``lsoa_code -> area``; LSOAs without a key left out).

    ``population`` here is the layer's own (its LSOAs' residents): for areas that are not a plan's neighbourhoods
    (local authorities, the study area). Columns :data:`SUM_COLUMNS`, index sorted.

    Examples
    --------
    >>> frame = pd.DataFrame({"attendances": [5.0, 7.0, 9.0], "expected": [6.0, 6.0, 6.0], "population": [1e3] * 3,
    ...                       "hotspot": ["high", "", "low"]}, index=["a", "b", "c"])
    >>> layer_sums(frame, pd.Series({"a": "X", "b": "X", "c": "Y"})).to_dict("index")["X"]
    {'attendances': 12.0, 'expected': 12.0, 'population': 2000.0, 'lsoas': 2, 'hotspot_lsoas': 1, 'coldspot_lsoas': 0}
    """
    keyed = frame.assign(_key=pd.Series(keys).reindex(frame.index).to_numpy()).dropna(subset=["_key"])
    grouped = keyed.groupby("_key", sort=True)
    table = grouped.agg(
        attendances=("attendances", "sum"),
        expected=("expected", "sum"),
        population=("population", "sum"),
        lsoas=("attendances", "size"),
    )
    table["hotspot_lsoas"] = grouped["hotspot"].apply(lambda h: int((h == "high").sum()))
    table["coldspot_lsoas"] = grouped["hotspot"].apply(lambda h: int((h == "low").sum()))
    table.index.name = None
    return table[SUM_COLUMNS]


def _uec(plan: "Plan", result) -> pd.DataFrame:
    table = layer_sums(result.frame, plan.assignment).reindex(plan.neighbourhoods)
    table["population"] = pd.Series(plan["population"]).reindex(table.index)
    table.index.name = "neighbourhood"
    return table


metric(
    "uec",
    "UEC attendances, expected attendances, LSOAs, hot and cold spots of a UEC layer, and the plan's counted "
    "population, per neighbourhood (exact)",
    keyed=True,
)(_uec)
