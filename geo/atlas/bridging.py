"""Move counts between LSOA 2011 and LSOA 2021 through the ONS lookup, never silently mixing vintages.

GP registrations by LSOA are published on LSOA 2011 codes; the atlas is on LSOA 2021 by default. Through the ONS
"LSOA (2011) to LSOA (2021)" lookup an unchanged LSOA (``U``) maps one to one, a merged one (``M``) sums into its
2021 successor, and a split one (``S``) - or a complex redraw (``X``) - is shared among its successors in
proportion to their population, the only open information about where people live inside the old boundary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.atlas.model import BridgeReport

UNPLACED_CODES = {"NO2011", "NO2021"}


def _strings(values) -> pa.Array | None:
    """``values`` as an Arrow string array (zero-copy for pandas' ``str`` columns), or None if they are not text."""
    values = list(values) if isinstance(values, (set, frozenset)) else values
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if pa.types.is_null(arr.type):
        return arr.cast(pa.large_string())
    return arr.cast(pa.large_string()) if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) else None


def code_isin(values: pd.Series, universe) -> np.ndarray:
    """``values.isin(universe)`` for code columns, as a numpy mask, through Arrow's hash set.

    pandas' ``str`` isin converts every element of ``universe`` to an Arrow scalar in Python, which for tens of
    thousands of LSOA codes costs most of a second per call; the result is the same (missing matches missing).

    Examples
    --------
    >>> code_isin(pd.Series(["E01", "W01", None]), {"E01"}).tolist()
    [True, False, False]
    """
    arr, value_set = _strings(values), _strings(universe)
    if arr is None or value_set is None:
        return pd.Series(values).isin(list(universe) if isinstance(universe, (set, frozenset)) else universe).to_numpy()
    return pc.is_in(arr, value_set=value_set).to_numpy(zero_copy_only=False)


def code_map(values: pd.Series, mapping: pd.Series) -> np.ndarray:
    """``values.map(mapping).to_numpy()`` for a code column and a numeric Series with unique code index.

    Unmatched codes give NaN. Arrow finds the positions; pandas' ``str`` map hashes every value in Python.

    Examples
    --------
    >>> code_map(pd.Series(["b", "x", "a"]), pd.Series({"a": 1, "b": 2})).tolist()
    [2.0, nan, 1.0]
    """
    arr, keys = _strings(values), _strings(mapping.index)
    if arr is None or keys is None or not mapping.index.is_unique:
        return pd.Series(values).map(mapping).to_numpy()
    position = pc.index_in(arr, value_set=keys).fill_null(-1).to_numpy(zero_copy_only=False)
    found = position >= 0
    if found.all():
        return mapping.to_numpy()[position]
    out = np.full(len(position), np.nan)
    out[found] = mapping.to_numpy()[position[found]]
    return out


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
    src, dst = ("lsoa11_code", "lsoa21_code") if source == 2011 else ("lsoa21_code", "lsoa11_code")
    pairs = lookup[[src, dst, "change"]].drop_duplicates([src, dst]).rename(columns={src: "from_code", dst: "to_code"})
    if target_population is not None:
        pop = np.nan_to_num(code_map(pairs.to_code, target_population.astype(float)), nan=0.0)
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
    known = code_isin(codes, weights.from_code)
    report = BridgeReport(patients_total=float(frame[first].sum()))
    unplaced = frame.loc[~known, first].groupby(_unplaced_kind(codes[~known])).sum()
    report.patients_unplaced_no2011 = float(unplaced.get("no_code", 0.0))
    report.patients_unplaced_wales = float(unplaced.get("wales", 0.0))
    report.patients_unplaced_other = float(unplaced.get("other", 0.0))

    placed = _join_weights(frame.loc[known], code_column, weights)
    for column in value_columns:
        placed[column] = placed[column].astype(float) * placed["weight"]
    # Classify by the lookup, not by the rows: one LSOA has many practice rows.
    successors = weights.groupby("from_code").to_code.nunique()
    predecessors = weights.groupby("to_code").from_code.nunique()
    shared = code_map(placed.from_code, successors) > 1
    merged = code_map(placed.to_code, predecessors) > 1
    report.patients_split = float(placed.loc[shared, first].sum())
    report.patients_merged = float(placed.loc[~shared & merged, first].sum())
    report.patients_direct = float(placed.loc[~shared & ~merged, first].sum())
    placed[code_column] = placed["to_code"]
    return placed.drop(columns=["from_code", "to_code", "weight", "change"]), report


