"""``propose()``: run a proposal algorithm over every nesting unit and say what it could not meet.

The default algorithm, ``"tree-bisection"``, splits each connected piece of each nesting unit by recursive
random-spanning-tree bisection (:mod:`geo.propose.bisect`) and then balances it by boundary moves
(:mod:`geo.propose.refine`). Pieces are independent, so large areas are solved in parallel processes; each piece
draws its random numbers from a stream keyed by the seed and the unit code, so the answer does not depend on
the number of processes or the order they finish in. The amount of search is fixed by counts (trees per split,
attempts per piece, refinement moves), never by the clock, so it does not depend on the load or the machine
either; the time budget can only cut a search short, and a plan so cut says so. Pieces are shared between this
process and one worker by size; each side draws all its pieces' spanning trees in shared batches
(:func:`geo.propose.trees.run`), which never changes a piece's answer.
"""

from __future__ import annotations

import gc
import os
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd

from geo.access.hubs import access_effect
from geo.errors import PlanError
from geo.propose.bisect import warm as warm_bisection
from geo.plan import Plan
from geo.plan.naming import neighbourhood_names, rename
from geo.plan.params import Provenance
from geo.propose.bisect import TREES, bisect_steps
from geo.propose.blocks import BLOCK_WORDS, block_arrays, block_index, blocks_for, broken_blocks, contract, expand
from geo.propose.counts import counted_pieces, ideal_table, place_counts, place_populations
from geo.propose.hub_moves import improve_pieces
from geo.propose.list_based import list_based
from geo.propose.model import BLOCK_BUILDS, NEST_COLUMNS, ProposalParams
from geo.propose.refine import refine
from geo.propose.trees import run
from geo.propose.units import CORE_BAND, Budget, Piece, may_fork, split_units
from geo.propose.wards import group_index, keep_wards_whole, split_notes

#: Below this many LSOAs a process pool costs more than it saves.
PARALLEL_MIN_LSOAS = 4_000
#: A piece whose neighbourhoods are all within this share of their aimed populations is not bisected again.
GOOD_ENOUGH = 0.03
#: Bisections tried per piece while the best is off balance (a count, so the result depends only on the seed).
ATTEMPTS = 4


