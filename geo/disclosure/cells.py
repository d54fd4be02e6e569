"""Secondary suppression of a table: hide further cells where a shown total and the shown parts would give a
suppressed cell back by subtraction, and the figures derived from a hidden count with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from geo.disclosure.small import _small, _threshold


def _complete(table: pd.DataFrame, was_shown: pd.DataFrame, t: int) -> pd.DataFrame:
    """Suppress further cells in each row until the hidden cells cannot be recovered from a shown total.

    A row whose total is shown gives back the sum of its hidden cells, so that sum must not be an exact single
    count (one hidden cell) nor a small number (several hidden cells summing to 1..t). Each step hides the
    smallest shown non-zero cell, which costs the least information.
    """
    values = table.to_numpy(dtype=float)
    hidden = ~was_shown.to_numpy()
    for i in range(values.shape[0]):
        while True:
            h = hidden[i] & ~np.isnan(values[i])
            n_hidden = int(h.sum())
            if n_hidden == 0 or (n_hidden > 1 and not _small(np.array([values[i][h].sum()]), t)[0]):
                break
            candidates = np.where(~hidden[i] & (values[i] > 0))[0]
            if len(candidates) == 0:
                candidates = np.where(~hidden[i] & ~np.isnan(values[i]))[0]
            if len(candidates) == 0:
                break
            hidden[i, candidates[np.argmin(values[i][candidates])]] = True
    return pd.DataFrame(~hidden, index=table.index, columns=table.columns)


def suppress_frame(
    df: pd.DataFrame,
    count_columns: Iterable[str],
    threshold: int | None = None,
    secondary: bool = True,
    total_column: str | None = None,
    group: str | bool | None = None,
    derived: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` with small counts, their complements and their derived figures suppressed.

    Parameters
    ----------
    df
        The table to publish.
    count_columns
        Columns holding counts of people or events.
    threshold
        Largest count to suppress (default: the ``suppression_threshold`` setting).
    secondary
        Also suppress complementary cells (see below).
    total_column
        A column holding each row's total of ``count_columns`` (e.g. all ages, with age bands as parts). When one
        part is suppressed and the total is shown, the next smallest part is suppressed too.
    group
        Rows that add up to a published total: a column name (rows sharing a value form one group, e.g.
        neighbourhood) or ``True`` (the whole table adds up to a published total). Secondary suppression then also
        runs down each count column within each group.
    derived
        ``{derived_column: count_column}``: rates, ratios, intervals or expected values that reveal a count and so
        are suppressed wherever it is.

    Examples
    --------
    >>> table = pd.DataFrame({"age_0_15": [3, 40], "age_16_64": [20, 60], "age_65_plus": [90, 5],
    ...                       "all_ages": [113, 105]})
    >>> out = suppress_frame(table, ["age_0_15", "age_16_64", "age_65_plus"], total_column="all_ages")
    >>> out.to_dict("list")["age_16_64"], out.to_dict("list")["age_65_plus"]
    ([nan, 60.0], [90.0, nan])
    """
    t = _threshold(threshold)
    counts = [c for c in count_columns if c in df.columns]
    if total_column is not None and total_column not in counts:
        counts.append(total_column)
    parts = [c for c in counts if c != total_column]
    out = df.copy()
    original = out[counts].apply(pd.to_numeric, errors="coerce").astype(float)
    shown = ~pd.DataFrame(_small(original.to_numpy(), t), index=out.index, columns=counts)
    if secondary:
        for _ in range(len(out) + len(counts)):  # each pass hides at least one cell or stops
            before = int(shown.to_numpy().sum())
            if total_column in counts and parts:
                rows_with_total = shown[total_column]
                sub = _complete(original.loc[rows_with_total, parts], shown.loc[rows_with_total, parts], t)
                shown.loc[rows_with_total, parts] = sub
            if group is not None and group is not False:
                keys = pd.Series(0, index=out.index) if group is True else out[group]
                for _, idx in keys.groupby(keys, sort=False).groups.items():
                    sub = _complete(original.loc[idx].T, shown.loc[idx].T, t).T
                    shown.loc[idx] = sub
            if int(shown.to_numpy().sum()) == before:
                break
    for column in counts:
        out[column] = original[column].where(shown[column])
    for column, source in (derived or {}).items():
        if column in out.columns and source in shown.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").where(shown[source])
    out.attrs["suppressed_cells"] = int((~shown & original.notna()).to_numpy().sum())
    return out