def bridge_pair_sums(
    frame: pd.DataFrame, *, key_column: str, code_column: str, value_column: str, weights: pd.DataFrame
) -> tuple[pd.DataFrame, BridgeReport]:
    """:func:`bridge_counts` of ``frame[[key_column, code_column, value_column]]``, summed by (key, target code)
    pair: the same frame and report as ``bridge_counts`` followed by :func:`sum_pairs`.

    Registrations (a practice's patients by LSOA) are bridged so on every build: this goes through integer positions,
    never copying the lookup's code columns to each of ~900k rows nor hashing the bridged codes again.

    Examples
    --------
    >>> lookup = pd.DataFrame({"lsoa11_code": ["A", "B", "B", "C"], "lsoa21_code": ["A", "B1", "B2", "B1"],
    ...                        "change": ["U", "S", "S", "M"]})
    >>> w = crosswalk(lookup, source=2011, target=2021)
    >>> counts = pd.DataFrame({"practice_code": ["P", "P", "P", "P"], "lsoa_code": ["A", "B", "C", "NO2011"],
    ...                        "patients": [10, 20, 5, 1]})
    >>> out, report = bridge_pair_sums(counts, key_column="practice_code", code_column="lsoa_code",
    ...                                value_column="patients", weights=w)
    >>> out.to_dict("list")
    {'practice_code': ['P', 'P', 'P'], 'lsoa_code': ['A', 'B1', 'B2'], 'patients': [10.0, 15.0, 10.0]}
    >>> report.patients_split, report.patients_merged, report.patients_unplaced_no2011
    (20.0, 5.0, 1.0)
    """
    frame = frame[[key_column, code_column, value_column]]
    values = frame[value_column].to_numpy()
    codes = frame[code_column]
    fast = (
        values.dtype.kind in "biuf"
        and not weights.from_code.isna().any()
        and not weights.to_code.isna().any()
        and _strings(codes) is not None
    )
    known = code_isin(codes, weights.from_code) if fast else None
    positions = join_positions(codes[known], weights) if fast and known.any() else None
    if positions is None:
        placed, report = bridge_counts(frame, code_column=code_column, value_columns=[value_column], weights=weights)
        return sum_pairs(placed, key_column, code_column, value_column), report

    report = BridgeReport(patients_total=float(frame[value_column].sum()))
    unknown = codes[~known].astype(str)
    unplaced = pd.Series(values[~known]).groupby(_unplaced_kind(unknown).to_numpy()).sum()
    report.patients_unplaced_no2011 = float(unplaced.get("no_code", 0.0))
    report.patients_unplaced_wales = float(unplaced.get("wales", 0.0))
    report.patients_unplaced_other = float(unplaced.get("other", 0.0))

    left, right = positions
    rows = np.flatnonzero(known)[left]
    placed = values[rows].astype(float) * weights.weight.to_numpy(float)[right]
    # Classify by the lookup, not by the rows (as bridge_counts does): each weight row once, then taken per row.
    successors = weights.groupby("from_code").to_code.nunique()
    predecessors = weights.groupby("to_code").from_code.nunique()
    shared = (code_map(weights.from_code, successors) > 1)[right]
    merged = (code_map(weights.to_code, predecessors) > 1)[right]
    report.patients_split = float(pd.Series(placed[shared]).sum())
    report.patients_merged = float(pd.Series(placed[~shared & merged]).sum())
    report.patients_direct = float(pd.Series(placed[~shared & ~merged]).sum())

    # Pairs in order of first appearance, as sum_pairs: any numbering of the keys and codes gives that order.
    key, keys = pd.factorize(frame[key_column].iloc[np.flatnonzero(known)])
    target, targets = pd.factorize(weights.to_code)
    key, target = key[left], target[right]
    keep = key >= 0  # as groupby, pairs with a missing key are left out
    width = max(len(targets), 1)
    pair, pairs = factorize_ints(key[keep].astype(np.int64) * width + target[keep])
    sums = pd.Series(placed[keep]).groupby(pair).sum().to_numpy()
    out = pd.DataFrame(
        {
            key_column: keys.take(pairs // width).array,
            code_column: targets.take(pairs % width).array,
            value_column: sums,
        }
    )
    return out, report


def sum_pairs(rows: pd.DataFrame, key_column: str, code_column: str, value_column: str) -> pd.DataFrame:
    """``rows.groupby([key_column, code_column], as_index=False, sort=False)[value_column].sum()``, grouping on
    integer codes of the two columns (the same pairs, in order of first appearance, and the same sums).

    Examples
    --------
    >>> rows = pd.DataFrame({"p": ["B", "A", "B"], "l": ["x", "y", "x"], "n": [1.0, 2.0, 3.0]})
    >>> sum_pairs(rows, "p", "l", "n").to_dict("list")
    {'p': ['B', 'A'], 'l': ['x', 'y'], 'n': [4.0, 2.0]}
    """
    key, keys = pd.factorize(rows[key_column])
    code, codes = pd.factorize(rows[code_column])
    keep = (key >= 0) & (code >= 0)  # as groupby, pairs with a missing code are left out
    width = max(len(codes), 1)
    pair, pairs = pd.factorize(key[keep].astype(np.int64) * width + code[keep])
    sums = pd.Series(rows[value_column].to_numpy()[keep]).groupby(pair).sum().to_numpy()
    return pd.DataFrame(
        {key_column: keys.take(pairs // width).array, code_column: codes.take(pairs % width).array, value_column: sums}
    )


def factorize_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` of an integer array with no missing values: each value's group number, groups in
    order of first appearance, and the distinct values in that order.

    One sort instead of a hash table: about half the time for the ~900k (practice, LSOA) pairs of England's lists.

    Examples
    --------
    >>> [a.tolist() for a in factorize_ints(np.array([7, 3, 7, 5, 3]))]
    [[0, 1, 0, 2, 1], [7, 3, 5]]
    """
    values = np.asarray(values)
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), values[:0]
    distinct, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # sorted distinct values, in order of first appearance
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)], distinct[order]


def _join_weights(rows: pd.DataFrame, code_column: str, weights: pd.DataFrame) -> pd.DataFrame:
    """``rows.merge(weights, left_on=code_column, right_on="from_code")`` (inner), in the same row order.

    Each row is repeated once per weight of its code, rows in their order and the weights of a code in theirs.
    Matching through integer positions avoids hashing ~900k code strings twice, as the merge does.

    Examples
    --------
    >>> w = pd.DataFrame({"from_code": ["B", "A", "B"], "to_code": ["B1", "A", "B2"], "weight": [0.5, 1.0, 0.5]})
    >>> _join_weights(pd.DataFrame({"code": ["B", "A"], "n": [4, 2]}), "code", w).to_dict("list")
    {'code': ['B', 'B', 'A'], 'n': [4, 4, 2], 'from_code': ['B', 'B', 'A'], 'to_code': ['B1', 'B2', 'A'], 'weight': [0.5, 0.5, 1.0]}
    """
    positions = None if set(rows.columns) & set(weights.columns) else join_positions(rows[code_column], weights)
    if positions is None:
        return rows.merge(weights, left_on=code_column, right_on="from_code", how="inner")
    left, right = positions
    joined = rows.iloc[left].reset_index(drop=True)
    for column, values in weights.iloc[right].reset_index(drop=True).items():
        joined[column] = values
    return joined


def join_positions(codes: pd.Series, weights: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The row positions of the inner join of ``codes`` to ``weights.from_code``: ``(left, right)``, each code's
    position repeated once per weight of it, in the order of :func:`_join_weights`; None if the codes are not text.

    Examples
    --------
    >>> w = pd.DataFrame({"from_code": ["B", "A", "B"], "to_code": ["B1", "A", "B2"], "weight": [0.5, 1.0, 0.5]})
    >>> [p.tolist() for p in join_positions(pd.Series(["B", "Z", "A"]), w)]
    [[0, 0, 2], [0, 2, 1]]
    """
    keys = _strings(codes)
    group, uniques = pd.factorize(weights.from_code, use_na_sentinel=False)
    value_set = _strings(uniques)
    if keys is None or value_set is None or len(codes) == 0:
        return None
    position = pc.index_in(keys, value_set=value_set).to_numpy(zero_copy_only=False)
    found = ~np.isnan(position)
    row_group = position[found].astype(np.int64)
    counts = np.bincount(group, minlength=len(uniques))
    by_group = np.argsort(group, kind="stable")  # weight rows of each code, in lookup order
    starts = np.cumsum(counts) - counts
    repeat = counts[row_group]
    left = np.repeat(np.flatnonzero(found), repeat)
    within = np.arange(int(repeat.sum())) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    right = by_group[np.repeat(starts[row_group], repeat) + within]
    return left, right


def _unplaced_kind(codes: pd.Series) -> pd.Series:
    kind = np.where(code_isin(codes, UNPLACED_CODES), "no_code", np.where(codes.str.startswith("W"), "wales", "other"))
    return pd.Series(kind, index=codes.index)