def propose(
    atlas, params: ProposalParams | None = None, algorithm: str = "default", *, name: str | None = None
) -> Plan:
    """Propose neighbourhoods for the study area of ``atlas``.

    Parameters
    ----------
    atlas
        The :class:`geo.atlas.model.Atlas` to divide.
    params
        Target, tolerance, population, nesting, practice handling, seed and time budget (default: the settings).
    algorithm
        A name in :data:`ALGORITHMS` (``"default"`` is ``"tree-bisection"``).
    name
        The plan's name (default: the algorithm and seed).

    Returns
    -------
    Plan
        Every neighbourhood named after its wards (:func:`geo.plan.naming.neighbourhood_names`; the code-like label
        ``<nesting unit code>-N<number>`` it was solved as is in ``provenance.labels``); the plan carries the parameters it is measured
        against and its provenance (method, seed, seconds, what could not be met, whether the time budget cut the
        search short).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(8, 4, lad_width=4)
    >>> plan = propose(atlas, ProposalParams(target=12_000, seed=3))
    >>> plan["population"]  # the grid has no wards: names are the authority's, numbered
    {'Grid District 0 1': 12000.0, 'Grid District 0 2': 12000.0, 'Grid District 1 1': 12000.0, 'Grid District 1 2': 12000.0}
    >>> plan.provenance.labels["Grid District 1 2"]
    'E07009001-N02'
    >>> plan.provenance.method, plan.provenance.seed, plan.provenance.unmet, plan.params.target
    ('tree-bisection', 3, (), 12000)
    """
    params = params if params is not None else ProposalParams.from_settings()
    if algorithm not in ALGORITHMS:
        raise PlanError(f"unknown proposal algorithm {algorithm!r}", expected=", ".join(sorted(ALGORITHMS)))
    if len(atlas.lsoas) == 0:
        raise PlanError("the study area has no LSOAs, so there is nothing to divide", expected="a non-empty area")
    column = params.population_column
    if column not in atlas.lsoas.columns:
        raise PlanError(f"the atlas has no {column} column", column=column)
    start = time.monotonic()
    if params.build_from in ("practices", "pcns"):
        plan = _list_based(atlas, params, start, name)
        return rename(plan, neighbourhood_names(plan))
    assignment, unmet, constrained, *rest = ALGORITHMS[algorithm](atlas, params, start + params.time_budget)
    stopped_early = bool(rest[0]) if rest else any("time budget" in str(u) for u in unmet)
    without = rest[1] if len(rest) > 1 else None
    method = "tree-bisection" if algorithm == "default" else algorithm
    extra, plan_params = {}, params.plan_params()
    if params.build_from in BLOCK_BUILDS:  # profiles name each neighbourhood's blocks from this
        described = assignment.attrs.get("blocks")  # as the solve found them (read once, not again here)
        extra["blocks"] = described or blocks_for(atlas, params.build_from).describe()
    ideals = assignment.attrs.get("ideals")
    if ideals:  # each place aims at its own ideal size; the plan's target is the area's mean
        extra["ideal_sizes"] = ideals
        total = sum(v["population"] for v in ideals.values())
        plan_params = plan_params.replace(
            target=max(1.0, round(total / sum(v["neighbourhoods"] for v in ideals.values()), 1))
        )
    provenance = Provenance(
        method,
        seed=params.seed,
        seconds=time.monotonic() - start,
        unmet=tuple(str(u) for u in unmet),
        constrained_units=tuple(constrained),
        stopped_early=stopped_early,
        params={"algorithm": method, **params.to_dict(), **extra},
    )
    plan = Plan(atlas, assignment, plan_params, provenance=provenance, name=name or f"{method} seed {params.seed}")
    if without is not None:
        plan = _with_access_effect(plan, without, params.access_weight)
    # Labels are names: each neighbourhood is named after its wards; provenance.labels keeps the code-like label.
    return rename(plan, neighbourhood_names(plan))


def _with_access_effect(plan: Plan, without: pd.Series, weight: float) -> Plan:
    """``plan`` with what its access weight did in ``provenance.params["access"]``: its balance and its people's
    distance to their best hub beside those of ``without``, the same seed's plan of weight 0
    (:func:`geo.access.hubs.access_effect`)."""

    effect = access_effect(plan, Plan(plan.atlas, without, plan.params), weight=weight)
    provenance = replace(plan.provenance, params={**plan.provenance.params, "access": effect})
    return Plan(plan.atlas, plan.assignment, plan.params, provenance=provenance, name=plan.name)


def _list_based(atlas, params: ProposalParams, start: float, name: str | None) -> Plan:
    """Whole practices (or PCNs) per nesting unit, solved exactly where small (:mod:`geo.propose.list_based`);
    the plan's place footprint is derived from where their patients live."""
    practices, unmet, constrained, stopped_early, report = list_based(atlas, params, start + params.time_budget)
    method = f"exact-{params.build_from}"
    extra, plan_params = {}, params.plan_params()
    ideals = practices.attrs.get("ideals")
    if ideals:  # each place aims at its registered total over its count; the plan's target is the area's mean
        extra["ideal_sizes"] = ideals
        total = sum(v["population"] for v in ideals.values())
        count = sum(v["neighbourhoods"] for v in ideals.values())
        plan_params = plan_params.replace(target=max(1.0, round(total / count, 1)))
    grouped = practices.attrs.get("grouped")
    if grouped:  # wards (or a user's units) kept whole: the rule and its groups, for the summary
        extra["grouped"] = grouped
    provenance = Provenance(
        method,
        seed=params.seed,
        seconds=time.monotonic() - start,
        unmet=tuple(str(u) for u in unmet),
        constrained_units=tuple(constrained),
        stopped_early=bool(stopped_early),
        params={"algorithm": method, **params.to_dict(), **extra},
        solve=tuple(dict(r) for r in report),
    )
    plan = Plan.from_practices(
        atlas, practices, plan_params, provenance=provenance, name=name or f"{params.build_from} seed {params.seed}"
    )
    if not grouped:
        return plan
    # Each respected unit the plan's place footprint still splits, reported as an LSOA build reports it.
    split = [
        f"{note} (by the place footprint, where its practices' patients live)"
        for note in split_notes(atlas, plan.assignment, params)
    ]
    made = replace(plan.provenance, unmet=(*plan.provenance.unmet, *split))
    return Plan(
        atlas, plan.assignment, plan.params, provenance=made, name=plan.name, practices=plan.practice_assignment
    )


