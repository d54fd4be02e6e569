"""Funnel-plot flags for observed counts, with Spiegelhalter's random-effects adjustment for overdispersion.

Only observed counts (a local extract) get a funnel: a modelled layer has no sampling error, so a funnel around it
would call most LSOAs "outliers" for no reason (see :mod:`geo.hotspots.analysis`).

Method (Spiegelhalter 2005, "Handling over-dispersion of performance indicators", BMJ Qual Saf 14:347)
    Each unit's observed count ``O`` is compared with its expected count ``E`` on the square-root scale, where a
    Poisson count has an almost constant variance: ``z = 2 (sqrt(O) - sqrt(E))``. The z scores are winsorised at
    their 10th and 90th percentiles (so true outliers do not inflate the estimate) and the dispersion is
    ``phi = mean(z_w^2)``. The data are *overdispersed* when ``n phi`` exceeds the 95th percentile of chi-squared
    on ``n - 1`` degrees of freedom; then the between-unit variance is
    ``tau^2 = (n phi - (n - 1)) / (sum w - sum w^2 / sum w)`` with ``w = 1 / s^2 = 4 E`` and the limits are
    ``(1 +- z_level * sqrt(1 / (4 E) + tau^2))^2`` on the ratio scale. Otherwise the exact Poisson limits of
    :func:`geo.hotspots.stats.funnel_limits` are used and ``tau^2 = 0``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> e = np.full(200, 400.0)
>>> d = dispersion(rng.poisson(e * rng.lognormal(0, 0.2, 200)), e)
>>> d["overdispersed"], bool(d["phi"] > 5), bool(0.002 < d["tau2"] < 0.02)
(True, True, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from geo.hotspots.stats import FUNNEL_LEVELS, funnel_limits

MIN_UNITS = 10  # fewer units than this cannot estimate a between-unit variance


def dispersion(observed, expected, *, winsor: float = 0.10, level: float = 0.95) -> dict:
    """Return the overdispersion of observed counts about expected ones (Spiegelhalter 2005).

    Keys ``units, phi, tau2, overdispersed, method``; units with ``E <= 0`` or a missing count are left out.

    Examples
    --------
    >>> dispersion([100, 102, 98, 101, 99, 100, 97, 103, 100, 100], [100.0] * 10)["overdispersed"]
    False
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    keep = np.isfinite(o) & np.isfinite(e) & (e > 0)
    o, e = o[keep], e[keep]
    n = len(o)
    if n < MIN_UNITS:
        return {
            "units": n,
            "phi": None,
            "tau2": 0.0,
            "overdispersed": False,
            "method": f"exact Poisson limits (fewer than {MIN_UNITS} units: no dispersion estimate)",
        }
    z = 2.0 * (np.sqrt(o) - np.sqrt(e))
    low, high = np.quantile(z, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    overdispersed = bool(n * phi > stats.chi2.ppf(level, n - 1))
    tau2 = 0.0
    if overdispersed:
        w = 4.0 * e
        tau2 = max(0.0, float((n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum())))
    method = (
        "random-effects limits (Spiegelhalter 2005, square-root scale, 10% winsorised)"
        if overdispersed
        else "exact Poisson limits (no significant overdispersion)"
    )
    return {"units": n, "phi": round(phi, 3), "tau2": round(tau2, 5), "overdispersed": overdispersed, "method": method}


def funnel_flags(observed, expected, disp: dict | None = None, levels=FUNNEL_LEVELS) -> pd.Series:
    """Return ``above 99.8%``, ``above 95%``, ``within``, ``below 95%``, ``below 99.8%`` (``""`` without E).

    With ``disp`` from :func:`dispersion` saying overdispersed, the limits are the random-effects ones.

    Examples
    --------
    >>> funnel_flags([100, 125, 140, 70], [100.0] * 4).tolist()
    ['within', 'above 95%', 'above 99.8%', 'below 99.8%']
    >>> funnel_flags([100, 125, 140, 70], [100.0] * 4, {"overdispersed": True, "tau2": 0.002}).tolist()
    ['within', 'within', 'above 95%', 'below 95%']
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(e > 0, o / e, np.nan)
        if disp and disp.get("overdispersed"):
            sd = np.sqrt(1.0 / (4.0 * e) + float(disp["tau2"]))
            limits = {}
            for lv in levels:
                zq = stats.norm.ppf(1 - (1 - lv) / 2)
                limits[lv] = (np.clip(1 - zq * sd, 0, None) ** 2, (1 + zq * sd) ** 2)
        else:
            table = funnel_limits(e, levels)
            limits = {
                lv: (table[f"lower_{_name(lv)}"].to_numpy(), table[f"upper_{_name(lv)}"].to_numpy()) for lv in levels
            }
    flag = np.full(len(o), "within", dtype=object)
    for lv in sorted(levels):  # wider limits last so they win
        label = f"{lv * 100:g}%"
        flag[ratio > limits[lv][1]] = f"above {label}"
        flag[ratio < limits[lv][0]] = f"below {label}"
    flag[~np.isfinite(ratio)] = ""
    index = observed.index if isinstance(observed, pd.Series) else None
    return pd.Series(flag, index=index, name="funnel")


def _name(level: float) -> str:
    return f"{level * 100:g}".replace(".", "")
