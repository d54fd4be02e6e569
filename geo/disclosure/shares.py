"""Shares: a percentage is published as a whole percent, and not at all when its part, its complement or its
whole is a small count."""

from __future__ import annotations

import math

import numpy as np

from geo.disclosure.small import _small, _threshold, is_disclosive


def publish_share(part, whole, threshold: int | None = None):
    """Return ``100 * part / whole`` rounded to a whole percent, or None when it would reveal a small count.

    It goes when the part, the complement ``whole - part`` or the whole is 1..threshold.

    Examples
    --------
    >>> publish_share(30, 200), publish_share(3, 200), publish_share(197, 200), publish_share(0, 0)
    (15.0, None, None, None)
    """
    t = _threshold(threshold)
    part, whole = float(part), float(whole)
    if not whole or any(is_disclosive(v, t) for v in (part, whole - part, whole)) or math.isnan(part):
        return None
    return float(round(100.0 * part / whole))


def shareable(part, whole, threshold: int | None = None) -> np.ndarray:
    """Return True where :func:`publish_share` would publish ``part / whole`` (arrays): the whole is positive and
    neither the part, its complement nor the whole is 1..threshold.

    A figure made of such shares (a quantile of them, which is one share or between two) uses only these.

    Examples
    --------
    >>> shareable([3, 30, 197, 0], [5, 200, 200, 0]).tolist()
    [False, True, False, False]
    """
    t = _threshold(threshold)
    part, whole = np.asarray(part, dtype=float), np.asarray(whole, dtype=float)
    small = _small(part, t) | _small(whole - part, t) | _small(whole, t)
    return (whole > 0) & np.isfinite(part) & ~small
