"""Primary and secondary suppression, derived figures, and the output checker."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.disclosure import is_disclosive, suppress, suppress_frame
from geo.testing.disclosure import DisclosureError, assert_no_small_counts


@pytest.mark.parametrize(
    "value, small",
    [
        (0, False),
        (1, True),
        (7, True),
        (7.4, True),
        (7.6, False),
        (8, False),
        (0.3, True),
        (np.nan, False),
        ("n/a", False),
        (None, False),
    ],
)
def test_is_disclosive_uses_displayed_value(value, small):
    assert is_disclosive(value, 7) is small


def test_suppress_keeps_shape_and_zeros():
    s = pd.Series([0, 1, 7, 8, 250], index=list("abcde"))
    out = suppress(s, 7)
    assert list(out.index) == list("abcde")
    assert out.isna().tolist() == [False, True, True, False, False]
    assert suppress(np.array([[3, 9], [0, 12]]), 7).tolist()[0][0] != 3


def test_default_threshold_follows_setting(monkeypatch):
    from geo.settings import get_settings

    monkeypatch.setenv("NHP_SUPPRESSION_THRESHOLD", "10")
    get_settings.cache_clear()
    assert suppress([9, 11]) == [None, 11]


def test_secondary_suppression_protects_a_band_against_its_shown_total():
    table = pd.DataFrame({"band_a": [5, 100], "band_b": [40, 3], "band_c": [300, 200], "total": [345, 303]})
    out = suppress_frame(table, ["band_a", "band_b", "band_c"], 7, total_column="total")
    # row 0: 5 hidden, the next smallest (40) must go too; row 1: 3 hidden, 100 goes too
    assert out.loc[0, ["band_a", "band_b"]].isna().all() and out.loc[0, "band_c"] == 300
    assert out.loc[1, ["band_a", "band_b"]].isna().all() and out.loc[1, "band_c"] == 200
    # nothing recoverable: total - shown parts is never a single hidden count
    for i in out.index:
        assert out.loc[i, ["band_a", "band_b", "band_c"]].isna().sum() != 1


def test_two_small_cells_summing_to_a_small_number_get_a_third():
    table = pd.DataFrame({"a": [2], "b": [3], "c": [50], "d": [60], "total": [115]})
    out = suppress_frame(table, ["a", "b", "c", "d"], 7, total_column="total")
    assert out.loc[0, ["a", "b", "c"]].isna().all() and out.loc[0, "d"] == 60


def test_group_secondary_runs_down_a_column_with_a_published_total():
    table = pd.DataFrame({"hood": ["A", "A", "A", "B", "B"], "attendances": [4, 90, 120, 300, 310]})
    out = suppress_frame(table, ["attendances"], 7, group="hood")
    assert out.attendances.isna().tolist() == [True, True, False, False, False]


def test_derived_columns_go_with_their_count():
    table = pd.DataFrame({"attendances": [5, 50], "rate_per_1000": [3.3, 33.0], "ratio": [0.2, 1.1]})
    out = suppress_frame(
        table, ["attendances"], 7, secondary=False, derived={"rate_per_1000": "attendances", "ratio": "attendances"}
    )
    assert out.loc[0, ["attendances", "rate_per_1000", "ratio"]].isna().all()
    assert out.loc[1, "rate_per_1000"] == 33.0
    assert out.attrs["suppressed_cells"] == 1


def test_checker_finds_small_counts_in_every_shape(tmp_path):
    bad_frame = pd.DataFrame({"lsoa_code": ["E01000001"], "attendances": [4], "rate_per_1000": [2.0]})
    with pytest.raises(DisclosureError):
        assert_no_small_counts(bad_frame, 7)
    with pytest.raises(DisclosureError):
        assert_no_small_counts({"neighbourhoods": [{"name": "A", "patients": 6}]}, 7)
    with pytest.raises(DisclosureError):
        assert_no_small_counts(json.dumps({"features": [{"properties": {"attendances": 2}}]}), 7)
    with pytest.raises(DisclosureError):
        assert_no_small_counts("<table><tr><th>Attendances</th></tr><tr><td>5</td></tr></table>", 7)
    with pytest.raises(DisclosureError):
        assert_no_small_counts('<p>Seen: <span data-count="3">3</span></p>', 7)
    path = tmp_path / "x.xlsx"
    bad_frame.to_excel(path, index=False)
    with pytest.raises(DisclosureError):
        assert_no_small_counts(path, 7)


def test_checker_passes_rates_codes_and_large_counts():
    assert_no_small_counts(
        pd.DataFrame(
            {
                "attendances": [np.nan, 0, 8, 1200],
                "rate_per_1000": [1, 2, 3, 4],
                "imd_decile": [1, 2, 3, 4],
                "lsoa_code": ["E01000001"] * 4,
            }
        ),
        7,
    )
    assert_no_small_counts({"attendances": None, "ratio": 1.5, "gi_p": 0.001}, 7)
    assert_no_small_counts(
        "<table><tr><th>ratio</th><th>attendances</th></tr><tr><td>1.2</td><td></td></tr></table>", 7
    )
