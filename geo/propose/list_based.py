"""List-based proposals: neighbourhoods of whole GP practices (or whole PCNs), solved exactly per nesting unit.

Each nesting unit (the local authority, upper tier or ICB of each practice's site, or the whole area) is solved
on its own over the practice graph of :mod:`geo.propose.practice_graph`; units are independent, so a large area's
are solved in two processes (the same answer whatever the order they finish in). A unit whose list population is
below the band is one neighbourhood. Otherwise the numbers of neighbourhoods whose average is nearest the target
(floor and ceiling) are each solved exactly (:func:`geo.propose.exact.partition`), bounded from the start by a
spanning-tree heuristic's answer, and the one with the smaller largest deviation kept; a ``k`` whose unavoidable
deviation (its mean's) is already worse than the other's optimum is not tried. A unit too large to prove (more
than :data:`MAX_EXACT` nodes, or past the exact solver's counts) keeps the heuristic's answer, says so, and
reports its gap to a lower bound on the largest deviation (the mean's, or the largest single list's).

With a number of neighbourhoods (``params.neighbourhoods``, for the whole area or per place) each nesting unit
gets its count (:func:`geo.propose.counts.place_counts` over the units' registered lists) and aims at its own
ideal size, its registered total over its count; the balance is then judged against that ideal, and the ideals
ride on the assignment (``attrs["ideals"]``) for the plan's provenance.

With ``params.respect`` ``"wards"`` or ``"custom"`` the nodes are the practices grouped by the ward (or unit) their
site is in, PCNs joined with them in a PCN build (:mod:`geo.propose.list_groups`); the rule rides on the assignment
(``attrs["grouped"]``), and a group whose list is above the largest size is said in ``unmet``, never broken.
"""

from __future__ import annotations

import gc
import os
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from geo.propose.bisect import bisect_piece
from geo.propose.bisect import warm as warm_bisection
from geo.disclosure import margin_totals
from geo.errors import PlanError
from geo.propose.counts import ideal_table, place_counts, place_populations
from geo.propose.model import NEST_COLUMNS
from geo.propose.exact import EPSILON, MAX_NODES, TIME_LIMIT, partition, warm
from geo.propose.list_groups import respected_units
from geo.propose.practice_graph import pcn_units, practice_units
from geo.propose.refine import refine
from geo.propose.units import Budget, Piece, may_fork, neighbourhood_targets

#: Units with more nodes than this go straight to the heuristic (the exact searches hold sets as 64-bit masks).
MAX_EXACT = MAX_NODES
#: Two neighbours of a practice too large for the band on its own are joined across its footprint when they share
#: at least this share of the smaller one's list in the same LSOAs (a quarter of the graph's edges share less):
#: else a practice walled in by a large one's footprint could only be a neighbourhood on its own (Enfield: three
#: beside Medicus Health Partners, 93,600 patients, made groups of 8,100 to 13,000).
BRIDGE_SHARE = 0.05
#: Bisection attempts of the heuristic (a count: the answer depends only on the seed).
ATTEMPTS = 8
#: Attempts of the heuristic whose answer only bounds an exact solve (and stands if the solve gives up).
BOUND_ATTEMPTS = 3
#: Units of fewer nodes are first solved exactly without that bound (their searches are short anyway; all England:
#: the same plan, a tenth less CPU).
BOUND_MIN_NODES = 30


