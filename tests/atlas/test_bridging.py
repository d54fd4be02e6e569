"""Registrations move between LSOA vintages without losing or inventing patients."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.atlas.bridging import bridge_counts, bridge_pair_sums, crosswalk, factorize_ints, sum_pairs

#   2011         2021
#   A  (U) ----> A
#   B  (S) ----> B1 (300 people), B2 (100 people)
#   C, D (M) --> CD
LOOKUP = pd.DataFrame(
    {
        "lsoa11_code": ["A", "B", "B", "C", "D"],
        "lsoa21_code": ["A", "B1", "B2", "CD", "CD"],
        "change": ["U", "S", "S", "M", "M"],
    }
)
POP21 = pd.Series({"A": 1000, "B1": 300, "B2": 100, "CD": 2000})


def test_split_is_shared_by_population_and_merge_is_summed():
    weights = crosswalk(LOOKUP, source=2011, target=2021, target_population=POP21)
    counts = pd.DataFrame({"practice_code": "P1", "lsoa_code": ["A", "B", "C", "D"], "patients": [10, 40, 5, 6]})
    out, report = bridge_counts(counts, code_column="lsoa_code", value_columns=["patients"], weights=weights)
    by_lsoa = out.groupby("lsoa_code").patients.sum().to_dict()
    assert by_lsoa == {"A": 10.0, "B1": 30.0, "B2": 10.0, "CD": 11.0}
    assert (report.patients_direct, report.patients_split, report.patients_merged) == (10.0, 40.0, 11.0)


def test_unplaced_codes_are_reported_not_dropped_silently():
    weights = crosswalk(LOOKUP, source=2011, target=2021, target_population=POP21)
    counts = pd.DataFrame({"lsoa_code": ["A", "NO2011", "W01000001", "E01999999"], "patients": [10, 3, 4, 5]})
    out, report = bridge_counts(counts, code_column="lsoa_code", value_columns=["patients"], weights=weights)
    assert out.patients.sum() == 10
    assert report.patients_unplaced_no2011 == 3
    assert report.patients_unplaced_wales == 4
    assert report.patients_unplaced_other == 5
    assert report.patients_total == 22


def test_successors_without_population_share_equally():
    weights = crosswalk(LOOKUP, source=2011, target=2021, target_population=None)
    assert weights[weights.from_code == "B"].weight.tolist() == [0.5, 0.5]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(0, 5000)), min_size=1, max_size=12))
def test_bridging_conserves_every_placed_patient(rows):
    weights = crosswalk(LOOKUP, source=2011, target=2021, target_population=POP21)
    counts = pd.DataFrame(rows, columns=["lsoa_code", "patients"])
    out, report = bridge_counts(counts, code_column="lsoa_code", value_columns=["patients"], weights=weights)
    assert abs(out.patients.sum() - counts.patients.sum()) < 1e-6
    assert abs(report.patients_direct + report.patients_split + report.patients_merged - counts.patients.sum()) < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C", "D", "NO2011"]), st.sampled_from(["P1", "P2", "P3"]), st.integers(0, 99)
        ),
        min_size=1,
        max_size=15,
    ),
    st.permutations(range(5)),
)
def test_bridged_rows_come_out_as_a_pandas_merge_would(rows, order):
    # The join of rows to weights is done through integer positions for speed; pandas' inner merge is the
    # reference for which rows come out, with which weights, in which order.
    from geo.atlas.bridging import _join_weights

    weights = crosswalk(LOOKUP.iloc[list(order)], source=2011, target=2021, target_population=POP21)
    frame = pd.DataFrame(rows, columns=["lsoa_code", "practice_code", "patients"])
    known = frame[frame.lsoa_code.isin(weights.from_code)]
    expected = known.merge(weights, left_on="lsoa_code", right_on="from_code", how="inner")
    pd.testing.assert_frame_equal(_join_weights(known, "lsoa_code", weights), expected)


def test_code_lookups_agree_with_pandas_including_missing_codes():
    from geo.atlas.bridging import code_isin, code_map

    values = pd.Series(["E01000001", None, "W01000002", "E01000001", "NO2011"], dtype="str")
    universe = pd.Index(["E01000001", "NO2011"], dtype="str")
    assert code_isin(values, universe).tolist() == values.isin(universe).tolist()
    with_missing = pd.Series(["E01000001", None], dtype="str")
    assert code_isin(values, with_missing).tolist() == values.isin(with_missing).tolist()
    mapping = pd.Series({"E01000001": 3, "W01000002": 1})
    assert code_map(values, mapping).tolist() == pytest.approx(values.map(mapping).tolist(), nan_ok=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), max_size=60))
def test_factorize_ints_numbers_values_as_pandas_does(values):
    codes, uniques = factorize_ints(np.array(values, dtype=np.int64))
    expected_codes, expected_uniques = pd.factorize(np.array(values, dtype=np.int64))
    assert codes.tolist() == expected_codes.tolist() and uniques.tolist() == expected_uniques.tolist()


def test_bridge_pair_sums_equals_bridge_counts_then_sum_pairs():
    weights = crosswalk(LOOKUP, source=2011, target=2021, target_population=POP21)
    counts = pd.DataFrame(
        {
            "practice_code": ["P2", "P1", "P1", "P2", "P1", "P2", "P1"],
            "lsoa_code": ["C", "B", "D", "D", "C", "NO2011", "B"],
            "patients": [0.1, 40.0, 0.2, 0.3, 0.7, 3.0, 1e16],
        }
    )
    fast, fast_report = bridge_pair_sums(
        counts, key_column="practice_code", code_column="lsoa_code", value_column="patients", weights=weights
    )
    placed, report = bridge_counts(counts, code_column="lsoa_code", value_columns=["patients"], weights=weights)
    slow = sum_pairs(placed, "practice_code", "lsoa_code", "patients")
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast_report == report
