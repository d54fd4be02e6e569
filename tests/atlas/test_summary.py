"""The per-LA summary counts what HWB papers quote."""

import numpy as np
import pandas as pd
import pytest

from geo.atlas.summary import (
    QUINTILE_COLUMNS,
    atlas_summary,
    closed_practices,
    practice_status,
    published_patients_in_area,
)
from geo.testing import grid_atlas
from geo.testing.small_count_area import small_count_atlas


def test_summary_counts_and_quintile_shares_by_hand():
    atlas = grid_atlas(4, 2, lad_width=2)
    layer = atlas.lsoas
    layer["imd_quintile"] = [1, 1, 5, 5, 2, 2, 3, 3]
    layer["registered_population"] = [100.0, 300.0, 50.0, 50.0, 200.0, 200.0, 25.0, 75.0]
    table = atlas_summary(atlas).set_index("lad_name")
    district0 = table.loc["Grid District 0"]  # cells 0, 1, 4, 5: q1 100+300, q2 200+200
    assert district0.lsoas == 4
    assert district0.registered_population == 800
    assert district0.imd_q1_pct == 50.0 and district0.imd_q2_pct == 50.0
    total = table.loc["Total"]
    assert total.registered_population == 1000
    assert total.imd_q1_pct == 40.0 and total.imd_q5_pct == 10.0 and total.imd_q3_pct == 10.0


def test_every_row_shares_sum_to_100():
    table = atlas_summary(grid_atlas(6, 6, lad_width=3))
    assert np.allclose(table[QUINTILE_COLUMNS].sum(axis=1), 100.0, atol=0.3)


def test_unknown_grouping_is_rejected():
    with pytest.raises(ValueError):
        atlas_summary(grid_atlas(2, 2), by="ward")


def _published_out(small: int):
    """The closed-practice and practice-status tables of a grid with two local authorities, where a closed
    practice had ``small`` residents in one authority and 800 in the other, and two practices out of the plan
    have lists of ``small`` and of a few thousand."""
    import dataclasses

    import pandas as pd

    atlas = grid_atlas(4, 2, lad_width=2)
    closed = pd.DataFrame(
        {
            "practice_code": ["C00001", "C00002", "C00002"],
            "practice_name": ["Closed 1", "Closed 2", "Closed 2"],
            "lsoa_code": ["G0000", "G0002", "G0003"],
            "patients": [float(small), 500.0, 300.0],
        }
    )
    practices = atlas.practices.copy()
    out = practices.index[:2]
    practices.loc[out, "in_area"] = False
    practices.loc[out[0], "list_size"] = small
    atlas = dataclasses.replace(atlas, practices=practices, closed_registrations=closed)
    shown = lambda table: table.astype(object).where(table.notna(), None).to_dict("list")  # noqa: E731 (NaN != NaN)
    return shown(closed_practices(atlas)), shown(practice_status(atlas))


def test_totals_of_closed_and_out_practices_give_back_no_small_count():
    """Each authority's residents at closed practices and the total were exact sums: the total (800 + a small
    count) less the other authority's 800 gave back the suppressed one, as QK1's 2,295 less Rutland's 16 and
    Leicestershire's 2,277 gave Leicester's 2; a status's patients less the lists shown beside it gave back a
    small list. Published as margins of their parts, the tables are the same whatever the small count."""
    assert _published_out(1) == _published_out(4) == _published_out(7)


@pytest.mark.parametrize("elsewhere", [1, 3, 7, 8, 40])
def test_patients_in_the_area_beside_the_public_list_never_give_back_a_few_living_elsewhere(elsewhere):
    """A review found the map's and API's patients in the area exact whenever no in-area cell was small, so the
    public list less it gave the 1 to 7 living outside the area (list 2,806, shown 2,803: 3 elsewhere)."""
    atlas = small_count_atlas()
    outside = pd.DataFrame(
        [("Z00000", "E99999999", float(elsewhere))], columns=["practice_code", "lsoa_code", "patients"]
    )
    atlas.registrations = pd.concat([atlas.registrations, outside], ignore_index=True)
    atlas.practices.loc["Z00000", "list_size"] += elsewhere
    listed, shown = atlas.practices.loc["Z00000", "list_size"], published_patients_in_area(atlas)["Z00000"]
    if elsewhere <= 7:  # rounded as a total with a small part: the difference is no count of people
        assert shown % 10 == 0 and abs(shown - (listed - elsewhere)) <= 5
    else:  # 8 or more elsewhere: the exact count may be shown
        assert shown == listed - elsewhere


@pytest.mark.parametrize("listed", [float("nan"), 2000.0, 2810.5])
def test_patients_in_the_area_are_rounded_when_the_list_tells_nothing_safe(listed):
    """The second review: an unknown list, a list below the count (another vintage's) or a fractional remainder
    (7.5 shown as 7 once the count is shown whole) left the count exact."""
    atlas = small_count_atlas()
    extra = pd.DataFrame([("Z00000", "E99999999", 0.5)], columns=["practice_code", "lsoa_code", "patients"])
    atlas.registrations = pd.concat([atlas.registrations, extra], ignore_index=True)
    atlas.registrations.loc[atlas.registrations.practice_code.eq("Z00000").idxmax(), "patients"] += 0.5
    atlas.practices.loc["Z00000", "list_size"] = listed
    assert published_patients_in_area(atlas)["Z00000"] % 10 == 0
