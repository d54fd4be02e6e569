"""Shares: a percentage is published as a whole percent, and not at all when its part, its complement or its
whole is a small count."""

from __future__ import annotations

import math

from geo.disclosure.small import _threshold, is_disclosive


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
