"""Primary suppression: which counts are small (would show as 1..threshold) and replacing them by missing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.settings import get_settings


def _threshold(threshold: int | None) -> int:
    if threshold is not None:
        return int(threshold)
    return int(get_settings().suppression_threshold)


def _small(values: np.ndarray, threshold: int) -> np.ndarray:
    # Fractional counts round on display, so 7.4 would show as 7: suppress below threshold + 0.5.
    with np.errstate(invalid="ignore"):
        return (values > 0) & (values < threshold + 0.5)


def is_disclosive(value, threshold: int | None = None) -> bool:
    """Return True when ``value`` is a count that would show as 1..threshold.

    Examples
    --------
    >>> is_disclosive(3, 7), is_disclosive(0, 7), is_disclosive(8, 7), is_disclosive(None, 7)
    (True, False, False, False)
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    # _small's rule on one number, without building an array (publish_share asks three times per figure).
    return 0 < number < _threshold(threshold) + 0.5


def suppress(values, threshold: int | None = None):
    """Return ``values`` with counts 1..threshold replaced by missing, keeping the shape and index.

    Scalars give ``None`` when suppressed; lists keep ``None``; arrays, Series and DataFrames give ``NaN`` (an
    empty cell in CSV).

    Examples
    --------
    >>> suppress(pd.Series([0, 3, 8, 120])).tolist()
    [0.0, nan, 8.0, 120.0]
    >>> suppress([5, 10], threshold=7)
    [None, 10]
    """
    t = _threshold(threshold)
    if isinstance(values, pd.DataFrame):
        return values.apply(lambda col: suppress(col, t))
    if isinstance(values, pd.Series):
        numeric = pd.to_numeric(values, errors="coerce").astype(float)
        return numeric.mask(_small(numeric.to_numpy(), t))
    if isinstance(values, np.ndarray):
        out = values.astype(float)
        out[_small(out, t)] = np.nan
        return out
    if isinstance(values, (list, tuple)):
        return type(values)(None if is_disclosive(v, t) else v for v in values)
    return None if is_disclosive(values, t) else values
