"""Access and need per neighbourhood as one table and one document, with source, vintage and method of each
figure: what ``nhp access`` prints, ``GET /plans/{id}/access`` answers, and the map and packs can show.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from geo.access.layer import HOSPITAL_MINUTES, PRACTICE_KM, access_by_neighbourhood, access_layer
from geo.access.need import FORMULA, need_by_neighbourhood, need_layer

#: Readable headings of the table's columns (the JSON keeps the column names).
HEADINGS = {
    "residents": "residents",
    "practice_km_mean": "km to GP (mean)",
    "practice_km_median": "(median)",
    "beyond_practice_km_pct": f"% >{PRACTICE_KM:g} km",
    "hospital_minutes_mean": "min to hosp.*",
    "beyond_hospital_minutes_pct": f"% >{HOSPITAL_MINUTES:g} min*",
    "connectivity_score": "IoD connect.",
    "need_index": "need index",
    "health_proxy": "health proxy",
    "healthy_life_rank": "LHL rank",
}
#: What the short headings mean, printed under the table.
LEGEND = (
    "min to hosp.* = road minutes to the nearest hospital with a stroke unit (modelled); IoD connect. = "
    "IoD2025 connectivity score (higher = better connected); health proxy = years of potential life lost and "
    "comparative illness and disability ratio (a proxy, not healthy life expectancy); LHL rank = least "
    "healthy life first"
)


def access_and_need(
    plan, *, data_dir=None, access: pd.DataFrame | None = None, need: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict]:
    """Return the access and need table per neighbourhood (least healthy life first) and its notes.

    Examples
    --------
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1, practice_every=2)
    >>> ind = pd.DataFrame({"years_of_potential_life_lost": [50.0, 70.0]}, index=atlas.codes)
    >>> table, notes = access_and_need(Plan(atlas, {"G0000": "A", "G0001": "B"}), data_dir="/nonexistent",
    ...                                need=need_layer(atlas, indicators=ind))
    >>> table.index.tolist(), table.practice_km_mean.tolist(), notes["thresholds"]
    (['B', 'A'], [1.0, 0.0], {'practice_km': 2.0, 'hospital_minutes': 30.0})
    """
    access = access_layer(plan.atlas, data_dir) if access is None else access
    need = need_layer(plan.atlas, data_dir) if need is None else need
    needs = need_by_neighbourhood(plan, need)
    table = needs.join(access_by_neighbourhood(plan, access), how="left")
    first = [c for c in HEADINGS if c in table.columns]
    table = table[first + [c for c in table.columns if c not in first]]
    notes = {
        "access": access.attrs.get("notes", {}),
        "need": need.attrs.get("notes", {}),
        "thresholds": {"practice_km": PRACTICE_KM, "hospital_minutes": HOSPITAL_MINUTES},
        "need_index": FORMULA,
        "weights": "resident population (Census 2021 on LSOA 2021)",
    }
    return table, notes


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    if value is pd.NA:
        return None
    return value


def document(table: pd.DataFrame, notes: dict) -> dict:
    """The JSON document of :func:`access_and_need` (missing values as null, floats rounded to 3 places).

    Examples
    --------
    >>> document(pd.DataFrame({"x": [1.23456, float("nan")]}, index=pd.Index(["A", "B"], name="neighbourhood")), {})
    {'neighbourhoods': [{'neighbourhood': 'A', 'x': 1.235}, {'neighbourhood': 'B', 'x': None}], 'notes': {}}
    """
    rows = []
    for name, row in table.iterrows():
        record = {"neighbourhood": name}
        for column, value in row.items():
            value = _clean(value)
            record[column] = round(value, 3) if isinstance(value, float) else value
        rows.append(record)
    return {"neighbourhoods": rows, "notes": json.loads(json.dumps(notes, default=str))}