def atlas_pieces(atlas, params: ProposalParams) -> list[Piece]:
    """Return the connected pieces of the nesting units of ``atlas`` under ``params`` (LSOAs as nodes)."""
    return _graph(atlas, params)[0]


def _graph(atlas, params: ProposalParams):
    """Return ``(pieces, node codes, LSOA -> node index or None, notes, ideals, blocks)`` for the proposal's nodes
    (``blocks``: the block type as :meth:`geo.propose.blocks.Blocks.describe` says, or None for LSOAs).

    Nodes are LSOAs, or for a block build (MSOAs, wards, a user's units) the blocks of the contracted graph
    (:mod:`geo.propose.blocks`). With ``params.neighbourhoods`` each place has its count and aims at its own ideal
    size (:mod:`geo.propose.counts`); ``ideals`` then says, per place, its population, count and ideal size.
    """
    lsoas = atlas.lsoas
    if params.nest == "none":
        code = ",".join(atlas.area.codes) if len(atlas.area.codes) == 1 else "AREA"
        units = pd.Series(code, index=lsoas.index)
        names = pd.Series(atlas.area.label, index=lsoas.index)
    else:
        code_col, name_col = NEST_COLUMNS[params.nest]
        if code_col not in lsoas.columns:
            raise PlanError(
                "nest 'custom' needs a user geography on the atlas",
                column="nest",
                expected="geo.propose.wards.nest_in(atlas, geography), or nest 'lad'",
            )
        units, names = lsoas[code_col].fillna("unknown"), lsoas[name_col].fillna("unknown")
    pop = pd.to_numeric(lsoas[params.population_column], errors="coerce").fillna(0).clip(lower=0).to_numpy(float)
    centroids = lsoas.geometry.centroid
    group = group_index(atlas, params)  # practices (or wards) the bisection keeps together
    arrays = (pop, centroids.x.to_numpy(), centroids.y.to_numpy(), lsoas.geometry.area.to_numpy(), group)
    adjacency, codes, index, notes, described = atlas.adjacency, atlas.codes, None, [], None
    # Each place's published total of its LSOAs (not of blocks: an LSOA is a part of the total too).
    place_pop = place_populations(units, pop) if params.neighbourhoods is not None else None
    if params.build_from in BLOCK_BUILDS:
        blocks = blocks_for(atlas, params.build_from)
        described = blocks.describe()
        index, codes, notes = block_index(blocks, units.astype(str).to_numpy())
        notes += broken_blocks(atlas.adjacency, index, codes, params.build_from, blocks.names)
        first = np.zeros(len(codes), dtype=int)
        first[index[::-1]] = np.arange(len(index))[::-1]  # the first LSOA of each block
        adjacency = contract(atlas.adjacency, index, len(codes))
        arrays = block_arrays(index, len(codes), *arrays)
        units, names = units.iloc[first].reset_index(drop=True), names.iloc[first].reset_index(drop=True)
    ideals = {}
    if params.neighbourhoods is not None:
        place_names = dict(zip(units.astype(str), names.astype(str)))
        capacity = pd.Series(units.astype(str).to_numpy()).value_counts()
        counts = place_counts(place_pop, params.neighbourhoods, capacity, place_names)
        ideals = ideal_table(place_pop, counts, place_names)
        pieces = counted_pieces(units, names, adjacency, arrays, counts, params.tolerance)
    else:
        pieces = split_units(units, names, adjacency, *arrays[:4], arrays[4], params.target, params.tolerance)
    if index is not None:
        word = BLOCK_WORDS[params.build_from]
        for piece in pieces:
            piece.notes = [n.replace(" LSOA", f" {word}") for n in piece.notes]
    return pieces, pd.Index(codes), index, notes, ideals, described