def list_based(atlas, params, deadline: float = float("inf")):
    """Propose neighbourhoods of whole practices (``params.build_from`` ``"practices"``) or PCNs (``"pcns"``).

    Returns
    -------
    tuple
        ``(practice_assignment, unmet, constrained_units, stopped_early, solve_report)``: a Series
        ``practice_code -> <unit code>-P01 ...`` over every in-area practice; what could not be met, in words; the
        units whose list cannot be divided within the band; whether the deadline cut a search; and per unit a dict
        ``unit, name, nodes, k, status ("optimal" / "unproven" / "heuristic" / "single"), max_deviation, seconds``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.propose import ProposalParams
    >>> atlas = grid_atlas(6, 6, practice_every=3)
    >>> assignment, unmet, constrained, stopped, report = list_based(atlas, ProposalParams(target=18_000,
    ...     build_from="practices"))
    >>> assignment.value_counts().sort_index().to_dict()
    {'E07009000-P01': 6, 'E07009000-P02': 3, 'E07009000-P03': 3}
    >>> report[0]["status"], report[0]["k"], stopped
    ('optimal', 3, False)
    """
    build_from = getattr(params, "build_from", "practices")
    grouped = None
    if getattr(params, "respect", None) in ("wards", "custom"):
        # Every practice whose site is in one ward (or unit) in one neighbourhood: the groups are the nodes.
        units, grouped = respected_units(atlas, params)
    else:
        units = pcn_units(atlas) if build_from == "pcns" else practice_units(atlas)
    target, low, high = float(params.target), *params.band
    budget = Budget(deadline)
    overlap = units.overlap / max(float(units.overlap.data.mean()), 1e-9) if units.overlap.nnz else units.overlap
    if params.nest == "none":
        unit_codes = np.full(len(units), ",".join(atlas.area.codes) if len(atlas.area.codes) == 1 else "AREA")
        unit_names = np.full(len(units), atlas.area.label)
    else:
        unit_codes, unit_names = units.nest[params.nest]
    labels = np.empty(len(units), dtype=object)
    unmet, constrained, report = list(units.notes), [], []
    tasks, spots = [], []
    ideals = _ideals(atlas, units, unit_codes, unit_names, params)
    # Each unit's nodes (ascending) and its blocks of the graph's matrices, cut from copies in unit order.
    codes, which = np.unique(unit_codes, return_inverse=True)
    in_unit_order = np.argsort(which, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(which, minlength=len(codes)))]
    blocks = _Blocks(in_unit_order, units.adjacency, units.shared, overlap)
    for u, code in enumerate(codes):
        a, b = int(bounds[u]), int(bounds[u + 1])
        idx = in_unit_order[a:b]
        adjacency_block, shared_block, overlap_block = blocks.cut(a, b)
        name = str(unit_names[idx[0]])
        aim = ideals.get(str(code))  # with a count: this place's own, and its ideal size (total over count)
        top = aim["ideal"] * (1 + params.tolerance) if aim else high
        if grouped is not None:  # a group kept whole though it is too large: said, never broken
            for o in idx[units.lists[idx] > top]:
                if len(units.members[o]) > 1:
                    unmet.append(
                        f"{name} ({code}): {units.names[o]} ({units.codes[o]}): its {len(units.members[o])} "
                        f"practices (kept together by respect '{params.respect}') hold a list of "
                        f"{_shown(_published(units, [o])[0])}, above the largest size of {top:,.0f}; kept whole"
                    )
        adjacency, bridged = _bridge(adjacency_block, shared_block, units.lists[idx], top)
        if bridged:
            shown = _published(units, idx[bridged], np.arange(len(bridged)), len(bridged))
            big = ", ".join(f"{units.names[idx[o]]} ({_shown(v)})" for o, v in zip(bridged, shown))
            unmet.append(
                f"{name} ({code}): {units.kind} beside {big}, too large for the band on its own, may be "
                "grouped across its footprint where they share patients"
            )
        adjacency, joined = _connect(adjacency, units.x[idx], units.y[idx])
        if joined:
            unmet.append(
                f"{name} ({code}): {joined} group(s) of {units.kind} whose footprints touch no other "
                "in the unit joined to the nearest by site"
            )
        # Phase three's cost of parting two practices: the patients they share, over every pair of the unit.
        weight = shared_block.tocsr() / max(float(units.overlap.data.mean()), 1e-9)
        tasks.append(
            Unit(
                str(code),
                units.lists[idx].astype(float),
                adjacency,
                weight if units.overlap.nnz else overlap_block,
                units.x[idx],
                units.y[idx],
                units.area[idx],
                k=aim["neighbourhoods"] if aim else None,
                target=aim["ideal"] if aim else None,
            )
        )
        spots.append((idx, name))
    solved = _solve_units(tasks, params, deadline)
    for unit, (idx, name), (local, k, status, seconds, hit) in zip(tasks, spots, solved):
        code = unit.code
        target = unit.target or float(params.target)
        low, high = _band(unit, params)
        budget.hit |= hit
        for g in range(k):
            labels[idx[local == g]] = f"{code}-P{g + 1:02d}"
        # Every figure below leaves the process (the plan's provenance, the command's output): of the lists as
        # published, margins of the practices' lists, never the exact ones, which beside the published lists of
        # the other practices would give a small one back (and so would a verdict on them with the band's edge
        # set a few people above a published total).
        groups = _published(units, idx, local, k)
        total = float(_published(units, idx)[0])
        deviation = float(np.nanmax(np.abs(groups / target - 1), initial=0.0))
        entry = {
            "unit": str(code),
            "name": name,
            "nodes": int(len(idx)),
            "k": int(k),
            "status": status,
            "max_deviation": round(deviation, 4),
            "seconds": round(seconds, 3),
        }
        if status == "heuristic":
            # Not proven: the gap to a lower bound on the largest deviation (the mean's, or the largest node's).
            largest = float(np.nanmax(_published(units, idx, np.arange(len(idx)), len(idx)), initial=0.0))
            bound = max(abs(total / k / target - 1), largest / target - 1, 0.0)
            entry["lower_bound"], entry["gap"] = round(float(bound), 4), round(float(max(deviation - bound, 0.0)), 4)
        report.append(entry)
        if not low <= total / k <= high:
            constrained.append(str(code))
            unmet.append(
                f"{name} ({code}): a list of {_shown(total)} is outside the band for {k} "
                f"neighbourhood{'s' if k > 1 else ''}"
            )
        else:
            for g in np.flatnonzero(~((groups >= low) & (groups <= high))):
                unmet.append(
                    f"{code}-P{g + 1:02d}: a list of {_shown(groups[g])} is outside the band of "
                    f"{low:,.0f}-{high:,.0f}; whole {units.kind} allow no better balance"
                )
        if status == "heuristic":
            unmet.append(
                f"{name} ({code}): {len(idx)} {units.kind} are too many to prove optimal; solved by "
                f"spanning-tree bisection; its largest deviation is at most {100 * entry['gap']:.1f} "
                "percentage points above the best possible (the gap to a lower bound)"
            )
    practice_labels = {p: labels[i] for i, members in enumerate(units.members) for p in members}
    assignment = pd.Series(practice_labels, name="neighbourhood").sort_index()
    assignment.index.name = "practice_code"
    assignment.attrs["ideals"] = ideals
    if grouped is not None:
        assignment.attrs["grouped"] = grouped
    if budget.hit:
        unmet.append(f"stopped at the time budget of {params.time_budget:g} s before the search was complete")
    clocked = [r["unit"] for r in report if "time limit" in r["status"]]
    if clocked:
        unmet.append(f"{len(clocked)} unit(s) had a solver stopped by its safety time limit: {', '.join(clocked)}")
    return assignment, unmet, constrained, budget.hit or bool(clocked), report


