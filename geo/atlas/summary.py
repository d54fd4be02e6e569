"""The atlas summary HWB papers quote: LSOAs, resident and registered population, and the share of registered
patients living in each national IMD quintile, per local authority (or other grouping) and in total."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.atlas.model import Atlas
from geo.atlas.practices import STATUSES
from geo.disclosure import MARGIN_BASE, hidden_mask, publish_totals, suppress

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

    One row per status (``in_plan`` first), with ``practices``, ``patients`` (today's lists, a published margin
    of them: exact unless one is 1 to 7, then rounded to 10) and ``meaning``; the practices out are listed by :func:`practices_out`.

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
                    "patients": _published(lists[mine]),
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
    patients`` (a published margin of the registrations by practice and LSOA: exact unless one is 1 to 7, then
    rounded to 10), with a final ``Total`` row.

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
        {"code": c, "name": n, "practices": int(part.practice_code.nunique()), "patients": _published(part.patients)}
        for (c, n), part in frame.groupby([code, name], sort=True, dropna=False)
    ]
    rows.append(
        {
            "code": ",".join(atlas.area.codes),
            "name": "Total",
            "practices": int(closed.practice_code.nunique()),
            "patients": _published(closed.patients),
        }
    )
    table = pd.DataFrame(rows)
    table["patients"] = suppress(table["patients"].round())
    return table.rename(columns={"code": f"{by}_code", "name": f"{by}_name"})


def _published(parts) -> float:
    """The published total of ``parts`` (practices' lists, or registrations by practice and LSOA): a margin
    (:func:`geo.disclosure.publish_totals`: exact unless a part is 1 to 7, then each such part counted as 4 and
    the total rounded to 10; NaN when suppressed). An exact total beside its shown parts, or beside the total of
    another grouping or area, would give a suppressed one back by subtraction (Leicester's 2 residents at closed
    practices: QK1's 2,295 less Rutland's 16 and Leicestershire's 2,277)."""
    values = pd.to_numeric(pd.Series(parts), errors="coerce").fillna(0.0).astype(float).reset_index(drop=True)
    return float(publish_totals(values).total.iloc[0]) if len(values) else 0.0


def published_patients_in_area(atlas: Atlas) -> pd.Series:
    """Each practice's patients living in the study area as published: a margin of its registrations by LSOA
    (:func:`geo.disclosure.publish_totals`; NaN when suppressed, 0 with none), for maps and layers.

    The exact count beside the practice's public list gives its patients living elsewhere (often 1 to 7) by
    subtraction, and two study areas one LSOA apart give its registrations in that LSOA.

    Examples
    --------
    >>> from geo.testing.small_count_area import small_count_atlas
    >>> shown = published_patients_in_area(small_count_atlas())
    >>> shown[["Z00000", "Y00001"]].tolist()  # Y00001's 5 patients, all in one LSOA: suppressed
    [2803.0, nan]
    """
    reg = atlas.registrations
    reg = reg[reg["lsoa_code"].isin(atlas.lsoas.index)]
    values = pd.to_numeric(reg["patients"], errors="coerce").fillna(0.0).astype(float).reset_index(drop=True)
    table = publish_totals(values, reg["practice_code"].astype(str).reset_index(drop=True))
    codes = atlas.practices.index.astype(str)
    shown = table["total"].reindex(codes).where(codes.isin(table.index), 0.0)  # none in the area: 0
    # The patients living elsewhere are a part of the public list too: when they are 1 to 7, an exact count here
    # gives them back (list less count), so the count is rounded as a total with a small part is.
    exact = values.groupby(reg["practice_code"].astype(str).reset_index(drop=True)).sum().reindex(codes).fillna(0.0)
    lists = pd.to_numeric(pd.Series(atlas.practices["list_size"].to_numpy(), index=codes), errors="coerce")
    # Compared as shown (a count is shown whole); an unknown list, or one below the count (another vintage's
    # list could be), tells nothing safe, so the count is rounded then too.
    elsewhere = (lists - exact.round()).to_numpy()
    unsure = hidden_mask(np.nan_to_num(elsewhere)) | np.isnan(elsewhere) | (elsewhere < 0)
    small = unsure & (exact.to_numpy() > 0) & (table["rounded_to"].reindex(codes).fillna(1).to_numpy() == 1)
    rounded = np.floor(exact / MARGIN_BASE + 0.5) * MARGIN_BASE
    shown = shown.where(~small, rounded)
    return pd.Series(shown.to_numpy(), index=atlas.practices.index)
