"""Exact-cover searches over enumerated connected groups (the branch and bounds of :mod:`geo.propose.exact`).

Both are Knuth's Algorithm X over numpy arrays. Sets are bit masks (``uint64``: at most 64 nodes). At each search
node the sets still usable are an index array, and the search branches on the uncovered node that the fewest
usable sets cover (the minimum-remaining-values rule); a node no usable set covers fails at once. A set is usable
only if it is disjoint from the covered nodes and its population leaves the groups still to make a feasible total:
with ``R`` people uncovered and ``left`` groups to make, each within ``[lo, hi]``,

    ``max(lo, R - (left - 1) * hi) <= size <= min(hi, R - (left - 1) * lo)``.

When the mean group is off target this window is narrow (Leicester: nine groups of at least 48,673 people from
438,840 leave 783 to spare between them), which is what makes the searches fast. The last two groups are found at
once, as an option and the set of the nodes it leaves. States (covered nodes, groups used) that failed are
remembered. Node counts, weighted by the sets a node handles, cap both searches, so an answer depends only on
its inputs, never on the machine.

* :func:`minimax`: the cover whose largest deviation from the target is smallest, by decisions "is there a cover
  with every group within ``D``?", each restarted from the root (the minimum-remaining-values rule then sees the
  tighter window from the start) and sharing the states that failed (one that failed within ``D`` fails within
  any smaller ``D``). ``D`` halves the interval between a lower bound and the best cover while it is wide, then
  asks only for a cover better than the best. Sets nearest the binding side of the band are tried first (the
  smallest when the mean is under target), which leaves most room for the groups left.
* :func:`min_cut`: the cheapest cover within a band, by the same search as a branch and bound on cost, bounded
  below by what the uncovered nodes must cost at least (each its cheapest usable set's cost per node).

Both run compiled (:mod:`geo.propose.kernel_search`, numba): the Python here is the reference they are ported from
line by line and tested against (the same nodes in the same order, so the same covers, proofs and counts), and
what runs with :data:`COMPILED` off. All England from whole practices: every unit's exact solve in 23 to 26 CPU
seconds compiled (the heuristics that bound them included), against about 100 in Python.

Measured on Leicester (52 practices, nine groups): "no cover within 2.653 %" (the optimum is 2.654 %) takes
16,000 search nodes and under a second. Branching on the lowest uncovered node, as this module did before, took
72 s to prove "none within 2.6 %" (here 0.2 s) and had not proven 2.7 % after 20 million nodes; OR-Tools CP-SAT
on the same sets found no cover within 2.99 % in 120 s; a ZDD of the balanced partitions (graphillion) ran out
of memory.
"""

from __future__ import annotations

import numpy as np

from geo.propose import kernel_search, kernels
from geo.propose.cover_sets import DENSE, SPARSE, TOLERANCE, WORK, Profile, _Sets, node_flags  # noqa: F401

#: Run the searches compiled (:mod:`geo.propose.kernels`: the same nodes in the same order, so the same answer,
#: far faster); False runs the Python below (kept as the reference the compiled code is tested against).
COMPILED = True
#: A cover must beat the best so far by at least this much deviation (1e-9 of a target: far below one person).
STRICT = 1e-9
#: Below this width (relative to the target: 100 people in 50,000) the best balance is tightened one cover at
#: a time instead of by halving the interval.
BISECT = 0.002


def minimax(masks, sizes, n: int, k: int, total: float, limit: int, bound: float = np.inf):
    """Return ((chosen sets, largest deviation), proven): ``k`` disjoint sets covering all ``n`` nodes whose
    largest ``|size - 1|`` is smallest, or ``(None, proven)`` when no cover lies within ``bound``.

    ``masks`` (distinct, at most 64 nodes) and ``sizes`` (relative to the target) are the candidate sets,
    ``total`` the size of all nodes together; ``limit`` caps the search nodes over all decisions (past it the best
    cover found so far comes back unproven).

    >>> # A path 0 - 1 - 2 - 3 of sizes 0.5, 0.5, 0.6, 0.4: {0, 1} + {2, 3} is exact.
    >>> masks = [0b0011, 0b0110, 0b1100, 0b0001, 0b1110, 0b0111, 0b1000]
    >>> sizes = [1.0, 1.1, 1.0, 0.5, 1.5, 1.6, 0.4]
    >>> (chosen, deviation), proven = minimax(masks, sizes, 4, 2, 2.0, 1000)
    >>> sorted(chosen.tolist()), deviation, proven
    ([0, 2], 0.0, True)
    """
    found, proven, _ = lexicographic(masks, sizes, n, k, total, limit, bound, levels_limit=0)
    return (None if found is None else (found[0], float(found[1][0]))), proven