class _Blocks:
    """The diagonal blocks of square sparse matrices for groups of nodes: ``cut(a, b)`` is each matrix's rows and
    columns ``order[a:b]`` (ascending within a group), as ``matrix[idx][:, idx]`` gives them (the same stored
    entries in the same order), sliced from one copy in ``order`` instead of indexed out of the whole each time."""

    def __init__(self, order: np.ndarray, *matrices):
        self.matrices = []
        for m in matrices:
            m = sparse.csr_matrix(m)
            # Columns renumbered by ``order``; within a row, entries stay in their original order (the blocks'
            # entries are then in the order fancy indexing keeps, as their columns ascend with the original's).
            where = np.empty(m.shape[1], dtype=np.int64)
            where[order] = np.arange(len(order))
            rows = m[order]
            self.matrices.append((rows.indptr, where[rows.indices], rows.data, m.dtype))

    def cut(self, a: int, b: int) -> list[sparse.csr_matrix]:
        out = []
        for indptr, indices, data, dtype in self.matrices:
            lo, hi = indptr[a], indptr[b]
            cols, values = indices[lo:hi], data[lo:hi]
            inside = (cols >= a) & (cols < b)
            row = np.repeat(np.arange(b - a), np.diff(indptr[a : b + 1]))
            counts = np.bincount(row[inside], minlength=b - a)
            out.append(
                sparse.csr_matrix(
                    (values[inside], cols[inside] - a, np.r_[0, np.cumsum(counts)]), shape=(b - a, b - a), dtype=dtype
                )
            )
        return out


@dataclass
class Unit:
    """One nesting unit's graph, as handed to a solver process: node lists, adjacency, shared patients, sites."""

    code: str
    pop: np.ndarray
    adjacency: sparse.csr_matrix
    overlap: sparse.csr_matrix
    x: np.ndarray
    y: np.ndarray
    area: np.ndarray
    #: A number of neighbourhoods fixed for this unit (``params.neighbourhoods``), and the ideal size it aims at.
    k: int | None = None
    target: float | None = None


