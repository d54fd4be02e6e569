"""The arrays a ReCom chain steps on (:class:`ChainState`): the LSOA graph within its nesting groups, the per-LSOA
values, the current plan and every tally the scores read, handed to the compiled steps
(:func:`geo.ensemble.kernels.chain_steps`), which update them in place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.ensemble.kernels import INFO, SCORES, chain_steps
from geo.ensemble.start import nest_groups
from geo.errors import PlanError

#: Default budget of spanning-tree work for a whole run (nodes plus edges of every tree drawn): minutes of
#: drawing at most; QK1's 10,000 steps use about 5 million.
MAX_WORK = 1_000_000_000


class ChainState:
    """The chain's arrays: the graph, the per-LSOA values, the current plan and every tally the scores read."""

    def __init__(self, atlas, plan, nest: str) -> None:
        arrays = plan.arrays
        adjacency = sparse.csr_matrix(atlas.adjacency, dtype=np.int8)
        adjacency.setdiag(0)
        adjacency.eliminate_zeros()
        self.names = plan.neighbourhoods
        index = pd.Index(np.array(plan.labels, dtype=object)[plan.live])
        label = index.get_indexer(np.asarray(plan.assignment, dtype=object)).astype(np.int64)
        n, k = len(label), len(self.names)
        self.target, self.tolerance = float(plan.target), float(plan.tolerance)
        group = nest_groups(atlas, label, nest)
        rows, cols = adjacency.nonzero()
        inside = group[rows] == group[cols]
        chain = sparse.csr_matrix((np.ones(int(inside.sum()), np.int8), (rows[inside], cols[inside])), shape=(n, n))
        same = label[rows] == label[cols]
        pieces = sparse.csr_matrix((np.ones(int(same.sum()), np.int8), (rows[same], cols[same])), shape=(n, n))
        count, component = csgraph.connected_components(pieces, directed=False)
        if count != k:
            pieces_per = np.bincount(np.unique(np.column_stack([label, component]), axis=0)[:, 0], minlength=k)
            broken = [self.names[d] for d in np.flatnonzero(pieces_per > 1)]
            raise PlanError(
                f"the start plan has neighbourhoods in more than one piece: {', '.join(broken[:5])}",
                column="neighbourhood",
                expected="contiguous neighbourhoods (every ReCom step keeps them so)",
            )
        self.indptr, self.nbr = adjacency.indptr.astype(np.int64), adjacency.indices.astype(np.int64)
        self.chain_indptr, self.chain_nbr = chain.indptr.astype(np.int64), chain.indices.astype(np.int64)
        basis = "registered" if plan.population == "registered" else "resident"
        self.pop = arrays.values[:, arrays.column(plan.population_column)].astype(float).copy()
        self.core = arrays.values[:, arrays.column(f"core20_{basis}")].astype(float).copy()
        wards = (
            atlas.lsoas["ward_code"]
            if "ward_code" in atlas.lsoas.columns
            else pd.Series(np.nan, index=atlas.lsoas.index)
        )
        self.ward = pd.factorize(wards.astype(object).where(wards.notna(), None))[0].astype(np.int64)
        self.lad = np.argmax(arrays.values[:, arrays.lad_slice()], axis=1).astype(np.int64)
        registrations = arrays.registrations.tocsr()
        self.reg_indptr = registrations.indptr.astype(np.int64)
        self.reg_cols = registrations.indices.astype(np.int64)
        self.reg_vals = registrations.data.astype(float)
        self.practice_ok = np.asarray(arrays.practice_in_area, dtype=np.bool_)
        self.registered_total = float(arrays.values[:, arrays.column("registered_population")].sum())
        self.label = label
        self.dpop = np.bincount(label, weights=self.pop, minlength=k)
        self.dcore = np.bincount(label, weights=self.core, minlength=k)
        self.dadj = np.zeros((k, k), np.int64)
        crossing = inside & ~same
        np.add.at(self.dadj, (label[rows[crossing]], label[cols[crossing]]), 1)
        wards_n = int(self.ward.max()) + 1 if len(self.ward) else 0
        has = self.ward >= 0
        self.wc = np.zeros((max(wards_n, 1), k), np.int64)
        np.add.at(self.wc, (self.ward[has], label[has]), 1)
        self.wk = np.count_nonzero(self.wc, axis=1).astype(np.int64)
        self.lc = np.zeros((len(arrays.lad_codes), k), np.int64)
        np.add.at(self.lc, (self.lad, label), 1)
        self.dl = np.count_nonzero(self.lc, axis=0).astype(np.int64)
        onehot = sparse.csr_matrix((np.ones(n), (label, np.arange(n))), shape=(k, n))
        self.pt = np.asarray((onehot @ registrations).toarray(), dtype=float)
        self.pmax = np.maximum(self.pt.max(axis=0), 0.0) if k else np.zeros(self.pt.shape[1])
        cut = int(np.count_nonzero(label[rows] != label[cols]) // 2)
        self.counters = np.array(
            [cut, int(np.count_nonzero(self.wk > 1)), int(np.count_nonzero(self.dl > 1))], dtype=np.int64
        )

    def run(
        self, rng: np.random.Generator, steps: int, max_trees: int, work: np.ndarray | None = None, tree: str = "mst"
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Run ``steps`` steps; return the scores, the step columns and the number of steps done (fewer only
        when the work budget ``work[0]`` ran out)."""
        scores = np.empty((steps, len(SCORES)))
        info = np.empty((steps, len(INFO)), np.int64)
        work = np.array([MAX_WORK], dtype=np.int64) if work is None else work
        done = chain_steps(
            rng,
            steps,
            self.target,
            self.tolerance,
            max_trees,
            tree == "uniform",
            work,
            self.indptr,
            self.nbr,
            self.chain_indptr,
            self.chain_nbr,
            self.pop,
            self.core,
            self.ward,
            self.lad,
            self.reg_indptr,
            self.reg_cols,
            self.reg_vals,
            self.practice_ok,
            self.registered_total,
            self.label,
            self.dpop,
            self.dcore,
            self.dadj,
            self.wc,
            self.wk,
            self.lc,
            self.dl,
            self.pt,
            self.pmax,
            self.counters,
            scores,
            info,
        )
        return scores, info, int(done)
