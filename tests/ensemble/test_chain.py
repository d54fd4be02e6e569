"""The ReCom chain: every step's plan is contiguous, balanced and nested, its recorded scores equal a recount
through the project's metrics, and the same seed gives the same runs (byte for byte once written)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csgraph

from geo.ensemble import MAX_STEPS, SCORES, plan_scores, run_ensemble
from geo.ensemble.chain import snapshot_assignment
from geo.ensemble.io import read_runs, write_runs
from geo.errors import DataError, PlanError
from geo.plan import Plan
from tests.ensemble.conftest import block_start

TARGET, TOLERANCE = 12_000, 0.1
STEPS = 150


def pieces(atlas, label: np.ndarray) -> int:
    """Connected pieces of a plan: the graph with every edge between neighbourhoods removed."""
    adjacency = atlas.adjacency.tocoo()
    same = label[adjacency.row] == label[adjacency.col]
    kept = adjacency.copy()
    kept.data = same.astype(float)
    kept.eliminate_zeros()
    return csgraph.connected_components(kept, directed=False)[0]


@pytest.fixture(scope="module", params=["lad", "none"])
def chain(request, grid):
    ensemble = run_ensemble(
        grid,
        block_start(grid),
        steps=STEPS,
        seed=11,
        target=TARGET,
        tolerance=TOLERANCE,
        nest=request.param,
        keep=range(STEPS + 1),
    )
    return request.param, ensemble


def test_every_step_is_contiguous_balanced_and_nested(grid, chain):
    nest, ensemble = chain
    population = grid.lsoas.resident_population.to_numpy()
    lad = grid.lsoas.lad_code.to_numpy()
    changed = 0
    for step in range(1, STEPS + 1):
        label = ensemble.snapshots[step]
        changed += not np.array_equal(label, ensemble.snapshots[step - 1])
        assert len(np.unique(label)) == 6
        assert pieces(grid, label) == 6, f"step {step}: a neighbourhood is in more than one piece"
        totals = np.bincount(label, weights=population)
        assert np.all(np.abs(totals - TARGET) <= TOLERANCE * TARGET + 1e-9), f"step {step}: {totals}"
        if nest == "lad":
            spans = pd.Series(lad).groupby(label).nunique()
            assert (spans == 1).all(), f"step {step}: a neighbourhood crosses an authority"
    # A step that cut its pair may draw the same split again (as in GerryChain); most steps change the plan.
    assert STEPS // 2 < changed <= ensemble.runs.moved.sum()


def test_recorded_scores_equal_a_recount(grid, chain):
    _, ensemble = chain
    for step in range(0, STEPS + 1, 10):
        plan = Plan(grid, snapshot_assignment(grid, ensemble, step), target=TARGET, tolerance=TOLERANCE)
        recount = plan_scores(plan)
        recorded = ensemble.start if step == 0 else ensemble.runs.iloc[step - 1][list(SCORES)].to_dict()
        for name in SCORES:
            assert recorded[name] == pytest.approx(recount[name], rel=1e-9, abs=1e-9), (step, name)
    # The scores vary across the chain (a recount of a constant would prove little).
    assert ensemble.runs.cut_edges.nunique() > 3 and ensemble.runs.wards_split.nunique() > 2


def test_nesting_none_crosses_authorities_and_lad_never_does(chain):
    nest, ensemble = chain
    if nest == "lad":
        assert (ensemble.runs.la_crossings == 0).all()
    else:
        assert ensemble.runs.la_crossings.max() > 0


def test_same_seed_same_bytes_other_seed_other_runs(grid, tmp_path):
    def runs(seed, name):
        ensemble = run_ensemble(
            grid, block_start(grid), steps=300, seed=seed, target=TARGET, tolerance=TOLERANCE, nest="none"
        )
        return write_runs(ensemble, tmp_path / name).read_bytes(), ensemble

    first, a = runs(5, "a.parquet")
    again, b = runs(5, "b.parquet")
    other, c = runs(6, "c.parquet")
    assert first == again and a.runs.equals(b.runs)
    assert first != other and not a.runs[list(SCORES)].equals(c.runs[list(SCORES)])
    back, metadata = read_runs(tmp_path / "a.parquet")
    assert back.equals(a.runs) and metadata["seed"] == 5 and metadata["start_scores"] == a.start


def test_chunking_does_not_change_the_runs(grid):
    # Snapshots split the compiled loop into many calls; the draws must continue exactly where they stopped.
    plain = run_ensemble(grid, block_start(grid), steps=200, seed=2, target=TARGET, tolerance=TOLERANCE, nest="none")
    split = run_ensemble(
        grid,
        block_start(grid),
        steps=200,
        seed=2,
        target=TARGET,
        tolerance=TOLERANCE,
        nest="none",
        keep=range(0, 201, 7),
    )
    assert plain.runs.equals(split.runs)


def test_a_neighbourhood_no_partner_can_rebalance_is_kept(grid):
    # Authority 0 is one neighbourhood of 36,000 people, far outside the band: no pair with it can be cut into
    # two within the band, so it is never drawn, while authority 1 is reshaped as usual.
    start = block_start(grid).where(grid.lsoas.lad_code.to_numpy() != grid.lsoas.lad_code.iloc[0], "Big")
    ensemble = run_ensemble(grid, start, steps=100, seed=4, target=TARGET, tolerance=TOLERANCE, nest="none", keep=[100])
    big = ensemble.names.index("Big")
    assert not ((ensemble.runs.pair_a == big) | (ensemble.runs.pair_b == big)).any()
    assert (ensemble.snapshots[100] == big).sum() == 24 and ensemble.runs.moved.all()
    assert (ensemble.runs.max_abs_deviation_pct == 100 * (36_000 - TARGET) / TARGET).all()


def test_a_pair_that_cannot_be_cut_is_bounded():
    # Joint population 7,000 fits two neighbourhoods of 3,500 ± 10 %, but no cut of the path 1,000-5,000-1,000 does.
    from geo.testing import grid_atlas

    path = grid_atlas(3, 1, population=np.array([1000, 5000, 1000]))
    start = pd.Series(["A", "A", "B"], index=path.codes)
    stuck = run_ensemble(path, start, steps=5, seed=1, target=3500, tolerance=0.1, nest="none", max_trees=3)
    assert (stuck.runs.moved == 0).all() and (stuck.runs.trees == 3).all()
    with pytest.raises(PlanError, match="budget of spanning-tree work"):
        run_ensemble(path, start, steps=5, seed=1, target=3500, tolerance=0.1, nest="none", max_work=1_000)


@pytest.mark.parametrize("steps", [0, -1, MAX_STEPS + 1, 2.5, True])
def test_bad_step_counts_are_refused(grid, steps):
    with pytest.raises(PlanError, match="steps"):
        run_ensemble(grid, block_start(grid), steps=steps, seed=1, target=TARGET, tolerance=TOLERANCE)


def test_a_start_in_pieces_is_refused_naming_the_neighbourhood(grid):
    start = block_start(grid)
    start.iloc[0] = "N12"  # the bottom-left cell given to the top-right neighbourhood
    with pytest.raises(PlanError, match="N12"):
        run_ensemble(grid, start, steps=5, seed=1, target=TARGET, tolerance=0.5, nest="none")


def test_a_plan_of_whole_practices_is_refused(grid):
    plan = Plan.from_practices(grid, dict(zip(grid.practices.index, "AB" * len(grid.practices))), target=TARGET)
    with pytest.raises(PlanError, match="whole practices"):
        run_ensemble(grid, plan, steps=5, seed=1)


def test_a_file_that_is_not_runs_is_refused(tmp_path):
    bad = tmp_path / "runs.parquet"
    bad.write_text("lsoa_code,neighbourhood\n")
    with pytest.raises(DataError, match="not a Parquet file"):
        read_runs(bad)
    pd.DataFrame({"step": [1]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(DataError, match="no nhp.ensemble metadata"):
        read_runs(tmp_path / "plain.parquet")
