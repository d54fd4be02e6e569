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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.ensemble.chain_state import MAX_WORK, ChainState
from geo.ensemble.kernels import INFO, SCORES
from geo.ensemble.scores import plan_scores, published_alignment
from geo.ensemble.start import lsoa_digest, start_plan
from geo.errors import PlanError

#: At most this many steps in one ensemble, and spanning trees per step (each bounds time and memory).
MAX_STEPS = 1_000_000
MAX_TREES = 10_000
TREES = ("mst", "uniform")
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
        parameters (see :func:`geo.ensemble.start.start_plan`).
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

    state = ChainState(atlas, plan, nest)
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
    state = ChainState(atlas, plan, nest)
    mutable = ("label", "dpop", "dcore", "dadj", "wc", "wk", "lc", "dl", "pt", "pmax", "counters")
    saved = {name: getattr(state, name).copy() for name in mutable}
    rng = np.random.default_rng(int(seed))
    rows = np.empty((int(samples), len(SCORES)))
    for i in range(int(samples)):
        for name in mutable:
            getattr(state, name)[...] = saved[name]
        rows[i] = state.run(rng, 1, MAX_TREES, tree=tree)[0][0]
    return pd.DataFrame(rows, columns=list(SCORES))
