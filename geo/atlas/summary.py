"""The atlas summary HWB papers quote: LSOAs, resident and registered population, and the share of registered
patients living in each national IMD quintile, per local authority (or other grouping) and in total."""

from __future__ import annotations

import pandas as pd

from geo.atlas.model import Atlas
from geo.atlas.practices import STATUSES
from geo.disclosure import suppress

GROUPINGS = {
    "lad": ("lad_code", "lad_name"),
    "utla": ("utla_code", "utla_name"),
    "sub_icb": ("sub_icb_code", "sub_icb_name"),
    "icb": ("icb_code_nhs", "icb_name"),
}
QUINTILE_COLUMNS = [f"imd_q{q}_pct" for q in range(1, 6)]


def atlas_summary(atlas: Atlas, by: str = "lad") -> pd.DataFrame:
    """Return one row per group and a final ``Total`` row.

    Columns are ``<group>_code, <group>_name, lsoas, resident_population, registered_population,
    imd_q1_pct .. imd_q5_pct`` where ``imd_qN_pct`` is the percentage of the registered population living in
    LSOAs of national IMD quintile N (1 = most deprived 20 % of LSOAs in England).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> table = atlas_summary(grid_atlas(4, 4, lad_width=2))
    >>> list(table.lad_name)
    ['Grid District 0', 'Grid District 1', 'Total']
    >>> round(float(table.iloc[-1][QUINTILE_COLUMNS].sum()), 6)
    100.0
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping '{by}': expected one of {', '.join(GROUPINGS)}")
    code, name = GROUPINGS[by]
    layer = atlas.lsoas
    groups = [
        _row(part, code_value, name_value)
        for (code_value, name_value), part in layer.groupby([code, name], sort=True, dropna=False)
    ]
    total_code = ",".join(atlas.area.codes)
    groups.append(_row(layer, total_code, "Total"))
    table = pd.DataFrame(groups)
    return table.rename(columns={"code": f"{by}_code", "name": f"{by}_name"})


def _row(part: pd.DataFrame, code, name) -> dict:
    registered = part.registered_population
    row = {
        "code": code,
        "name": name,
        "lsoas": int(len(part)),
        "resident_population": int(round(part.resident_population.sum())),
        "registered_population": int(round(registered.sum())),
    }
    by_quintile = registered.groupby(part.imd_quintile).sum()
    total = registered.sum()
    for q, column in enumerate(QUINTILE_COLUMNS, start=1):
        row[column] = round(100.0 * float(by_quintile.get(q, 0.0)) / total, 1) if total else 0.0
    return row


def practice_status(atlas: Atlas) -> pd.DataFrame:
    """Return how many practices and patients (today's lists) are in the area's plans, and out and why.

    One row per status (``in_plan`` first), with ``practices``, ``patients`` (today's lists, counts 1 to 7
    suppressed) and ``meaning``; the practices out are listed by :func:`practices_out`.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> practice_status(grid_atlas(4, 4))[["status", "practices"]].values.tolist()
    [['in_plan', 4]]
    """
    practices = atlas.practices
    status = (
        practices["status"]
        if "status" in practices
        else practices["in_area"].map({True: "in_plan", False: "outside_area"})
    )
    lists = pd.to_numeric(practices["list_size"], errors="coerce").fillna(0)
    rows = []
    for name in STATUSES:
        mine = status == name
        if name == "in_plan" or mine.any():
            rows.append(
                {
                    "status": name,
                    "practices": int(mine.sum()),
                    "patients": float(lists[mine].sum()),
                    "meaning": STATUSES[name],
                }
            )
    table = pd.DataFrame(rows)
    table["patients"] = suppress(table["patients"])
    return table


def practices_out(atlas: Atlas) -> pd.DataFrame:
    """Return each practice of the area left out of its plans: ``practice_code, practice_name, status, reason,
    patients`` (today's list, counts 1 to 7 suppressed).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> len(practices_out(grid_atlas(4, 4)))
    0
    """
    practices = atlas.practices
    out = practices[~practices["in_area"].fillna(False).astype(bool)]
    table = pd.DataFrame(
        {
            "practice_code": out.index.astype(str),
            "practice_name": out["practice_name"].astype(str).to_numpy(),
            "status": (out["status"] if "status" in out else pd.Series("outside_area", index=out.index)).to_numpy(),
            "reason": (out["status_reason"] if "status_reason" in out else pd.Series("", index=out.index)).to_numpy(),
            "patients": suppress(pd.to_numeric(out["list_size"], errors="coerce").fillna(0)).to_numpy(),
        }
    )
    return table.reset_index(drop=True)


def closed_practices(atlas: Atlas, by: str = "lad") -> pd.DataFrame:
    """Return the area's residents registered (July 2023) at practices closed since, per group and in total.

    They are in no plan: today they are on the lists of the practices they moved to, which are spread over home
    LSOAs already, so adding them would count them twice. Columns ``<group>_code, <group>_name, practices,
    patients`` (counts 1 to 7 suppressed), with a final ``Total`` row.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> closed_practices(grid_atlas(4, 4)).iloc[-1].to_dict()
    {'lad_code': 'QZZ', 'lad_name': 'Total', 'practices': 0, 'patients': 0.0}
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping '{by}': expected one of {', '.join(GROUPINGS)}")
    code, name = GROUPINGS[by]
    closed = atlas.closed_registrations
    groups = atlas.lsoas[[code, name]].reindex(closed["lsoa_code"].astype(str)).reset_index(drop=True)
    frame = pd.concat([closed.reset_index(drop=True), groups], axis=1)
    rows = [
        {"code": c, "name": n, "practices": int(part.practice_code.nunique()), "patients": float(part.patients.sum())}
        for (c, n), part in frame.groupby([code, name], sort=True, dropna=False)
    ]
    rows.append(
        {
            "code": ",".join(atlas.area.codes),
            "name": "Total",
            "practices": int(closed.practice_code.nunique()),
            "patients": float(closed.patients.sum()),
        }
    )
    table = pd.DataFrame(rows)
    table["patients"] = suppress(table["patients"].round())
    return table.rename(columns={"code": f"{by}_code", "name": f"{by}_name"})
