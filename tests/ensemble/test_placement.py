"""Placement: mid-rank percentiles, a plan measured against the ensemble's own parameters and refused on another
area, and a self-contained page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.ensemble import SCORES, run_ensemble
from geo.ensemble.placement import percentile, place, render_placement
from geo.errors import DataError
from geo.plan import Plan
from geo.testing import grid_atlas
from tests.ensemble.conftest import block_start


@pytest.fixture(scope="module")
def ensemble(grid):
    return run_ensemble(grid, block_start(grid), steps=400, seed=9, target=12_000, tolerance=0.1, nest="lad")


def test_percentile_counts_ties_half():
    values = np.array([1.0, 2.0, 2.0, 3.0, np.nan])
    assert [percentile(values, v) for v in (0.5, 1.0, 2.0, 2.5, 4.0)] == [0.0, 12.5, 50.0, 75.0, 100.0]
    assert np.isnan(percentile(values, np.nan))


def test_the_start_plan_is_placed_against_the_recorded_runs(grid, ensemble):
    # Measured with another target on purpose: placement re-measures it against the ensemble's 12,000.
    plan = Plan(grid, block_start(grid), target=50_000, name="blocks")
    placed = place(plan, ensemble.runs, ensemble.metadata)
    assert placed.scores == pytest.approx(ensemble.start)
    for name in SCORES:
        values = ensemble.runs[name].to_numpy()
        expected = (
            100 * ((values < placed.scores[name]).sum() + 0.5 * (values == placed.scores[name]).sum()) / len(values)
        )
        assert placed.percentiles[name] == pytest.approx(expected)
    # The blocks are perfectly balanced and as compact as a plan of 4 x 2 blocks gets.
    assert placed.percentiles["max_abs_deviation_pct"] < 10 and placed.percentiles["cut_edges"] < 10


def test_a_counted_plan_is_placed_measured_from_the_target_as_the_runs_are(grid, ensemble):
    # A plan made with a number per place (or read back from its file) carries its places' ideals; the chain
    # measures every step from the target, so the plan placed among the runs must be measured so too.
    from dataclasses import replace

    plain = Plan(grid, block_start(grid), target=50_000, name="blocks")
    ideals = {"ideal_sizes": {"X": {"ideal": 1.0, "neighbourhoods": 1}}, "nest": "lad"}
    counted = Plan(
        grid, block_start(grid), target=50_000, name="blocks", provenance=replace(plain.provenance, params=ideals)
    )
    assert counted["deviation_pct"] != plain["deviation_pct"]  # the ideals are read
    assert place(counted, ensemble.runs, ensemble.metadata).scores == pytest.approx(ensemble.start)


def test_a_plan_of_another_area_is_refused(ensemble):
    other = grid_atlas(8, 6)
    plan = Plan(other, pd.Series("A", index=other.codes), target=12_000)
    with pytest.raises(DataError, match="another area"):
        place(plan, ensemble.runs, ensemble.metadata)


def test_the_page_is_self_contained(grid, ensemble, tmp_path):
    placed = place(Plan(grid, block_start(grid), name="<b>blocks</b>"), ensemble.runs, ensemble.metadata)
    page = render_placement(placed, ensemble.runs, ensemble.metadata, tmp_path / "p.html").read_text()
    assert page.count("<svg") == len(SCORES) and "<script" not in page and "src=" not in page
    assert "<b>blocks" not in page and "&lt;b&gt;blocks" in page  # names are text, never markup
    with pytest.raises(DataError, match=".html or .png"):
        render_placement(placed, ensemble.runs, ensemble.metadata, tmp_path / "p.pdf")
