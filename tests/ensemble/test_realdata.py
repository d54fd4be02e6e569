"""The chain on QK1 (the official files): nested in authorities, contiguous, and every recorded score equal to a
recount through the project's metrics on real registrations, wards and authorities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csgraph

from geo.ensemble import SCORES, plan_scores, run_ensemble
from geo.ensemble.chain import snapshot_assignment
from geo.plan import Plan

STEPS = 400


@pytest.mark.realdata
def test_qk1_chain_is_nested_contiguous_and_its_scores_recount(data_dir):
    from geo.atlas import load_atlas

    atlas = load_atlas("QK1", data_dir=data_dir)
    kept = list(range(0, STEPS + 1, 50))
    ensemble = run_ensemble(atlas, None, steps=STEPS, seed=3, nest="lad", keep=kept)
    runs = ensemble.runs
    assert runs.moved.sum() > STEPS * 0.9 and (runs.la_crossings == 0).all()
    adjacency = atlas.adjacency.tocoo()
    lad = atlas.lsoas.lad_code.to_numpy()
    population = atlas.lsoas.resident_population.to_numpy(dtype=float)
    start = ensemble.snapshots[0]
    start_totals = np.bincount(start, weights=population)
    target, tolerance = ensemble.metadata["target"], ensemble.metadata["tolerance"]
    for step in kept[1:]:
        label = ensemble.snapshots[step]
        same = label[adjacency.row] == label[adjacency.col]
        kept_graph = adjacency.copy()
        kept_graph.data = same.astype(float)
        kept_graph.eliminate_zeros()
        assert csgraph.connected_components(kept_graph, directed=False)[0] == len(ensemble.names)
        assert (pd.Series(lad).groupby(label).nunique() == 1).all()
        totals = np.bincount(label, weights=population, minlength=len(ensemble.names))
        # Within the band, or a start neighbourhood the chain could not rebalance (a constrained authority).
        inside = np.abs(totals - target) <= tolerance * target + 1e-6
        assert np.all(inside | (totals == start_totals)), step
        recount = plan_scores(
            Plan(atlas, snapshot_assignment(atlas, ensemble, step), target=target, tolerance=tolerance)
        )
        recorded = runs.iloc[step - 1][list(SCORES)].to_dict()
        for name in SCORES:
            assert recorded[name] == pytest.approx(recount[name], rel=1e-9, abs=1e-9), (step, name)
    # Alignment is recorded as published, a whole percent: it moves, in steps of 1 (6 values over QK1's 400).
    assert runs.wards_split.nunique() > 3 and runs.alignment_pct.nunique() > 2
