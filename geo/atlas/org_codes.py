"""ICB and sub-ICB codes reconciled across vintages (2022 <-> 2024), so data published on one set of codes meets an
atlas on another.

The atlas carries April 2024 codes (``lsoa21_sicbl24_icb24_lookup``); NHS England's A&E series is published on July
2022 ones. The ONS ``E54``/``E38`` code of an ICB or sub-ICB changes whenever its boundary changes, while its ODS code
(``QNX``, ``70F``) stays: Sussex was E54000053 in 2022 and is E54000064 since April 2024 (QNX), Surrey Heartlands
E54000052 and E54000063 (QXU), after part of East Surrey moved between them. So a code is matched by its ODS code
first; a code whose ODS code is gone (a merger) goes to the successor holding most of its LSOAs' people. Each pair
says how much of the older unit's population lies in the newer one (``overlap``), so a boundary change is visible.
"""

from __future__ import annotations

import pandas as pd

LEVELS = {"icb": ("icb_code", "icb_code_nhs"), "sub_icb": ("sub_icb_code", "sub_icb_code_nhs")}


def reconcile_codes(
    old: pd.DataFrame,
    new: pd.DataFrame,
    lsoa_lookup: pd.DataFrame | None = None,
    population: pd.Series | None = None,
    level: str = "icb",
) -> pd.DataFrame:
    """Return ``old_code, new_code, ods_code, matched_by, overlap`` for every code of ``old``.

    Parameters
    ----------
    old, new
        LSOA -> sub-ICB -> ICB lookups of the two vintages (``lsoa_code, icb_code, icb_code_nhs, sub_icb_code,
        sub_icb_code_nhs``).
    lsoa_lookup
        ``lsoa11_code, lsoa21_code`` when the two lookups are on different LSOA vintages; ``None`` when on one.
    population
        People per LSOA of ``new`` (Census 2021), to weigh the overlap; LSOAs count one each without it.
    level
        ``icb`` or ``sub_icb``.

    Examples
    --------
    >>> old = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "icb_code": ["E1", "E1", "E2"],
    ...                     "icb_code_nhs": ["Q1", "Q1", "Q2"]})
    >>> new = pd.DataFrame({"lsoa_code": ["A", "B", "C"], "icb_code": ["E3", "E4", "E4"],
    ...                     "icb_code_nhs": ["Q1", "Q9", "Q9"]})
    >>> reconcile_codes(old, new).values.tolist()
    [['E1', 'E3', 'Q1', 'ods', 0.5], ['E2', 'E4', 'Q2', 'overlap', 1.0]]
    """
    code, ods = LEVELS[level]
    o = old[["lsoa_code", code, ods]].dropna(subset=[code]).drop_duplicates("lsoa_code")
    n = new[["lsoa_code", code, ods]].dropna(subset=[code]).drop_duplicates("lsoa_code")
    if lsoa_lookup is not None:
        pairs = lsoa_lookup[["lsoa11_code", "lsoa21_code"]].drop_duplicates()
        o = o.merge(pairs, left_on="lsoa_code", right_on="lsoa11_code").drop(columns=["lsoa_code", "lsoa11_code"])
        o = o.rename(columns={"lsoa21_code": "lsoa_code"})
    joined = o.merge(n, on="lsoa_code", suffixes=("_old", "_new"))
    weight = (
        joined.lsoa_code.map(population).fillna(0.0) if population is not None else pd.Series(1.0, index=joined.index)
    )
    joined["weight"] = weight.to_numpy()
    shared = joined.groupby([f"{code}_old", f"{code}_new"]).weight.sum()
    size = joined.groupby(f"{code}_old").weight.sum()
    new_by_ods = n.drop_duplicates(ods).set_index(ods)[code]
    rows = []
    for old_code, group in o.groupby(code, sort=True):
        ods_code = str(group[ods].iloc[0])
        if ods_code in new_by_ods.index:
            target, how = new_by_ods[ods_code], "ods"
        elif old_code in size.index:
            target, how = shared.loc[old_code].idxmax(), "overlap"
        else:
            continue
        total = size.get(old_code, 0.0)
        share = float(shared.get((old_code, target), 0.0) / total) if total else float("nan")
        rows.append(
            {
                "old_code": old_code,
                "new_code": target,
                "ods_code": ods_code,
                "matched_by": how,
                "overlap": round(share, 4),
            }
        )
    return pd.DataFrame(rows, columns=["old_code", "new_code", "ods_code", "matched_by", "overlap"])


def recode(frame: pd.DataFrame, column: str, mapping: pd.DataFrame, keep: set | None = None) -> pd.DataFrame:
    """Return ``frame`` with the codes of ``column`` brought to the newer vintage by ``mapping``
    (:func:`reconcile_codes`); codes already of the newer vintage (in ``keep``) or not in the mapping stay.

    Examples
    --------
    >>> ae = pd.DataFrame({"org_code": ["E54000053", "E54000015"], "n": [1, 2]})
    >>> m = pd.DataFrame({"old_code": ["E54000053"], "new_code": ["E54000064"]})
    >>> recode(ae, "org_code", m).org_code.tolist()
    ['E54000064', 'E54000015']
    """
    table = mapping.set_index("old_code").new_code
    if keep:
        table = table[~table.index.isin(keep)]
    out = frame.copy()
    out[column] = out[column].map(table).fillna(out[column])
    return out
