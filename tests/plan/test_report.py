"""The plan summary leaves the process: its shares of neighbourhoods in band are judged on published figures."""

from __future__ import annotations

from api.serialize import plan_metrics
from geo.testing.small_count_area import small_list_beside_big


def _in_band_shares(size: int) -> list[tuple]:
    """An attacker's summary shares in band with practice Y00001's list of ``size`` added to "Big": they read
    Big's exact list without it (published exact: no small part), then put each band's upper edge at 1 to 7
    people above it."""
    exact, with_it = small_list_beside_big(size)
    seen = []
    for k in range(1, 8):
        for field, edge in (("within_tolerance", 1.2), ("within_5_pct", 1.05), ("within_10_pct", 1.1)):
            summary = plan_metrics(with_it.with_params(target=(exact + k + 0.5) / edge, tolerance=0.2))["summary"]
            seen.append((k, field, summary[field]))
    return seen


def test_in_band_shares_give_back_no_small_list():
    """Within the tolerance, within 5 % and within 10 % were shares of the exact deviations, and flipped where
    the small list was; of the published ones they are the same whatever the list's true count."""
    assert _in_band_shares(1) == _in_band_shares(5) == _in_band_shares(7)