def _band(unit: Unit, params) -> tuple[float, float]:
    """The unit's band: around its own ideal size when it has a count, else the plan's."""
    if unit.target is None:
        return params.band
    return unit.target * (1 - params.tolerance), unit.target * (1 + params.tolerance)


def _ideals(atlas, units, unit_codes, unit_names, params) -> dict[str, dict]:
    """Each nesting unit's count and ideal size for ``params.neighbourhoods`` (``{}`` without one): its
    registered lists' total over its count; a unit holds at most one neighbourhood per practice (or PCN)."""
    if params.neighbourhoods is None:
        return {}
    codes = np.asarray(unit_codes).astype(str)
    lists = place_populations(*_practice_parts(atlas, units, codes))
    names = {str(c): str(n) for c, n in zip(codes, np.asarray(unit_names).astype(str))}
    spec = params.neighbourhoods
    if isinstance(spec, dict):
        # A place named but holding no unit's site (a PCN is kept whole where most of its list is): say why,
        # rather than calling a real authority unknown.
        empty = sorted((set(spec) - set(names)) & _place_codes(atlas, params.nest))
        if empty:
            where = "its site" if units.kind == "practices" else "most of its list"
            raise PlanError(
                f"no {units.kind} are solved in {', '.join(empty)}: each is solved in the {params.nest} "
                f"holding {where}, so name only the places that hold some",
                column="neighbourhoods",
                expected=f"a count for each of {', '.join(sorted(names))}",
            )
    counts = place_counts(lists, spec, pd.Series(codes).value_counts(), names)
    return ideal_table(lists, counts, names, counted="patients on their practices' lists")


def _practice_parts(atlas, units, codes: np.ndarray) -> tuple[pd.Series, np.ndarray]:
    """``(place of each practice, its list)``: the parts a place's published total is made of, practices even in
    a build of PCNs or respected groups (a node's list is its practices' lists summed)."""
    if all(len(m) == 1 for m in units.members):
        return pd.Series(codes), np.asarray(units.lists, dtype=float)
    practices = practice_units(atlas)
    place_of = {str(m): c for members, c in zip(units.members, codes) for m in members}
    keep = np.array([str(c) in place_of for c in practices.codes], dtype=bool)
    places = [place_of[str(c)] for c in np.asarray(practices.codes)[keep]]
    return pd.Series(places, dtype=object), np.asarray(practices.lists, dtype=float)[keep]


def _published(units, nodes, groups=None, k: int = 1) -> np.ndarray:
    """The published list total (:func:`geo.disclosure.margin_totals`: NaN when suppressed) of each of ``k``
    groups of ``nodes`` (``groups``: each node's group; default: all in one), from their practices' margin parts.

    >>> from geo.testing.small_count_area import small_count_atlas
    >>> units = practice_units(small_count_atlas())  # Y00001: a list of 5
    >>> y, z = list(units.codes).index("Y00001"), list(units.codes).index("Z00000")
    >>> float(units.lists[[z, y]].sum()), _published(units, [z, y]).tolist(), _published(units, [y]).tolist()
    (2808.0, [2810.0], [nan])
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    groups = np.zeros(len(nodes), np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    sums = [np.bincount(groups, weights=row[nodes], minlength=k) for row in units.parts]
    return margin_totals(*sums)[0]


def _shown(count: float) -> str:
    """A published list in words: the number, or that it is too small to publish."""
    return f"{count:,.0f}" if np.isfinite(count) else "too few to publish"


def _place_codes(atlas, nest: str) -> set[str]:
    """The codes of the atlas's places at the ``nest`` level (none for the whole area)."""
    column = NEST_COLUMNS.get(nest, (None,))[0]
    lsoas = atlas.lsoas
    return set(lsoas[column].astype(str)) if column in lsoas.columns else set()


#: Nodes over all units from which the units are solved in parallel processes (England: 6,190 practices).
PARALLEL_MIN_NODES = 1_000


