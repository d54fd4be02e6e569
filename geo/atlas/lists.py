"""Today's lists: each practice's registered list from the latest count, spread over its patients' home LSOAs.

The latest registered-patients-by-practice file (``gp-reg-pat-prac-quin-age``, July 2026 here) gives each practice's
list today; the registrations-by-LSOA file (July 2023 here) is the latest that says where patients live. A practice's
patients are spread over home LSOAs by its own July 2023 shares, scaled to today's list::

    patients(practice, lsoa) = list_today(practice) * patients_2023(practice, lsoa) / list_2023(practice)

(the 2023 list counts every row, including unknown and Welsh LSOAs, so those keep their share too). Practices in
the 2023 file but not in today's (closed or merged since) are not spread: their July 2023 patients are returned
apart, so a plan can report them ("registered in July 2023 at practices closed since"): today they are counted in
the lists of the practices they moved to, and adding them again would count them twice. A practice in today's file
with no July 2023 rows (opened since) takes the home pattern of the other practices of its PCN, else its site LSOA.
Without a today's file the July 2023 counts are used as they are, and the vintage says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.atlas.bridging import code_isin


@dataclass
class TodaysLists:
    """The result of :func:`todays_lists`.

    Attributes
    ----------
    lists
        Registered list of every practice today (float), index ``practice_code``.
    lists_2023
        List of every practice in the registrations-by-LSOA file (all rows), index ``practice_code``.
    registrations
        ``practice_code, lsoa_code, patients``: today's lists spread over home LSOAs (float).
    closed
        ``practice_code, practice_name, lsoa_code, patients``: July 2023 registrations of practices not in today's
        file (empty when there is no today's file).
    borrowed
        ``practice_code -> how its home pattern was found`` for practices with no July 2023 rows.
    vintage
        The list month (``2026-07``), and ``pattern`` the home-LSOA month (``2023-07``).
    """

    lists: pd.Series
    lists_2023: pd.Series
    registrations: pd.DataFrame
    closed: pd.DataFrame
    borrowed: dict
    vintage: str
    pattern: str

    @property
    def scaled(self) -> bool:
        """Whether the lists are a newer count than the home pattern."""
        return self.vintage != self.pattern


def list_totals(ages: pd.DataFrame) -> pd.Series:
    """Each practice's list from the age-band file: the sum of its sex and age bands (the reader checked them
    against the published ALL/ALL total).

    Examples
    --------
    >>> ages = pd.DataFrame({"practice_code": ["A", "A", "B"], "patients": [3, 4, 5]})
    >>> list_totals(ages).to_dict()
    {'A': 7.0, 'B': 5.0}
    """
    return ages.groupby("practice_code").patients.sum().astype(float)


def todays_lists(
    registrations: pd.DataFrame,
    ages: pd.DataFrame | None,
    practice_map: pd.DataFrame | None = None,
    sites: pd.Series | None = None,
) -> TodaysLists:
    """Spread today's lists over home LSOAs (see the module docstring).

    Parameters
    ----------
    registrations
        The registrations-by-LSOA file as read (``practice_code, practice_name, lsoa_code, patients``).
    ages
        The registered-patients-by-practice age-band file (``practice_code, patients``), or ``None``.
    practice_map
        ``practice_code, pcn_code``: whose pattern a practice opened since borrows.
    sites
        ``practice_code -> site LSOA`` for a practice with neither its own rows nor a PCN.

    Examples
    --------
    >>> regs = pd.DataFrame({"practice_code": ["A", "A", "C"], "practice_name": ["a", "a", "c"],
    ...                      "lsoa_code": ["L1", "L2", "L1"], "patients": [30, 10, 5]})
    >>> ages = pd.DataFrame({"practice_code": ["A", "N"], "patients": [80, 20]})
    >>> pm = pd.DataFrame({"practice_code": ["A", "N"], "pcn_code": ["P", "P"]})
    >>> t = todays_lists(regs, ages, pm)
    >>> t.registrations.groupby("practice_code").patients.sum().to_dict()
    {'A': 80.0, 'N': 20.0}
    >>> t.registrations[t.registrations.practice_code == "N"].patients.tolist()
    [15.0, 5.0]
    >>> t.closed.patients.sum(), t.borrowed
    (np.float64(5.0), {'N': 'pcn'})
    """
    regs = registrations[["practice_code", "lsoa_code", "patients"]]
    lists_2023 = regs.groupby("practice_code", sort=True).patients.sum().astype(float)
    pattern = str(registrations.attrs.get("vintage", ""))
    if ages is None:
        frame = regs.astype({"patients": float}).reset_index(drop=True)
        empty = pd.DataFrame(
            {
                "practice_code": pd.Series(dtype=str),
                "practice_name": pd.Series(dtype=str),
                "lsoa_code": pd.Series(dtype=str),
                "patients": pd.Series(dtype=float),
            }
        )
        return TodaysLists(lists_2023, lists_2023, frame, empty, {}, pattern, pattern)
    lists = list_totals(ages)
    known = code_isin(regs.practice_code, lists.index)
    kept = regs[known]
    factor = (lists / lists_2023.reindex(lists.index)).replace([np.inf, -np.inf], np.nan)
    # The codes keep their (Arrow) string columns: turning 870,000 rows into Python strings costs more than the rest.
    scaled = kept[["practice_code", "lsoa_code"]].reset_index(drop=True)
    scaled["patients"] = kept.patients.to_numpy(float) * _per_row(kept.practice_code, factor)
    closed = registrations[~known][["practice_code", "practice_name", "lsoa_code", "patients"]]
    closed = closed.astype({"patients": float}).reset_index(drop=True)
    without = lists.index[~code_isin(lists.index.to_series(), lists_2023.index) & (lists > 0).to_numpy()]
    extra, borrowed = _borrow(without, lists, scaled, practice_map, sites)
    frame = pd.concat([scaled, *extra], ignore_index=True) if extra else scaled
    frame = frame[frame.patients.notna()].reset_index(drop=True)
    return TodaysLists(lists, lists_2023, frame, closed, borrowed, str(ages.attrs.get("vintage", "")), pattern)


def _per_row(codes: pd.Series, values: pd.Series) -> np.ndarray:
    """``values`` looked up for each of ``codes`` (NaN where missing): one hash of each distinct code, not of each row.

    Examples
    --------
    >>> _per_row(pd.Series(["A", "B", "A", "Z"]), pd.Series({"A": 2.0, "B": 3.0})).tolist()
    [2.0, 3.0, 2.0, nan]
    """
    position, distinct = pd.factorize(codes)
    found = np.append(values.reindex(distinct).to_numpy(float), np.nan)  # a missing code (-1) takes the NaN
    return found[position]


def _borrow(codes, lists, scaled, practice_map, sites) -> tuple[list[pd.DataFrame], dict]:
    """Home rows for practices with no rows of their own: their PCN's pooled pattern, else their site LSOA."""
    rows, how = [], {}
    pcn = (
        practice_map.drop_duplicates("practice_code").set_index("practice_code").pcn_code
        if practice_map is not None and "pcn_code" in practice_map
        else pd.Series(dtype=object)
    )
    pcn = pcn.where(~pcn.astype("string").str.strip().isin(["", "U"]).fillna(True))
    for code in codes:
        network = pcn.get(code)
        if isinstance(network, str):
            peers = pcn.index[(pcn == network) & (pcn.index != code)]
            pooled = scaled[code_isin(scaled.practice_code, peers)].groupby("lsoa_code").patients.sum()
            if pooled.sum() > 0:
                share = pooled / pooled.sum()
                rows.append(
                    pd.DataFrame(
                        {
                            "practice_code": code,
                            "lsoa_code": share.index,
                            "patients": share.to_numpy() * float(lists[code]),
                        }
                    )
                )
                how[code] = "pcn"
                continue
        site = sites.get(code) if sites is not None else None
        if isinstance(site, str):
            rows.append(pd.DataFrame({"practice_code": [code], "lsoa_code": [site], "patients": [float(lists[code])]}))
            how[code] = "site"
        else:
            how[code] = "none"
    return rows, how
