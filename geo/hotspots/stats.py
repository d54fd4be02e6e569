"""Rates, exact Poisson confidence intervals, indirectly standardised ratios and funnel-plot limits.

These are the public-health statistics of the Fingertips / PHE "Technical Guide" family:

- crude rates per 1,000 with exact (Garwood) Poisson intervals from the chi-squared distribution;
- indirectly age-standardised ratios (observed / expected), the standard being the study area's own age-specific
  rates, with the exact Poisson interval of the observed count divided by the expected count;
- funnel-plot control limits at 95 % and 99.8 % around the study-area value, from exact Poisson quantiles
  interpolated between integers (Spiegelhalter 2005) so the funnel is smooth (the overdispersion adjustment is in
  :mod:`geo.hotspots.funnel`).

Everything is vectorised over LSOAs or neighbourhoods; nothing here suppresses counts (see ``geo.disclosure``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

FUNNEL_LEVELS = (0.95, 0.998)


def poisson_ci(observed, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Return the exact (Garwood) two-sided Poisson interval for observed counts.

    The lower limit is ``chi2.ppf(alpha/2, 2k) / 2`` (0 when k = 0) and the upper ``chi2.ppf(1-alpha/2, 2k+2) / 2``.

    Examples
    --------
    >>> lo, hi = poisson_ci(10)
    >>> round(float(lo), 3), round(float(hi), 2)
    (4.795, 18.39)
    >>> [round(float(v), 3) for v in poisson_ci(0)]
    [0.0, 3.689]
    """
    k = np.asarray(observed, dtype=float)
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    lower = np.where(np.isnan(k), np.nan, lower)
    return lower, upper


def rate_per_1000(observed, population, alpha: float = 0.05) -> pd.DataFrame:
    """Return crude rates per 1,000 residents with exact Poisson intervals.

    Columns ``rate_per_1000, rate_lci, rate_uci``; a population of 0 gives missing values, not infinities.

    Examples
    --------
    >>> rate_per_1000([10], [2000]).round(2).to_dict("records")
    [{'rate_per_1000': 5.0, 'rate_lci': 2.4, 'rate_uci': 9.2}]
    """
    # A rate per 1,000 is a ratio of the observed count to population / 1,000: one exact interval for both.
    per_thousand = np.asarray(population, dtype=float) / 1000.0
    ratios = ratio_ci(observed, per_thousand, alpha)
    return ratios.rename(columns={"ratio": "rate_per_1000", "ratio_lci": "rate_lci", "ratio_uci": "rate_uci"})


def standard_rates(counts_by_age: pd.DataFrame, population_by_age: pd.DataFrame) -> pd.Series:
    """Return the age-specific rates of the whole table (the standard for indirect standardisation).

    Examples
    --------
    >>> counts = pd.DataFrame({"young": [10, 30], "old": [20, 20]})
    >>> pops = pd.DataFrame({"young": [1000, 1000], "old": [500, 500]})
    >>> standard_rates(counts, pops).to_dict()
    {'young': 0.02, 'old': 0.04}
    """
    bands = list(counts_by_age.columns)
    return counts_by_age[bands].sum() / population_by_age[bands].sum()


def expected_counts(population_by_age: pd.DataFrame, rates: pd.Series) -> pd.Series:
    """Return the counts each row would have at the standard age-specific ``rates``.

    Examples
    --------
    >>> expected_counts(pd.DataFrame({"young": [1000], "old": [500]}), pd.Series({"young": 0.02, "old": 0.04}))
    0    40.0
    dtype: float64
    """
    return population_by_age[list(rates.index)].astype(float) @ rates.astype(float)


