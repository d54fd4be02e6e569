"""A ReCom chain on an atlas's LSOA graph: thousands of plans that meet the same rules as a start plan.

:func:`run_ensemble` starts from a plan built from LSOAs (a :class:`geo.plan.Plan`, an assignment, or by default
the proposal :func:`geo.propose.propose` makes with the same parameters) and runs ``steps`` ReCom steps
(:mod:`geo.ensemble.kernels`): merge two adjacent neighbourhoods, draw a random spanning tree of the merged LSOAs,
cut it where both sides are within ``target * (1 ± tolerance)``. The scores a board compares are recorded after
every step (:data:`geo.ensemble.kernels.SCORES`, defined in :mod:`geo.ensemble.scores`).

Rules the chain keeps:

- **Balance:** every neighbourhood the chain makes is within the plan's band (the project's band, which is also
  GerryChain's ``pop_target ± epsilon * pop_target`` with ``pop_target`` the target, not the pair's mean). A
  start neighbourhood outside the band (a constrained authority) is kept until it is merged with a partner whose
  joint population can be cut into two within the band; pairs that cannot are never drawn.
- **Nesting:** a neighbourhood never crosses its nesting unit (``nest="lad"``: merge only pairs in the same
  authority). Units the start plan already joins (a neighbourhood spanning two authorities because neither fits
  the band alone) form one group, and the chain reshapes within that group only.
- **Contiguity:** every neighbourhood is a connected set of LSOAs (a cut spanning tree has two connected sides).
- **Practices:** keeping each practice's LSOAs whole is *not* a rule of the chain (ReCom moves LSOAs; whole
  practices are a score, through alignment); list-based plans (whole practices or PCNs) are not supported.

Seeded and byte-identical: all randomness comes from one :class:`numpy.random.Generator` made from the seed, the
steps run in chunks fixed by the step count (never by time), so the same input gives the same rows whatever the
load.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from geo.ensemble.kernels import INFO, SCORES, chain_steps
from geo.ensemble.scores import plan_scores, published_alignment
from geo.errors import PlanError
from geo.plan import Plan

#: At most this many steps in one ensemble, and spanning trees per step (each bounds time and memory).
MAX_STEPS = 1_000_000
MAX_TREES = 10_000
NESTS = ("lad", "utla", "icb", "none")
TREES = ("mst", "uniform")
#: Default budget of spanning-tree work for a whole run (nodes plus edges of every tree drawn): minutes of
#: drawing at most; QK1's 10,000 steps use about 5 million.
MAX_WORK = 1_000_000_000
#: Steps computed per call of the compiled loop (a fixed number, so chunking never depends on time).
CHUNK = 2_000


@dataclass(frozen=True)
class Ensemble:
    """An ensemble: one row per step, the start plan's scores and what it was made with.

    Attributes
    ----------
    runs
        ``step`` (1..steps), ``pair_a``/``pair_b`` (indices into ``names`` of the merged pair, -1 when no pair
        could be drawn), ``trees`` (spanning trees drawn), ``moved`` (1 when the pair was cut anew: the new split may
        equal the old one, as in GerryChain, where such a step is an accepted proposal too) and the
        scores of :data:`geo.ensemble.kernels.SCORES`.
    start
        The scores of the start plan.
    names
        The neighbourhood names of the start plan; the chain keeps a neighbourhood's index, not its shape.
    metadata
        Area, LSOA digest, parameters and the start plan's scores (written with the runs, read by placement).
    snapshots
        ``{step: neighbourhood index of every LSOA (atlas order)}`` for the steps asked for with ``keep``.
    """

    runs: pd.DataFrame
    start: dict[str, float]
    names: list[str]
    metadata: dict
    snapshots: dict[int, np.ndarray] = field(default_factory=dict)


def measured_as_runs(plan: Plan, **overrides) -> Plan:
    """``plan`` measured as the chain measures every step: from one target (``overrides``: target, tolerance,
    population), so a counted plan's place ideals are dropped, or a plan started from or placed among the runs
    would be measured from its places' ideals beside runs measured from the target.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams, propose
    >>> counted = propose(grid_atlas(4, 1, lad_width=2), ProposalParams(neighbourhoods={"E07009000": 1, "E07009001": 2}))
    >>> max(abs(v) for v in counted["deviation_pct"].values())  # from each place's ideal
    0.0
    >>> max(abs(v) for v in measured_as_runs(counted, target=1500)["deviation_pct"].values())  # from the target
    100.0
    """
    params = {k: v for k, v in (plan.provenance.params or {}).items() if k != "ideal_sizes"}
    plain = Plan(
        plan.atlas, plan.assignment, plan.params, provenance=replace(plan.provenance, params=params), name=plan.name
    )
    return plain.with_params(**overrides) if overrides else plain


def lsoa_digest(atlas) -> str:
    """A digest of the chain's graph: the atlas's LSOA codes in graph order, its contiguity edges and populations
    (runs and the plan placed in them must share it).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> lsoa_digest(grid_atlas(2, 2)) == lsoa_digest(grid_atlas(2, 2)) != lsoa_digest(grid_atlas(3, 2))
    True
    >>> lsoa_digest(grid_atlas(2, 2)) != lsoa_digest(grid_atlas(2, 2, population=1000))
    True
    """
    digest = hashlib.sha256("\n".join(map(str, atlas.lsoas.index)).encode())
    digest.update(np.ascontiguousarray(atlas.edges(), dtype=np.int64).tobytes())
    for column in ("resident_population", "registered_population"):
        digest.update(atlas.lsoas[column].to_numpy(dtype=float).tobytes())
    return digest.hexdigest()[:16]


def start_plan(
    atlas, start=None, *, target=None, tolerance=None, population=None, nest: str = "lad", seed: int | None = None
):
    """Return the chain's start as a :class:`geo.plan.Plan` built from LSOAs.

    ``start`` is a Plan, an assignment (``lsoa_code -> neighbourhood``) or ``None`` for the proposal
    :func:`geo.propose.propose` makes with the same target, tolerance, population, nesting and seed. Explicit
    ``target``/``tolerance``/``population`` override a given plan's own parameters.
    """

    if start is None:
        from geo.propose import ProposalParams, propose  # lazy: imported only on this branch

        params = ProposalParams.from_settings(
            target=target, tolerance=tolerance, population=population, nest=nest, seed=seed
        )
        return propose(atlas, params, name=f"proposal seed {params.seed}")
    overrides = {
        k: v for k, v in (("target", target), ("tolerance", tolerance), ("population", population)) if v is not None
    }
    if isinstance(start, Plan):
        if start.practice_assignment is not None:
            raise PlanError(
                "an ensemble reshapes plans built from LSOAs: this plan is built from whole practices",
                column="build_from",
                expected="a plan built from LSOAs",
            )
        return measured_as_runs(start, **overrides)
    if overrides.get("population") == "list":
        raise PlanError(
            "an ensemble counts resident or registered people of LSOAs",
            column="population",
            expected="'resident' or 'registered'",
        )
    return Plan(atlas, start, **overrides)


def nest_groups(atlas, label: np.ndarray, nest: str) -> np.ndarray:
    """Return each LSOA's nesting group: its unit (``nest``), joined with every unit a start neighbourhood spans.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 1, lad_width=1)  # four authorities in a row
    >>> nest_groups(atlas, np.array([0, 0, 1, 2]), "lad").tolist()  # neighbourhood 0 joins the first two
    [0, 0, 1, 2]
    """
    if nest not in NESTS:
        raise PlanError(
            f"nesting level {nest!r} is not allowed", column="nest", expected="'lad', 'utla', 'icb' or 'none'"
        )
    n = len(label)
    if nest == "none":
        return np.zeros(n, dtype=np.int64)
    column = {"lad": "lad_code", "utla": "utla_code", "icb": "icb_code"}[nest]
    if column not in atlas.lsoas.columns:
        raise PlanError(f"this atlas has no {column} to nest in", column="nest", expected="'none' or another level")
    unit = pd.factorize(atlas.lsoas[column].astype(str))[0]
    units = int(unit.max()) + 1
    # Units and neighbourhoods as one graph: a neighbourhood joins every unit it spans.
    links = sparse.coo_matrix((np.ones(n), (unit, units + label)), shape=(units + label.max() + 1,) * 2)
    _, component = csgraph.connected_components(links, directed=False)
    return pd.factorize(component[unit])[0].astype(np.int64)


class _State:
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


def run_ensemble(
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
    max_trees: int = MAX_TREES,
    max_work: int = MAX_WORK,
    keep: Iterable[int] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Ensemble:
    """Run a seeded ReCom chain of ``steps`` steps from ``start`` and return every step's scores.

    Parameters
    ----------
    atlas
        The study area's atlas (its LSOA contiguity graph is the chain's graph).
    start
        A :class:`geo.plan.Plan` built from LSOAs, an assignment, or ``None`` for the proposal with the same
        parameters (see :func:`start_plan`).
    steps, seed
        Number of ReCom steps (1 to :data:`MAX_STEPS`) and the seed of the one random generator.
    target, tolerance, population
        The band and population basis (default: the start plan's, or the settings' for a proposal).
    nest
        ``"lad"``, ``"utla"``, ``"icb"`` or ``"none"``: the unit a neighbourhood never crosses.
    tree
        ``"mst"`` (default, GerryChain's): the minimum spanning tree under random edge weights; ``"uniform"``: a
        uniformly random spanning tree (Wilson's algorithm). The two give different ensembles.
    max_trees
        Spanning trees drawn for one pair before the step gives up and keeps the plan (``moved = 0``).
    max_work
        Budget of spanning-tree work for the whole run (nodes plus edges of every tree drawn); a run that needs
        more raises :class:`geo.errors.PlanError` (the same input always does: the budget counts work, not time).
    keep
        Steps whose assignment to keep in :attr:`Ensemble.snapshots` (0 is the start).
    progress
        Called as ``progress(done, steps)`` after each chunk of :data:`CHUNK` steps.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(6, 6)  # 1,500 residents per cell
    >>> start = {c: f"N{(i % 6) // 3 + 2 * ((i // 6) // 3)}" for i, c in enumerate(atlas.codes)}
    >>> ensemble = run_ensemble(atlas, start, steps=50, seed=7, target=13_500, tolerance=0.2, nest="none")
    >>> len(ensemble.runs), bool((ensemble.runs.max_abs_deviation_pct <= 20).all())
    (50, True)
    >>> run_ensemble(atlas, start, steps=50, seed=7, target=13_500, tolerance=0.2, nest="none").runs.equals(ensemble.runs)
    True
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= MAX_STEPS:
        raise PlanError(
            f"{steps!r} steps is not allowed", column="steps", expected=f"a whole number from 1 to {MAX_STEPS:,}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= 2**32 - 1:
        raise PlanError(
            f"seed {seed!r} is not allowed", column="seed", expected="a whole number from 0 to 4,294,967,295"
        )
    if not 1 <= int(max_trees) <= MAX_TREES:
        raise PlanError(
            f"{max_trees!r} trees per step is not allowed",
            column="max_trees",
            expected=f"a whole number from 1 to {MAX_TREES:,}",
        )
    if tree not in TREES:
        raise PlanError(f"spanning tree {tree!r} is not known", column="tree", expected="'mst' or 'uniform'")
    if not 1 <= int(max_work) <= 100 * MAX_WORK:
        raise PlanError(
            f"a work budget of {max_work!r} is not allowed",
            column="max_work",
            expected=f"a whole number from 1 to {100 * MAX_WORK:,}",
        )
    plan = start_plan(atlas, start, target=target, tolerance=tolerance, population=population, nest=nest, seed=seed)
    if plan.population not in ("resident", "registered"):
        raise PlanError(
            "an ensemble counts resident or registered people of LSOAs",
            column="population",
            expected="'resident' or 'registered'",
        )
    if len(plan.neighbourhoods) < 2:
        raise PlanError(
            "an ensemble needs at least two neighbourhoods to recombine",
            column="neighbourhood",
            expected="a plan with two or more neighbourhoods",
        )

    state = _State(atlas, plan, nest)
    start_scores = plan_scores(plan)
    wanted = sorted({int(s) for s in keep if 0 <= int(s) <= steps})
    snapshots = {0: state.label.copy()} if 0 in wanted else {}
    stops = sorted(set(range(CHUNK, steps, CHUNK)) | {s for s in wanted if s > 0} | {int(steps)})
    rng = np.random.default_rng(int(seed))
    parts, done = [], 0
    work = np.array([int(max_work)], dtype=np.int64)
    for stop in stops:
        part = state.run(rng, stop - done, int(max_trees), work, tree)
        if part[2] < stop - done:
            raise PlanError(
                f"the chain used up its budget of spanning-tree work ({int(max_work):,} nodes and edges "
                f"drawn) at step {done + part[2] + 1:,}: some pair of neighbourhoods can rarely be cut "
                "into two within the band",
                column="steps",
                expected="fewer steps, a wider tolerance or another start plan",
            )
        parts.append(part)
        done = stop
        if done in wanted:
            snapshots[done] = state.label.copy()
        if progress is not None:
            progress(done, int(steps))
    scores = np.concatenate([p[0] for p in parts])
    info = np.concatenate([p[1] for p in parts])
    runs = pd.DataFrame({"step": np.arange(1, steps + 1, dtype=np.int64)})
    for j, name in enumerate(INFO):
        runs[name] = info[:, j].astype(np.int32 if name != "moved" else np.int8)
    for j, name in enumerate(SCORES):
        runs[name] = (
            scores[:, j]
            if name in ("max_abs_deviation_pct", "core20_spread", "alignment_pct")
            else scores[:, j].astype(np.int64)
        )
    # Exact inside the chain; recorded as published (a whole percent), as plan_scores measures a placed plan.
    runs["alignment_pct"] = published_alignment(runs["alignment_pct"].to_numpy(), state.registered_total)
    metadata = {
        "kind": "nhp.ensemble",
        "version": 1,
        "area": list(atlas.area.codes),
        "area_label": atlas.area.label,
        "lsoas": len(atlas.lsoas),
        "lsoa_digest": lsoa_digest(atlas),
        "steps": int(steps),
        "seed": int(seed),
        "target": plan.target,
        "tolerance": plan.tolerance,
        "population": plan.population,
        "nest": nest,
        "tree": tree,
        "max_trees": int(max_trees),
        "max_work": int(max_work),
        "start": plan.name,
        "start_scores": start_scores,
        "names": list(state.names),
        "proposal": "recom (GerryChain 1.0 defaults: uniform adjacent pair, "
        + ("random-weight Kruskal tree" if tree == "mst" else "uniform spanning tree (Wilson)")
        + ", uniform balanced cut, band target*(1 +/- tolerance))",
    }
    return Ensemble(runs=runs, start=start_scores, names=list(state.names), metadata=metadata, snapshots=snapshots)


def snapshot_assignment(atlas, ensemble: Ensemble, step: int) -> pd.Series:
    """Return the plan after ``step`` (kept with ``keep=``) as ``lsoa_code -> neighbourhood``."""
    names = np.array(ensemble.names, dtype=object)
    return pd.Series(names[ensemble.snapshots[step]], index=atlas.lsoas.index.copy(), name="neighbourhood")


def one_step_scores(
    atlas,
    start,
    *,
    samples: int,
    seed: int,
    target=None,
    tolerance=None,
    population=None,
    nest: str = "lad",
    tree: str = "mst",
) -> pd.DataFrame:
    """Return the scores after one ReCom step from ``start``, for ``samples`` independent steps (one generator).

    Independent draws of the proposal itself, with no autocorrelation: what a check of the proposal against
    another implementation compares (see ``tests/ensemble/test_against_gerrychain.py``).
    """
    if not 1 <= int(samples) <= MAX_STEPS:
        raise PlanError(f"{samples!r} samples is not allowed", column="samples", expected=f"1 to {MAX_STEPS:,}")
    plan = start_plan(atlas, start, target=target, tolerance=tolerance, population=population, nest=nest, seed=seed)
    state = _State(atlas, plan, nest)
    mutable = ("label", "dpop", "dcore", "dadj", "wc", "wk", "lc", "dl", "pt", "pmax", "counters")
    saved = {name: getattr(state, name).copy() for name in mutable}
    rng = np.random.default_rng(int(seed))
    rows = np.empty((int(samples), len(SCORES)))
    for i in range(int(samples)):
        for name in mutable:
            getattr(state, name)[...] = saved[name]
        rows[i] = state.run(rng, 1, MAX_TREES, tree=tree)[0][0]
    return pd.DataFrame(rows, columns=list(SCORES))