def lexicographic(
    masks,
    sizes,
    n: int,
    k: int,
    total: float,
    limit: int,
    bound: float = np.inf,
    levels_limit: int = 0,
    enough: float = 0.0,
    known: float = 0.0,
):
    """Return ((chosen sets, deviations largest first), proven, levels proven): the cover whose largest deviation
    is smallest, then (within that) whose second largest is smallest, and so on: lexicographic minimax.

    The largest deviation is found as by :func:`minimax` (``limit`` search nodes, ``bound``; ``proven`` is its
    proof). Then, level by level, the same decisions ask for a cover whose next deviation is at most ``D`` while
    the levels already fixed hold (:class:`Profile`), each level started from the best cover so far, sharing
    ``levels_limit`` further search nodes; ``levels proven`` says how many levels (from the largest) are proven
    optimal (``k`` once every level is). Past the count, the best cover found stands (it meets every proven level).
    Levels are only refined while the best cover's next one is over ``enough`` (a tolerance every group may have
    anyway): the levels left are then within it, and counted as proven only if they are all at most ``STRICT``.
    ``known`` is a lower bound on the largest deviation found otherwise (:func:`geo.propose.group_sets.cut_floor`): once
    the best cover meets it, the decisions left would all fail, so they are not made (the same cover, proven).
    ``(None, proven, 0)`` when no cover lies within ``bound``.

    >>> # A path of five: 2.0 (a node too large on its own), then 0.5, 0.5, 0.6, 0.4, in three groups. Every
    >>> # cover is off by 100 % (the big node); the best of them also splits the rest evenly.
    >>> path = [1 << i | 1 << (i + 1) for i in range(4)] + [1 << i for i in range(5)] + [0b11100, 0b11110]
    >>> sizes = [2.5, 1.0, 1.1, 1.0, 2.0, 0.5, 0.5, 0.6, 0.4, 1.5, 2.0]
    >>> (chosen, deviations), proven, levels = lexicographic(path, sizes, 5, 3, 4.0, 1000, levels_limit=1000)
    >>> sorted(chosen.tolist()), deviations.tolist(), proven, levels
    ([1, 3, 4], [1.0, 0.0, 0.0], True, 3)
    """
    sizes = np.asarray(sizes, dtype=float)
    sets = _Sets(masks, sizes, n, descending=total / k >= 1)  # the binding side of the band first
    # Lower bounds on the optimum: some group is at least, and some at most, the mean; and every node is in some
    # group, so no cover beats the best set holding the node whose sets are all furthest off (a practice larger
    # than the band on its own).
    nearest = kernels.nearest(sets.masks, np.abs(sets.sizes - 1), n)
    held = {"best": None}
    try:
        _level(sets, k, total, (), limit, max(abs(total / k - 1), nearest) - STRICT, bound, held, known)
    except OverflowError:
        proven = False
    else:
        proven = True
    best = held["best"]
    if best is None:
        return None, proven, 0
    levels = 0
    if proven:
        levels, sets.nodes = 1, 0
        fixed = [_sorted_deviations(sets, best)[0]]
        try:
            while levels < k:
                following = _sorted_deviations(sets, held["best"])[levels]
                if following <= STRICT:  # the levels below are no larger: nothing left to improve
                    levels = k
                    break
                if following <= enough:
                    break  # the next level, and every one below it, is within the tolerance already
                _level(sets, k, total, tuple(fixed), levels_limit, -STRICT, np.inf, held)
                fixed.append(_sorted_deviations(sets, held["best"])[levels])
                levels += 1
        except OverflowError:
            pass
        best = held["best"]
    return (sets.original(best), _sorted_deviations(sets, best)), proven, levels


