"""The chain against GerryChain's ReCom on the same graph, start plan, band and acceptance rule (every valid
ReCom proposal accepted): the same distribution of cut edges, within sampling error.

The graph is a 6 x 6 grid of 1,500 people per cell (queen contiguity, as the atlas builds it), four districts of
9 cells from the four quadrants, target 13,500, epsilon 0.1 (so every district has exactly 9 cells).

Two checks, each with a false-alarm rate of about 1 in 1,000 for correct implementations (seeds are fixed, so the
test itself is deterministic):

1. **The proposal** (independent draws, so an exact test applies): the number of cut edges after one step from
   the start, 600 GerryChain draws against 6,000 of ours, compared by a chi-square test of homogeneity on the
   contingency table (values seen fewer than 10 times in all pooled into one bin), rejected at p < 0.001. The
   same test tells our proposal with epsilon 0.3 from GerryChain's with 0.1 (p far below 0.001), so it can fail.
   The same check with uniform spanning trees (Wilson's algorithm against GerryChain's ``uniform_spanning_tree``,
   400 draws).
2. **The chain** (autocorrelated: lag-1 autocorrelation of cut edges is about 0.85 on this grid): the mean of cut
   edges over 800 GerryChain steps and 20,000 of ours, each with its standard error from 20 batch means (batches
   of 40 and 1,000 steps, longer than the autocorrelation time, about 10 steps), must differ by less than 4
   combined standard errors (|t| > 4 with 19 degrees of freedom has probability under 0.001).
"""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest
from scipy import stats

from geo.ensemble import run_ensemble
from geo.ensemble.chain import one_step_scores
from geo.testing import grid_atlas

gerrychain = pytest.importorskip("gerrychain")
pytestmark = pytest.mark.slow

TARGET = 13_500
ALPHA = 0.001


@pytest.fixture(scope="module")
def setup():
    atlas = grid_atlas(6, 6)
    start = {c: f"N{(i % 6) // 3 + 2 * ((i // 6) // 3)}" for i, c in enumerate(atlas.codes)}
    return atlas, start


def homogeneity_p(first: np.ndarray, second: np.ndarray) -> float:
    """p-value of a chi-square test that two samples of whole numbers come from one distribution."""
    values, counts = np.unique(np.concatenate([first, second]), return_counts=True)
    common = values[counts >= 10]
    table = np.array(
        [
            [np.count_nonzero(sample == v) for v in common] + [np.count_nonzero(~np.isin(sample, common))]
            for sample in (first, second)
        ]
    )
    table = table[:, table.sum(axis=0) > 0]
    return float(stats.chi2_contingency(table).pvalue)


def batch_mean(values: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Mean and its standard error from ``batches`` batch means (robust to autocorrelation shorter than a batch)."""
    means = values[: len(values) // batches * batches].reshape(batches, -1).mean(axis=1)
    return float(means.mean()), float(means.std(ddof=1) / np.sqrt(batches))


def test_one_recom_step_gives_the_same_cut_edges_as_gerrychain(setup):
    from gerrychain.proposals import recom

    from geo.ensemble.peer import gerrychain_chain

    atlas, start = setup
    partition = gerrychain_chain(atlas, start, steps=1, seed=1, target=TARGET, tolerance=0.1, nest="none").state
    rng = random.Random(2)
    theirs = np.array(
        [
            len(recom(partition, pop_col="population", pop_target=TARGET, epsilon=0.1, rng=rng)["cut_edges"])
            for _ in range(600)
        ]
    )
    ours = one_step_scores(
        atlas, start, samples=6000, seed=2, target=TARGET, tolerance=0.1, nest="none"
    ).cut_edges.to_numpy()
    assert homogeneity_p(theirs, ours) > ALPHA
    looser = one_step_scores(
        atlas, start, samples=6000, seed=2, target=TARGET, tolerance=0.3, nest="none"
    ).cut_edges.to_numpy()
    assert homogeneity_p(theirs, looser) < ALPHA  # the test sees a different proposal


def test_one_step_with_uniform_trees_matches_gerrychains_uniform_spanning_tree(setup):
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree, uniform_spanning_tree

    from geo.ensemble.peer import gerrychain_chain

    atlas, start = setup
    partition = gerrychain_chain(atlas, start, steps=1, seed=1, target=TARGET, tolerance=0.1, nest="none").state
    rng = random.Random(4)
    split = partial(bipartition_tree, spanning_tree_fn=uniform_spanning_tree)
    theirs = np.array(
        [
            len(
                recom(
                    partition, pop_col="population", pop_target=TARGET, epsilon=0.1, rng=rng, bipartition_tree_fn=split
                )["cut_edges"]
            )
            for _ in range(400)
        ]
    )
    ours = one_step_scores(
        atlas, start, samples=6000, seed=4, target=TARGET, tolerance=0.1, nest="none", tree="uniform"
    ).cut_edges.to_numpy()
    assert homogeneity_p(theirs, ours) > ALPHA


def test_the_chain_gives_the_same_mean_cut_edges_as_gerrychain(setup):
    from geo.ensemble.peer import gerrychain_chain

    atlas, start = setup
    chain = gerrychain_chain(atlas, start, steps=801, seed=3, target=TARGET, tolerance=0.1, nest="none")
    theirs = np.array([len(state["cut_edges"]) for state in chain])[1:]  # the chain yields its start first
    ours = run_ensemble(
        atlas, start, steps=20_000, seed=3, target=TARGET, tolerance=0.1, nest="none"
    ).runs.cut_edges.to_numpy()
    (m1, se1), (m2, se2) = batch_mean(theirs), batch_mean(ours)
    assert abs(m1 - m2) < 4 * np.hypot(se1, se2), (m1, se1, m2, se2)