def _solve_units(units: list[Unit], params, deadline: float) -> list[tuple]:
    """Solve every unit, in parallel processes for large areas: ``(labels, k, status, seconds, hit)`` each.

    Each unit does the same counted search whatever the number of processes or the order they finish in (its
    heuristic's seed comes from the unit's code), so the answer is the same; all share the one ``deadline``.
    """
    workers = min(2, os.cpu_count() or 1) if sum(len(u.pop) for u in units) >= PARALLEL_MIN_NODES and may_fork() else 1
    compiling = time.monotonic()
    if any(1 < len(u.pop) <= MAX_EXACT for u in units):
        warm()  # compiled once here, before the workers are forked, not once in each
    if any(len(u.pop) > 1 for u in units):
        warm_bisection()  # the heuristic's spanning trees and cuts, likewise
    # Compiling (the first run after an install: about 45 CPU seconds) is not search: the budget, a safety net for
    # the search, starts again after it (loading the compiled code from numba's cache takes well under a second).
    deadline += time.monotonic() - compiling
    if workers == 1:
        return [_solve_timed(u, params, deadline) for u in units]
    # Largest units first (their exact solves cost most), so the pool does not wait on one at the end.
    order = sorted(range(len(units)), key=lambda i: (-len(units[i].pop), i))
    # Frozen, the parent's objects (the atlas) are never traversed by a worker's garbage collector, so its pages
    # stay shared instead of being copied into each worker (all England: half a million page faults, seconds).
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = dict(
                zip(
                    order,
                    pool.map(
                        _solve_timed,
                        [units[i] for i in order],
                        [params] * len(order),
                        [deadline] * len(order),
                        chunksize=2,
                    ),
                )
            )
    finally:
        gc.unfreeze()
    return [done[i] for i in range(len(units))]


def _solve_timed(unit: Unit, params, deadline: float) -> tuple:
    """Solve one unit with the garbage collector paused (the searches make many short-lived arrays and no reference
    cycles, so collections would only cost time); only in a process's main thread, as the collector is
    process-wide and a service's request thread must not switch it off under the others."""
    pause = may_fork() and gc.isenabled()
    if pause:
        gc.disable()
    try:
        budget = Budget(deadline)
        start = time.monotonic()
        local, k, status = _solve_unit(unit, params, budget)
        return local, k, status, time.monotonic() - start, budget.hit
    finally:
        if pause:
            gc.enable()


def _solve_unit(unit: Unit, params, budget):
    """Return (labels 0..k-1, k, status) for one connected unit."""
    pop, adjacency, overlap = unit.pop, unit.adjacency, unit.overlap
    target = unit.target or float(params.target)
    low, high = _band(unit, params)
    n, total = len(pop), float(pop.sum())
    ratio = total / target
    if (total < low and unit.k is None) or n == 1 or unit.k == 1:
        return np.zeros(n, int), 1, "single"
    options = (
        [unit.k]
        if unit.k is not None
        else sorted(
            {min(n, max(1, int(np.floor(ratio)))), min(n, max(1, int(np.ceil(ratio))))},
            key=lambda k: (abs(total / k / target - 1), k),
        )
    )
    if n <= MAX_EXACT and not budget.over():
        best, clock, fallback = None, False, None
        for k in options:
            if best is not None and abs(total / k / target - 1) >= best[1].optimum:
                continue  # this k cannot beat the other's optimum: its mean is already further off
            # The heuristic's answer bounds the exact search from the start (and is kept if the search cannot
            # be finished); another k must do better than the first one's optimum by more than EPSILON.
            fallback = k if fallback is None else fallback
            solved = None
            for bounded in (False, True) if n < BOUND_MIN_NODES and pop.max() <= high else (True,):
                # A small unit is first solved without the heuristic's bound (a short search either way); only
                # if that gives up (too many sets) with it. A practice over the band on its own would widen the
                # margins to every connected set: that unit has the bound at once.
                bound = np.inf
                if bounded:
                    guess = _heuristic(unit, k, params, budget, attempts=BOUND_ATTEMPTS)
                    bound = float(np.abs(np.bincount(guess, weights=pop, minlength=k) / target - 1).max())
                if best is not None:
                    bound = min(bound, best[1].optimum - EPSILON)
                solved = partition(
                    pop,
                    adjacency,
                    k,
                    target,
                    overlap,
                    bound=bound + 1e-9,
                    enough=params.tolerance,
                    time_limit=max(min(TIME_LIMIT, budget.deadline - time.monotonic()), 0.1),
                )
                if solved is not None:
                    break
            if solved is None:
                if best is None:
                    break  # beyond exact solving: the heuristic's answer stands
                continue  # this k cannot beat the first one's optimum (or cannot be proven to): keep that
            # A safety limit of the clock decided part of this answer: say so in the status (and the plan is
            # marked stopped early), but later units still get their exact solve.
            clock |= solved.timed_out
            if best is None or solved.optimum < best[1].optimum:
                best = (k, solved)
        if best is not None:
            k, solved = best
            # The status is the balance proof; a compactness phase cut by its safety time limit is flagged.
            return (
                solved.labels,
                k,
                (
                    solved.status
                    + (" (compactness unproven)" if not solved.cut_proven else "")
                    + (" (time limit)" if clock else "")
                ),
            )
        if fallback is not None:  # every attempt now (the first ones are the bound's: same seed, same trees)
            return _heuristic(unit, fallback, params, budget), fallback, "heuristic"
    k = options[0]
    return _heuristic(unit, k, params, budget), k, "heuristic"