def solve_piece(
    piece: Piece,
    seed: int,
    compactness_weight: float,
    deadline: float = float("inf"),
    *,
    attempts: int = ATTEMPTS,
    trees: int = TREES,
) -> tuple[np.ndarray, bool]:
    """Return labels ``0..k-1`` for one piece (bisection then refinement) and whether the deadline cut it short.

    An early cut can leave a part that has no balanced split (few nodes, or a bottleneck), and refinement
    cannot undo it; so while the result is off balance, bisect again, up to ``attempts`` times, and keep the
    best: the fewest neighbourhoods outside the tolerance, then outside ±5 % of the target, then the smallest
    deviation from the aimed populations. ``attempts``, ``trees`` and refinement's move cap fix the amount of
    search, so the labels depend only on the piece and the seed. ``deadline`` (a ``time.monotonic()`` value)
    can only stop the search early; the second value says whether it did.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> [piece] = atlas_pieces(grid_atlas(6, 6), ProposalParams(target=13_500))
    >>> labels, stopped = solve_piece(piece, 1, 1.0)
    >>> np.bincount(labels).tolist(), stopped
    ([9, 9, 9, 9], False)
    >>> solve_piece(piece, 1, 1.0, deadline=0.0)[1]  # a deadline already passed: a quick plan, marked as cut
    True
    """
    return run([solve_steps(piece, seed, compactness_weight, deadline, attempts=attempts, trees=trees)])[0]


def solve_steps(
    piece: Piece,
    seed: int,
    compactness_weight: float,
    deadline: float = float("inf"),
    *,
    attempts: int = ATTEMPTS,
    trees: int = TREES,
):
    """:func:`solve_piece` as a generator for :func:`geo.propose.trees.run`, so that many pieces can draw their
    spanning trees in one batch; the result does not depend on which pieces share it."""
    entropy = [seed, zlib.crc32(piece.unit.encode()), int(piece.rows.min())]
    rng = np.random.default_rng(np.random.SeedSequence(entropy))
    budget = Budget(deadline)
    best, best_key = None, (np.inf,)
    floor = _misses(piece, piece.targets)  # what the aimed populations themselves miss
    for attempt in range(attempts):
        labels = yield from bisect_steps(piece, rng, compactness_weight=compactness_weight, trees=trees, budget=budget)
        labels = refine(piece, labels, compactness_weight=compactness_weight, budget=budget)
        pops = np.bincount(labels, weights=piece.pop, minlength=piece.k)
        dev = float(np.abs(pops / np.maximum(piece.targets, 1e-9) - 1).max())
        key = (*_misses(piece, pops), dev)
        if key < best_key:
            best, best_key = labels, key
        if best_key[-1] <= GOOD_ENOUGH and best_key[:-1] <= floor:
            break
        if attempt + 1 < attempts and budget.over():
            break
    return best, budget.hit


def _misses(piece: Piece, pops: np.ndarray) -> tuple[int, ...]:
    """Return how many of ``pops`` are outside the tolerance and outside ±5 % of the piece's plan target."""
    if not piece.target or piece.tolerance is None:
        return ()
    dev = np.abs(np.asarray(pops) / piece.target - 1)
    return int((dev > piece.tolerance + 1e-9).sum()), int((dev > CORE_BAND + 1e-9).sum())


