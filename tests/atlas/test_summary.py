"""The per-LA summary counts what HWB papers quote."""

import numpy as np
import pytest

from geo.atlas.summary import QUINTILE_COLUMNS, atlas_summary
from geo.testing import grid_atlas


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
