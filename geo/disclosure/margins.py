"""Margins: a published total of parts (LSOAs, practices) is exact when no part is small, else each small part
counts as :func:`suppressed_as` and the total is rounded to :data:`MARGIN_BASE` (see :mod:`geo.disclosure`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.disclosure.small import _small, _threshold

#: Published totals with suppressed parts are rounded to a multiple of this.
MARGIN_BASE = 10


def suppressed_as(threshold: int | None = None) -> float:
    """Return the value every suppressed count stands for in published totals: the midpoint of 1..threshold.

    Examples
    --------
    >>> suppressed_as(7)
    4.0
    """
    return (_threshold(threshold) + 1) / 2


def hidden_mask(counts, threshold: int | None = None) -> np.ndarray:
    """Return True where a count is suppressed (it would show as 1..threshold).

    Examples
    --------
    >>> hidden_mask([0, 3, 8.2]).tolist()
    [False, True, False]
    """
    return _small(np.asarray(pd.to_numeric(pd.Series(counts), errors="coerce"), dtype=float), _threshold(threshold))


def publish_sums(
    values, groups, n_groups: int, threshold: int | None = None, base: int = MARGIN_BASE, weights=None
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(total, rounded_to)`` of the parts in each of ``n_groups`` groups, by the margin rule (numpy).

    The fast form of :func:`publish_totals` that plan tables use after every edit: ``values`` are the parts'
    true counts, ``groups`` each part's group (``-1``: in none), ``weights`` an optional share of each part
    counted in its group (an estimate). A part with a positive weight and a small count counts as
    :func:`suppressed_as` times its weight, and its group's total is rounded to ``base``; a total whose shown
    parts add up to 0 while some are small is NaN; a total shown exactly that would display as 1..threshold
    (only possible with fractional parts or weights) is NaN too.

    Examples
    --------
    >>> total, rounded_to = publish_sums([1200.0, 5.0, 300.0, 0.0, 6.0], [0, 0, 1, 2, 2], 3, threshold=7)
    >>> total.tolist(), rounded_to.tolist()
    ([1200.0, 300.0, nan], [10, 1, 10])
    """
    t = _threshold(threshold)
    groups = np.asarray(groups, dtype=np.int64)
    shown, imputed, hidden = margin_parts(values, t, weights)
    use = groups >= 0
    g = np.where(use, groups, 0)
    return margin_totals(
        np.bincount(g, weights=np.where(use, shown, 0.0), minlength=n_groups),
        np.bincount(g, weights=np.where(use, imputed, 0.0), minlength=n_groups),
        np.bincount(g, weights=np.where(use, hidden, 0.0), minlength=n_groups),
        t,
        base,
    )


