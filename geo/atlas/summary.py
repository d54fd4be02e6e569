"""The atlas summary HWB papers quote: LSOAs, resident and registered population, and the share of registered
patients living in each national IMD quintile, per local authority (or other grouping) and in total."""

from __future__ import annotations

import pandas as pd

from geo.atlas.model import Atlas

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
    groups = [_row(part, code_value, name_value) for (code_value, name_value), part
              in layer.groupby([code, name], sort=True, dropna=False)]
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