def _level(
    sets: _Sets,
    k: int,
    total: float,
    fixed: tuple,
    limit: int,
    low: float,
    bound: float,
    held: dict,
    known: float = 0.0,
):
    """Decide level ``len(fixed)``: the smallest ``D`` such that some cover has that level's deviation at most
    ``D`` and every fixed level's at most its own; the best cover so far is ``held["best"]`` (the start, and the
    answer: an OverflowError past ``limit`` leaves the best found there). No cover's level is below ``known``: a
    best cover within ``STRICT`` of it is proven without asking for a better one (every such decision fails)."""
    level = len(fixed)
    failed: dict[tuple, float] = {}  # a state that failed within D fails within any smaller D (same fixed levels)

    def within(alive, covered, flags, used, remaining, counts, profile, d):
        sets.count(limit)
        left = k - used
        if left == 1:
            last = sets.find(sets.full & ~covered)
            return (
                [last]
                if last is not None and abs(sets.sizes[last] - 1) <= profile.caps(counts, 1)[0] + TOLERANCE
                else None
            )
        state = (covered, used, counts)
        if failed.get(state, -1.0) >= d:
            return None
        alive = sets.window(alive, *profile.window(counts, left, remaining))
        sets.count(limit, alive)
        options, _ = sets.branch(alive, flags)
        if left == 2 and len(options):  # the last two at once: an option and the set of what it leaves
            last = sets.complements(options, covered)
            caps = profile.last_caps(counts, np.abs(sets.sizes[options] - 1))
            fits = np.flatnonzero((last >= 0) & (np.abs(sets.sizes[np.maximum(last, 0)] - 1) <= caps + TOLERANCE))
            if len(fits):
                return [int(options[fits[0]]), int(last[fits[0]])]
        elif len(options):
            masks_alive = sets.masks_of(alive)
            for s in options.tolist():
                found = within(
                    sets.without(alive, s, masks_alive),
                    covered | int(sets.masks[s]),
                    flags | sets.bits[s].view(bool),
                    used + 1,
                    remaining - sets.sizes[s],
                    profile.after(counts, abs(sets.sizes[s] - 1)),
                    profile,
                    d,
                )
                if found is not None:
                    return [s, *found]
        failed[state] = max(d, failed.get(state, -1.0))
        return None

    def value(chosen):
        return _sorted_deviations(sets, chosen)[level]

    # Halve the interval between a lower bound (the largest D without a cover) and the best cover while it is
    # wide; near the optimum, ask only for a cover better than the best. Decisions just below the optimum cost
    # most (Leicester: 16,000 nodes each), so few are made there.
    if held["best"] is None:
        d = float(bound)
    else:
        high = value(held["best"])
        if high <= low + STRICT or high < known + STRICT:
            return
        d = high - STRICT if high - low <= BISECT else (low + high) / 2
    everything = sets.everything()
    compiled = COMPILED and len(fixed) < kernels.MAX_LEVELS
    if compiled:
        arrays, root = sets.compiled()
        failed_states = kernels.failed_states()
    while True:
        profile = Profile([*fixed, d])
        if compiled:
            found = _within_compiled(sets, arrays, root, failed_states, k, total, profile, d, limit)
        else:
            found = within(everything, 0, np.zeros(sets.n, bool), 0, float(total), profile.start, profile, d)
        if found is not None:
            held["best"] = found
        elif held["best"] is None or d >= value(held["best"]) - 2 * STRICT:
            return  # nothing within the bound, or nothing better than the best: proven
        else:
            low = d
        high = value(held["best"])
        if high <= low + STRICT or high < known + STRICT:
            return  # the best meets a lower bound: proven
        d = high - STRICT if high - low <= BISECT else (low + high) / 2


def _within_compiled(sets: _Sets, arrays, root, failed, k: int, total: float, profile: Profile, d: float, limit: int):
    """One decision of :func:`_level` by :func:`geo.propose.kernel_search.within`: the cover's sets, or None."""
    path, nodes = np.zeros(k, dtype=np.int64), np.array([sets.nodes], dtype=np.int64)
    found = kernel_search.within(
        *arrays,
        k,
        np.ascontiguousarray(profile.limits, dtype=float),
        np.ascontiguousarray(profile.budget, dtype=np.int64),
        float(d),
        failed,
        nodes,
        int(limit),
        WORK,
        int(DENSE),
        int(SPARSE),
        path,
        *root,
        np.uint64(0),
        np.zeros(sets.n, bool),
        0,
        float(total),
        np.zeros(profile.m, dtype=np.int64),
    )
    sets.nodes = int(nodes[0])
    if found < 0:
        raise OverflowError
    return path.tolist() if found else None


def _sorted_deviations(sets: _Sets, chosen) -> np.ndarray:
    return np.sort(np.abs(sets.sizes[np.asarray(chosen, dtype=np.int64)] - 1))[::-1]


# The cheapest cover is its own module; it is found here too, beside the balance searches it shares its sets with.
from geo.propose.cover_cut import min_cut  # noqa: E402,F401