def margin_parts(values, threshold: int | None = None, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return what each part adds to its group's sums under the margin rule: ``(shown, imputed, hidden)``.

    ``shown`` is the part's weighted count when it is not small, ``imputed`` :func:`suppressed_as` times its
    weight when it is, ``hidden`` 1.0 for a small part (0.0 otherwise); a part with no positive weight adds
    nothing. Summed by group, they give :func:`margin_totals` its inputs: the split lets a caller that groups
    the same parts many times (a plan after every edit) work the parts out once.

    Examples
    --------
    >>> [a.tolist() for a in margin_parts([1200.0, 5.0, 0.0], threshold=7)]
    [[1200.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 1.0, 0.0]]
    """
    t = _threshold(threshold)
    values = np.nan_to_num(np.asarray(values, dtype=float))
    w = np.ones(len(values)) if weights is None else np.nan_to_num(np.asarray(weights, dtype=float))
    use = w > 0
    hidden = _small(values, t) & use
    shown = np.where(use & ~hidden, values * w, 0.0)
    return shown, np.where(hidden, suppressed_as(t) * w, 0.0), hidden.astype(float)


def margin_totals(
    shown, imputed, hidden, threshold: int | None = None, base: int = MARGIN_BASE
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(total, rounded_to)`` per group from the group sums of :func:`margin_parts` (see
    :func:`publish_sums`, which is this after a grouped sum).

    Examples
    --------
    >>> total, rounded_to = margin_totals([1200.0, 300.0, 0.0], [4.0, 0.0, 4.0], [1.0, 0.0, 1.0], threshold=7)
    >>> total.tolist(), rounded_to.tolist()
    ([1200.0, 300.0, nan], [10, 1, 10])
    """
    t = _threshold(threshold)
    shown, imputed = np.asarray(shown, dtype=float), np.asarray(imputed, dtype=float)
    imputed = shown + imputed
    k = np.asarray(hidden, dtype=float) > 0
    total = np.where(k, np.floor(imputed / base + 0.5) * base, shown)
    total[(k & (shown <= 0)) | (~k & _small(shown, t))] = np.nan
    return total, np.where(k, base, 1)


def publish_weighted(
    parts: pd.DataFrame, weights: pd.DataFrame, threshold: int | None = None, base: int = MARGIN_BASE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Publish, for every area and column, the weighted sum of the parts by the margin rule.

    ``parts`` holds the true counts (rows: parts, e.g. practices; columns: figures, e.g. QOF registers) and
    ``weights`` the share of each part counted in each area (rows: areas; columns: parts; 1 for a whole
    practice, a fraction for an estimate). Each published cell depends only on the parts' own counts (small
    ones as 4) and the weights, never on a small count's true value. Returns ``(total, rounded_to)``.

    Examples
    --------
    >>> parts = pd.DataFrame({"DEM": [6.0, 120.0, 40.0]}, index=["P1", "P2", "P3"])
    >>> weights = pd.DataFrame([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], index=["A", "B"], columns=parts.index)
    >>> total, rounded_to = publish_weighted(parts, weights, threshold=7)
    >>> total.DEM.tolist(), rounded_to.DEM.tolist()  # 120 + 4 -> 120, whatever P1's true 1..7
    ([120.0, 40.0], [10, 1])
    """
    t = _threshold(threshold)
    w = weights.reindex(columns=parts.index, fill_value=0.0).fillna(0.0).to_numpy(dtype=float)
    values = np.nan_to_num(parts.to_numpy(dtype=float))
    hidden = _small(values, t)
    used = (w > 0).astype(float)
    shown = w @ np.where(hidden, 0.0, values)
    imputed = shown + w @ (hidden * suppressed_as(t))
    k = (used @ hidden.astype(float)) > 0
    total = np.where(k, np.floor(imputed / base + 0.5) * base, shown)
    total[(k & (shown <= 0)) | (~k & _small(shown, t))] = np.nan
    frame = lambda a: pd.DataFrame(a, index=weights.index, columns=parts.columns)  # noqa: E731
    return frame(total), frame(np.where(k, base, 1))


def publish_totals(counts: pd.Series, keys=None, threshold: int | None = None, base: int = MARGIN_BASE) -> pd.DataFrame:
    """Return the publishable total of the parts in each group (see the module docstring: margins).

    Parameters
    ----------
    counts
        The true count of every part (e.g. attendances per LSOA, or a practice's list).
    keys
        Group of each part (a Series aligned with ``counts``); ``None`` for one total of everything.
    threshold, base
        Suppression threshold and the rounding base of totals with suppressed parts.

    Returns
    -------
    DataFrame
        Per group: ``total`` (NaN when suppressed), ``rounded_to`` (1 when exact, else ``base``) and
        ``suppressed_parts``.

    Examples
    --------
    >>> counts = pd.Series([120.0, 5.0, 40.0, 3.0, 0.0])
    >>> publish_totals(counts, pd.Series(["A", "A", "B", "C", "C"]), threshold=7).to_dict("list")
    {'total': [120.0, 40.0, nan], 'rounded_to': [10, 1, 10], 'suppressed_parts': [1, 0, 1]}
    >>> [float(publish_totals(pd.Series([121.0, c]), threshold=7).total.iloc[0]) for c in (1, 7)]  # 121 + 4
    [130.0, 130.0]
    """
    t = _threshold(threshold)
    values = pd.to_numeric(counts, errors="coerce").astype(float).fillna(0.0)
    keys = pd.Series("all", index=values.index) if keys is None else pd.Series(keys, index=values.index)
    codes, uniques = pd.factorize(keys, sort=True)
    total, rounded_to = publish_sums(values.to_numpy(), codes, len(uniques), t, base)
    k = np.bincount(
        codes[codes >= 0], weights=_small(values.to_numpy(), t)[codes >= 0].astype(float), minlength=len(uniques)
    ).astype(int)
    return pd.DataFrame({"total": total, "rounded_to": rounded_to, "suppressed_parts": k}, index=pd.Index(uniques))


def place_totals(values, places, threshold: int | None = None) -> pd.Series:
    """Return each place's total of its parts as published (:func:`publish_totals`), in place-code order.

    The total a counted plan's ideal size is made of (:mod:`geo.propose.counts`): it leaves the process in the
    plan's provenance (API answers) and files (``place_ideal``), so it is the published total, exact when no
    part is 1 to 7, else the margin rule's rounded total; a place whose every part is small counts as
    :data:`MARGIN_BASE`. The exact total would give back a small practice's list beside the others' exact lists.

    Examples
    --------
    >>> place_totals([1200.0, 5.0, 300.0, 6.0], ["B", "B", "A", "C"], threshold=7).to_dict()
    {'A': 300.0, 'B': 1200.0, 'C': 10.0}
    """
    values = pd.Series(np.asarray(values, dtype=float))
    table = publish_totals(values, pd.Series(np.asarray(places).astype(str), index=values.index), threshold)
    return table["total"].fillna(float(MARGIN_BASE)).astype(float)
