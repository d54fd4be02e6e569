"""Move counts between LSOA 2011 and LSOA 2021 through the ONS lookup, never silently mixing vintages.

GP registrations by LSOA are published on LSOA 2011 codes; the atlas is on LSOA 2021 by default. Through the ONS
"LSOA (2011) to LSOA (2021)" lookup an unchanged LSOA (``U``) maps one to one, a merged one (``M``) sums into its
2021 successor, and a split one (``S``) - or a complex redraw (``X``) - is shared among its successors in
proportion to their population, the only open information about where people live inside the old boundary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.atlas.model import BridgeReport

UNPLACED_CODES = {"NO2011", "NO2021"}


def crosswalk(
    lookup: pd.DataFrame, *, source: int, target: int, target_population: pd.Series | None = None
) -> pd.DataFrame:
    """Return the weights that share a count on ``source``-vintage LSOAs among ``target``-vintage LSOAs.

    Parameters
    ----------
    lookup
        The ONS lookup with columns ``lsoa11_code, lsoa21_code, change``.
    source, target
        2011 or 2021.
    target_population
        Population of each target LSOA (index code), used to share out splits; equal shares without it.

    Returns
    -------
    DataFrame
        ``from_code, to_code, weight, change``; the weights of each ``from_code`` sum to 1.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["A", "B", "C", "D"], "lsoa21_code": ["A", "B1", "B2", "B1"],
    ...                        "change": ["U", "S", "S", "M"]})
    >>> lookup.loc[2, "lsoa11_code"] = "B"
    >>> w = crosswalk(lookup, source=2011, target=2021, target_population=pd.Series({"B1": 300, "B2": 100}))
    >>> w.set_index(["from_code", "to_code"]).weight.round(2).to_dict()
    {('A', 'A'): 1.0, ('B', 'B1'): 0.75, ('B', 'B2'): 0.25, ('D', 'B1'): 1.0}
    """
    if {source, target} != {2011, 2021}:
        raise ValueError(f"cannot bridge {source} to {target}: expected 2011 and 2021")
    src, dst = (("lsoa11_code", "lsoa21_code") if source == 2011 else ("lsoa21_code", "lsoa11_code"))
    pairs = lookup[[src, dst, "change"]].drop_duplicates([src, dst]).rename(columns={src: "from_code", dst: "to_code"})
    if target_population is not None:
        pop = pairs.to_code.map(target_population).astype(float).fillna(0.0).to_numpy()
    else:
        pop = np.ones(len(pairs))
    pairs = pairs.assign(_pop=pop)
    totals = pairs.groupby("from_code")._pop.transform("sum")
    counts = pairs.groupby("from_code")._pop.transform("size")
    # Where the successors have no population figure, share equally rather than lose the patients.
    pairs["weight"] = np.where(totals > 0, pairs._pop / totals.where(totals > 0, 1), 1.0 / counts)
    return pairs.drop(columns="_pop").reset_index(drop=True)


def bridge_counts(
    frame: pd.DataFrame, *, code_column: str, value_columns: list[str], weights: pd.DataFrame
) -> tuple[pd.DataFrame, BridgeReport]:
    """Move counts to the other LSOA vintage and report how many were bridged, split or left unplaced.

    Parameters
    ----------
    frame
        Counts with an LSOA code column; other columns (e.g. ``practice_code``) are carried through.
    code_column
        The LSOA code column; it holds the target-vintage codes in the result.
    value_columns
        Count columns to share out (become float).
    weights
        From :func:`crosswalk`.

    Returns
    -------
    bridged
        Rows on the target vintage (codes not in the lookup are dropped and reported).
    report
        Totals of the first value column: direct, split, merged and unplaced (``NO2011``, Welsh ``W`` codes,
        other unknown codes).

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["A", "B", "B"], "lsoa21_code": ["A", "B1", "B2"],
    ...                        "change": ["U", "S", "S"]})
    >>> w = crosswalk(lookup, source=2011, target=2021)
    >>> counts = pd.DataFrame({"lsoa_code": ["A", "B", "NO2011"], "patients": [10, 20, 5]})
    >>> out, report = bridge_counts(counts, code_column="lsoa_code", value_columns=["patients"], weights=w)
    >>> out.groupby("lsoa_code").patients.sum().to_dict(), report.patients_split, report.patients_unplaced_no2011
    ({'A': 10.0, 'B1': 10.0, 'B2': 10.0}, 20.0, 5.0)
    """
    first = value_columns[0]
    codes = frame[code_column].astype(str)
    known = codes.isin(weights.from_code)
    report = BridgeReport(patients_total=float(frame[first].sum()))
    unplaced = frame.loc[~known, first].groupby(_unplaced_kind(codes[~known])).sum()
    report.patients_unplaced_no2011 = float(unplaced.get("no_code", 0.0))
    report.patients_unplaced_wales = float(unplaced.get("wales", 0.0))
    report.patients_unplaced_other = float(unplaced.get("other", 0.0))

    placed = frame.loc[known].merge(weights, left_on=code_column, right_on="from_code", how="inner")
    for column in value_columns:
        placed[column] = placed[column].astype(float) * placed["weight"]
    # Classify by the lookup, not by the rows: one LSOA has many practice rows.
    successors = weights.groupby("from_code").to_code.nunique()
    predecessors = weights.groupby("to_code").from_code.nunique()
    shared = placed.from_code.map(successors).to_numpy() > 1
    merged = placed.to_code.map(predecessors).to_numpy() > 1
    report.patients_split = float(placed.loc[shared, first].sum())
    report.patients_merged = float(placed.loc[~shared & merged, first].sum())
    report.patients_direct = float(placed.loc[~shared & ~merged, first].sum())
    placed[code_column] = placed["to_code"]
    return placed.drop(columns=["from_code", "to_code", "weight", "change"]), report


def _unplaced_kind(codes: pd.Series) -> pd.Series:
    kind = np.where(codes.isin(UNPLACED_CODES), "no_code", np.where(codes.str.startswith("W"), "wales", "other"))
    return pd.Series(kind, index=codes.index)