def solve_pieces(
    pieces: list[Piece], seed: int, compactness_weight: float, deadline: float = float("inf")
) -> tuple[list[np.ndarray], bool]:
    """Solve every piece, in parallel processes for large areas; return the labels and whether any was cut short.

    Each piece does the same counted search whatever the number of processes or the load, so the labels are the
    same; all pieces share the one ``deadline``, which can only cut searches short.
    """
    total = sum(len(p.rows) for p in pieces)
    workers = min(2, os.cpu_count() or 1) if total >= PARALLEL_MIN_LSOAS and may_fork() else 1
    # One group per process, balanced by size (largest first, each to the lightest group), so they finish together;
    # each group draws its pieces' spanning trees in shared batches, and only the pieces' arrays are pickled.
    groups: list[list[int]] = [[] for _ in range(workers)]
    load = [0] * workers
    for i in sorted(range(len(pieces)), key=lambda i: (-len(pieces[i].rows), i)):
        g = load.index(min(load))
        groups[g].append(i)
        load[g] += len(pieces[i].rows) * max(1, pieces[i].k).bit_length()
    jobs = [([pieces[i] for i in group], seed, compactness_weight, deadline) for group in groups if group]
    if len(jobs) == 1:
        found = [_solve_group(*jobs[0])]
    else:
        warm_bisection()  # compiled (or loaded) once here, before the worker is forked, not in each process
        gc.freeze()  # the forked workers then share the parent's objects without the collector touching them
        try:
            # This process solves the first group itself while the others are solved in worker processes.
            with ProcessPoolExecutor(max_workers=len(jobs) - 1) as pool:
                others = [pool.submit(_solve_group, *job) for job in jobs[1:]]
                found = [_solve_group(*jobs[0])] + [future.result() for future in others]
        finally:
            gc.unfreeze()
    done = {i: result for group, results in zip([g for g in groups if g], found) for i, result in zip(group, results)}
    results = [done[i] for i in range(len(pieces))]
    return [labels for labels, _ in results], any(stopped for _, stopped in results)


def _solve_group(pieces: list[Piece], seed: int, compactness_weight: float, deadline: float):
    """Solve ``pieces`` together (their spanning trees in shared batches), with the garbage collector paused: the
    search makes many short-lived arrays and no reference cycles, so collections would only cost time."""
    # Only a process's main thread (the CLI, a job's own process, a pool worker) pauses the collector: it is
    # process-wide, and a request thread of the service must not switch it off under the others.
    pause = may_fork() and gc.isenabled()
    if pause:
        gc.disable()
    try:
        return run([solve_steps(p, seed, compactness_weight, deadline) for p in pieces])
    finally:
        if pause:
            gc.enable()


def tree_bisection(atlas, params: ProposalParams, deadline: float):
    """Recursive spanning-tree bisection per nesting unit, then boundary refinement (the default algorithm).

    Returns ``(assignment, unmet, constrained units, stopped_early, without)``; ``stopped_early`` is True only when
    the time budget cut some piece's search short (the plan is then the best found by then, and says so in
    ``unmet``). With an access weight the pieces' labels are then moved towards their hubs
    (:mod:`geo.propose.hub_moves`) and ``without`` is the assignment before (the plan of weight 0); else None.
    A block build solves the block graph and expands the answer to LSOAs, so every block stays whole.
    """
    pieces, codes, index, unmet, ideals, described = _graph(atlas, params)
    solved, stopped_early = solve_pieces(pieces, params.seed, params.compactness_weight, deadline)
    assignment, more, constrained = _assign(atlas, params, codes, pieces, solved, index)
    without = None
    if params.access_weight > 0:  # the plan of weight 0 above, then moves towards each neighbourhood's hub
        without = assignment
        solved = improve_pieces(atlas, params, pieces, solved, index)
        assignment, more, constrained = _assign(atlas, params, codes, pieces, solved, index)
    unmet = [*unmet, *more]
    if stopped_early:
        unmet.append(
            f"stopped at the time budget of {params.time_budget:g} s before the search was complete; "
            "the plan is the best found by then, and a longer budget may give a different one"
        )
    assignment.attrs["ideals"] = ideals
    if described:
        assignment.attrs["blocks"] = described
    return assignment, unmet, constrained, stopped_early, without