def ratio_ci(observed, expected, alpha: float = 0.05) -> pd.DataFrame:
    """Return observed/expected ratios with exact Poisson intervals (interval of the observed count / expected).

    Examples
    --------
    >>> ratio_ci([10], [8]).round(3).to_dict("records")
    [{'ratio': 1.25, 'ratio_lci': 0.599, 'ratio_uci': 2.299}]
    """
    k = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    lower, upper = poisson_ci(k, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(e > 0, 1.0 / e, np.nan)
    index = observed.index if isinstance(observed, pd.Series) else None
    return pd.DataFrame({"ratio": k * scale, "ratio_lci": lower * scale, "ratio_uci": upper * scale}, index=index)


def _poisson_limit(expected: np.ndarray, p: float) -> np.ndarray:
    """Smooth exact-Poisson quantile of a count with mean ``expected`` (Spiegelhalter 2005, interpolated)."""
    r = stats.poisson.ppf(p, expected)
    f_r = stats.poisson.cdf(r, expected)
    f_below = stats.poisson.cdf(r - 1, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
    return np.clip(r - step, 0, None)


def funnel_limits(expected, levels=FUNNEL_LEVELS) -> pd.DataFrame:
    """Return funnel-plot control limits of the observed/expected ratio for each expected count.

    For a unit whose true ratio equals the study area's (1 by construction of the expected counts), the observed
    count is Poisson with mean ``expected``; the limits are its exact quantiles divided by ``expected``. Columns
    ``lower_95, upper_95, lower_998, upper_998`` (named from ``levels``).

    Examples
    --------
    >>> limits = funnel_limits([100.0])
    >>> round(float(limits.lower_95[0]), 2), round(float(limits.upper_95[0]), 2)
    (0.8, 1.2)
    """
    e = np.asarray(expected, dtype=float)
    out = {}
    for level in levels:
        name = f"{level * 100:g}".replace(".", "")
        tail = (1 - level) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"lower_{name}"] = np.where(e > 0, _poisson_limit(e, tail) / e, np.nan)
            out[f"upper_{name}"] = np.where(e > 0, _poisson_limit(e, 1 - tail) / e, np.nan)
    index = expected.index if isinstance(expected, pd.Series) else None
    return pd.DataFrame(out, index=index)


def funnel_flag(observed, expected, levels=FUNNEL_LEVELS) -> pd.Series:
    """Return where each unit falls on the funnel plot: ``above 99.8%``, ``above 95%``, ``within``, ``below ...``.

    Examples
    --------
    >>> funnel_flag([100, 130, 160, 60], [100, 100, 100, 100]).tolist()
    ['within', 'above 95%', 'above 99.8%', 'below 99.8%']
    """
    k = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    limits = funnel_limits(e, levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(e > 0, k / e, np.nan)
    flag = np.full(len(k), "within", dtype=object)
    for level in sorted(levels):  # wider limits last so they win
        name = f"{level * 100:g}".replace(".", "")
        label = f"{level * 100:g}%"
        flag[ratio > limits[f"upper_{name}"].to_numpy()] = f"above {label}"
        flag[ratio < limits[f"lower_{name}"].to_numpy()] = f"below {label}"
    flag[np.isnan(ratio)] = ""
    index = observed.index if isinstance(observed, pd.Series) else None
    return pd.Series(flag, index=index, name="funnel")


def area_statistics(
    observed: pd.Series,
    population: pd.Series,
    observed_by_age: pd.DataFrame | None = None,
    population_by_age: pd.DataFrame | None = None,
    alpha: float = 0.05,
    standard_rows=None,
) -> pd.DataFrame:
    """Return rates, expected counts and ratios against the whole table for each row.

    With counts and populations by age band the ratio is indirectly age-standardised (the standard is the whole
    table's age-specific rates); without, ``expected`` is population × the overall crude rate and the ratio is a
    crude relative rate. ``DataFrame.attrs["standardised"]`` says which. ``standard_rows`` (a boolean mask) limits
    the rows the standard is computed from: :func:`geo.hotspots.find_hotspots` leaves out suppressed counts, so
    that no published figure depends on them.

    Examples
    --------
    >>> out = area_statistics(pd.Series([30, 10]), pd.Series([1000, 1000]))
    >>> out[["attendances", "expected", "ratio"]].to_dict("list")
    {'attendances': [30.0, 10.0], 'expected': [20.0, 20.0], 'ratio': [1.5, 0.5]}
    """
    observed = observed.astype(float)
    population = population.reindex(observed.index).astype(float)
    rows = np.ones(len(observed), bool) if standard_rows is None else np.asarray(standard_rows, bool)
    out = pd.DataFrame({"attendances": observed, "population": population})
    out = out.join(rate_per_1000(observed, population, alpha))
    standardised = observed_by_age is not None and population_by_age is not None
    if standardised:
        bands = list(observed_by_age.columns)
        pop_age = population_by_age.reindex(observed.index)[bands]
        rates = standard_rates(observed_by_age.reindex(observed.index)[rows], pop_age[rows])
        expected = expected_counts(pop_age, rates)
    else:
        pop_sum = population[rows].sum()
        crude = observed[rows].sum() / pop_sum if pop_sum > 0 else np.nan
        expected = population * crude
    out["expected"] = expected.astype(float)
    out = out.join(ratio_ci(observed, out["expected"], alpha))
    out.attrs["standardised"] = bool(standardised)
    return out
