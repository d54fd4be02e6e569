"""The same chain run by GerryChain (the peer it is checked and timed against): same graph, start, band, rule.

GerryChain is an optional dependency (the ``bench`` extra); this module imports it only when called. The graph is
the chain's: the atlas's LSOA contiguity graph with edges between nesting groups removed (so GerryChain, which
knows no nesting, reshapes within the same groups); populations are the plan's counted population; the proposal
is GerryChain's default ``recom`` with ``pop_target`` the target and ``epsilon`` the tolerance, accepted always,
with no other constraint (every ReCom proposal is contiguous and within the band).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from scipy import sparse

from geo.ensemble.start import nest_groups, start_plan


def gerrychain_chain(
    atlas,
    start=None,
    *,
    steps: int,
    seed: int,
    target=None,
    tolerance=None,
    population=None,
    nest: str = "lad",
    tree: str = "mst",
):
    """Return a GerryChain ``MarkovChain`` of ``steps`` ReCom steps equivalent to :func:`run_ensemble`'s, whose
    states carry ``cut_edges`` (the full graph's count is ``len(state["cut_edges"])`` plus the fixed number of
    edges between nesting groups, see :func:`cross_group_edges`). ``tree="uniform"`` binds GerryChain's
    ``uniform_spanning_tree`` (as ``run_ensemble(tree="uniform")``)."""

    import networkx as nx  # lazy: networkx only for checks against GerryChain
    from gerrychain import (
        Graph,
        MarkovChain,
        Partition,
    )  # lazy: gerrychain (and networkx) only for checks against the peer
    from gerrychain.accept import always_accept  # lazy: gerrychain (and networkx) only for checks against the peer
    from gerrychain.proposals import recom  # lazy: gerrychain (and networkx) only for checks against the peer
    from gerrychain.updaters import Tally, cut_edges  # lazy: gerrychain (and networkx) only for checks against the peer

    plan = start_plan(atlas, start, target=target, tolerance=tolerance, population=population, nest=nest, seed=seed)
    arrays = plan.arrays
    pop = arrays.values[:, arrays.column(plan.population_column)]
    label = np.asarray(plan.assignment.to_numpy(), dtype=object)
    group = nest_groups(atlas, _indices(plan), nest)
    rows, cols = _upper(atlas.adjacency)
    keep = group[rows] == group[cols]
    graph = nx.Graph()
    graph.add_nodes_from((i, {"population": float(pop[i])}) for i in range(len(label)))
    graph.add_edges_from(zip(rows[keep].tolist(), cols[keep].tolist()))
    partition = Partition(
        Graph.from_networkx(graph),
        {i: label[i] for i in range(len(label))},
        updaters={"population": Tally("population", alias="population"), "cut_edges": cut_edges},
    )
    proposal = partial(recom, pop_col="population", pop_target=float(plan.target), epsilon=float(plan.tolerance))
    if tree == "uniform":
        from gerrychain.tree import (
            bipartition_tree,
            uniform_spanning_tree,
        )  # lazy: gerrychain (and networkx) only for checks against the peer

        proposal = partial(
            proposal, bipartition_tree_fn=partial(bipartition_tree, spanning_tree_fn=uniform_spanning_tree)
        )
    return MarkovChain(proposal, [], always_accept, partition, total_steps=steps, rng=seed)


def cross_group_edges(atlas, start=None, *, nest: str = "lad", **params) -> int:
    """Edges between nesting groups: cut in every plan of the chain, and absent from GerryChain's graph."""
    plan = start_plan(atlas, start, nest=nest, **params)
    group = nest_groups(atlas, _indices(plan), nest)
    rows, cols = _upper(atlas.adjacency)
    return int(np.count_nonzero(group[rows] != group[cols]))


def _indices(plan) -> np.ndarray:

    return pd.factorize(plan.assignment.to_numpy(dtype=object))[0].astype(np.int64)


def _upper(adjacency) -> tuple[np.ndarray, np.ndarray]:

    upper = sparse.triu(adjacency, k=1).tocoo()
    return upper.row.astype(np.int64), upper.col.astype(np.int64)