def _heuristic(unit: Unit, k, params, budget, attempts: int = ATTEMPTS) -> np.ndarray:
    """Spanning-tree bisection and refinement over the practice graph; the best of :data:`ATTEMPTS` by balance."""
    target = unit.target or float(params.target)
    code, pop = unit.code, unit.pop
    piece = Piece(
        code,
        code,
        np.arange(len(pop)),
        sparse.csr_matrix(unit.adjacency, dtype=bool),
        pop,
        unit.x,
        unit.y,
        np.maximum(unit.area, 1.0),
        -np.ones(len(pop), int),
        k,
        targets=neighbourhood_targets(float(pop.sum()), k, target, params.tolerance),
        target=target,
        tolerance=params.tolerance,
    )
    rng = np.random.default_rng(np.random.SeedSequence([params.seed, zlib.crc32(str(code).encode())]))
    best, best_dev = None, np.inf
    for _ in range(attempts):
        labels = bisect_piece(piece, rng, compactness_weight=params.compactness_weight, budget=budget)
        labels = refine(piece, labels, compactness_weight=params.compactness_weight, budget=budget)
        dev = float(np.abs(np.bincount(labels, weights=pop, minlength=k) / target - 1).max())
        if dev < best_dev:
            best, best_dev = labels, dev
        if budget.over():
            break
    return best


def _bridge(adjacency, shared, pop, high: float) -> tuple[sparse.csr_matrix, list[int]]:
    """Join the neighbours of each node over ``high`` on its own that share :data:`BRIDGE_SHARE` of the smaller
    one's list; return the graph and the nodes bridged across.

    >>> path = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=bool))
    >>> shared = sparse.csr_matrix(np.array([[9, 5, 1], [5, 90, 5], [1, 5, 9]], dtype=float))
    >>> graph, big = _bridge(path, shared, np.array([10.0, 100.0, 10.0]), 50.0)
    >>> graph.toarray().astype(int).tolist(), big
    ([[0, 1, 1], [1, 0, 1], [1, 1, 0]], [1])
    """
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    pop = np.asarray(pop, dtype=float)
    bridged = []
    links = sparse.csr_matrix(adjacency.shape, dtype=bool)
    for o in np.flatnonzero(pop > high).tolist():
        near = adjacency.indices[adjacency.indptr[o] : adjacency.indptr[o + 1]]
        near = near[pop[near] <= high]
        if len(near) < 2:
            continue
        share = sparse.csr_matrix(shared)[near][:, near].toarray() / np.minimum.outer(pop[near], pop[near])
        np.fill_diagonal(share, 0)
        a, b = np.nonzero((share >= BRIDGE_SHARE) & ~adjacency[near][:, near].toarray())
        if len(a):
            links = links + sparse.csr_matrix((np.ones(len(a), bool), (near[a], near[b])), shape=adjacency.shape)
            bridged.append(o)
    return (adjacency + links).astype(bool).tocsr(), bridged


def _connect(adjacency, x, y) -> tuple[sparse.csr_matrix, int]:
    """Join the components of ``adjacency`` to their nearest other component by site; return it and the joins."""
    adjacency = sparse.csr_matrix(adjacency, dtype=bool)
    count, part = csgraph.connected_components(adjacency, directed=False)
    joins = 0
    while count > 1:
        sizes = np.bincount(part)
        c = int(np.argmin(sizes))
        inside, outside = np.flatnonzero(part == c), np.flatnonzero(part != c)
        dist, nearest = cKDTree(np.column_stack([x[outside], y[outside]])).query(
            np.column_stack([x[inside], y[inside]])
        )
        i = int(np.argmin(dist))
        a, b = inside[i], outside[nearest[i]]
        link = sparse.csr_matrix(([True, True], ([a, b], [b, a])), shape=adjacency.shape)
        adjacency = (adjacency + link).astype(bool).tocsr()
        joins += 1
        count, part = csgraph.connected_components(adjacency, directed=False)
    return adjacency, joins