def _assign(atlas, params: ProposalParams, codes, pieces, solved, index):
    """The LSOA assignment of per-piece labels, with what it could not meet and the constrained units."""
    assignment, unmet, constrained = label_pieces(codes, pieces, solved, params, "N")
    if index is not None:
        assignment = expand(assignment, index, atlas.codes)
    if params.respect in ("wards", "custom"):
        if index is None:
            assignment, split = keep_wards_whole(atlas, assignment, params)
        else:  # moving LSOAs would break blocks: report the units still split
            split = split_notes(atlas, assignment, params)
        unmet = [*unmet, *split]
    return assignment, unmet, constrained


def label_pieces(codes, pieces, solved, params: ProposalParams, letter: str):
    """Turn per-piece labels into ``<unit>-<letter><nn>`` labels and list constrained units and unmet aims."""
    labels = np.empty(len(codes), dtype=object)
    unmet, constrained = [], []
    by_unit: dict[str, list[tuple[Piece, np.ndarray]]] = {}
    for piece, local in zip(pieces, solved):
        by_unit.setdefault(piece.unit, []).append((piece, local))
    for unit, parts in by_unit.items():
        name = parts[0][0].name
        aim = parts[0][0].target  # a place with its own count aims at its own ideal size
        low, high = (aim * (1 - params.tolerance), aim * (1 + params.tolerance)) if aim else params.band
        groups = []  # (first row, rows, population, piece) per neighbourhood, numbered in code order
        for piece, local in parts:
            unmet += piece.notes
            for lab in np.unique(local):
                rows = piece.rows[local == lab]
                groups.append((int(rows.min()), rows, float(piece.pop[local == lab].sum()), piece))
        groups.sort(key=lambda g: g[0])
        width = max(2, len(str(len(groups))))
        off_band = None  # the ideal population of a piece that cannot reach the band
        for number, (_, rows, pop, piece) in enumerate(groups, start=1):
            label = f"{unit}-{letter}{number:0{width}d}"
            labels[rows] = label
            if not low <= piece.ideal <= high:
                off_band = piece.ideal
            elif not low <= pop <= high:
                side = "below" if pop < low else "above"
                unmet.append(
                    f"{label}: {pop:,.0f} people is {side} the band of {low:,.0f}-{high:,.0f}; "
                    "the contiguity graph left no better balanced split"
                )
        if off_band is not None:
            constrained.append(unit)
            unit_pop = sum(p.pop.sum() for p, _ in parts)
            k = len(groups)
            side = "below" if off_band < low else "above"
            what = (
                "one constrained neighbourhood"
                if k == 1
                else f"{k} constrained neighbourhoods of about {unit_pop / k:,.0f}"
            )
            unmet.append(
                f"{name} ({unit}): {unit_pop:,.0f} people is {side} the band for {k} "
                f"neighbourhood{'s' if k > 1 else ''}; {what}"
            )
    return pd.Series(labels, index=codes, name="neighbourhood"), unmet, constrained


#: Proposal algorithms by name; each is ``fn(atlas, params, deadline) -> (assignment, unmet, constrained_units,
#: stopped_early, without)`` (``without``: the assignment of access weight 0 when the weight is set, else None).
ALGORITHMS = {"default": tree_bisection, "tree-bisection": tree_bisection}
