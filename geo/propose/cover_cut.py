"""The cheapest cover within a band (:func:`min_cut`): the branch and bound on cost of :mod:`geo.propose.cover`'s
search (see there), run compiled (:func:`geo.propose.kernel_search.cut_search`) unless
:data:`geo.propose.cover.COMPILED` is off.
"""

from __future__ import annotations

import numpy as np

from geo.propose import cover, kernel_search, kernels
from geo.propose.cover_sets import DENSE, SPARSE, TOLERANCE, WORK, Profile, _Sets


def min_cut(
    masks,
    cost,
    sizes,
    n: int,
    k: int,
    total: float,
    lo: float,
    hi: float,
    start,
    limit: int,
    profile: Profile | None = None,
):
    """Return (the cheapest cover by ``k`` of the sets with sizes in ``[lo, hi]``, proven).

    With a ``profile``, the covers whose deviations, largest first, keep within its limits instead (the covers
    within a margin of a lexicographic optimum).

    ``masks`` (distinct)/``cost``/``sizes`` are the candidate sets, ``start`` (indices) a known cover within the
    band: the bound to beat, and the answer if nothing cheaper is found. Sets are tried cheapest first. A state
    (covered, used) that found nothing cheaper under a budget is cut when met again with no more budget; a branch is
    cut when what is spent plus what the uncovered nodes must still cost reaches the best. ``limit`` caps the nodes.

    >>> masks = [0b0011, 0b0110, 0b1100, 0b0001, 0b1110]
    >>> cost = [2.0, 1.0, 2.0, 1.0, 1.0]
    >>> cover, proven = min_cut(masks, cost, [1.0, 1.0, 1.0, 0.5, 1.5], 4, 2, 2.0, 0.4, 1.6, [0, 2], 100)
    >>> sorted(cover.tolist()), proven
    ([3, 4], True)
    """
    cost = np.asarray(cost, dtype=float)
    sets = _Sets(masks, sizes, n)
    price = cost[sets.order]
    share = price / np.maximum(np.bitwise_count(sets.masks), 1)  # what each of a set's nodes pays of its cost
    rank = np.empty(len(cost), dtype=np.int64)
    rank[sets.order] = np.arange(len(cost))
    start = [int(rank[i]) for i in start]
    best = [float(price[start].sum()), start]
    failed: dict[tuple, float] = {}

    def fits(counts, left, candidates, chosen_size=None):
        """Whether each of ``candidates`` may be the last group (after a group of ``chosen_size``, if given)."""
        size = sets.sizes[candidates]
        if profile is None:
            return (size >= lo - TOLERANCE) & (size <= hi + TOLERANCE)
        cap = profile.caps(counts, 1)[0] if chosen_size is None else profile.last_caps(counts, np.abs(chosen_size - 1))
        return np.abs(size - 1) <= cap + TOLERANCE

    def search(alive, covered, flags, used, remaining, spent, chosen, counts):
        sets.count(limit)
        left = k - used
        if left == 1:
            last = sets.find(sets.full & ~covered)
            if last is not None and fits(counts, 1, np.array([last]))[0] and spent + price[last] < best[0] - TOLERANCE:
                best[0], best[1] = spent + float(price[last]), [*chosen, last]
            return
        budget = best[0] - spent
        state = (covered, used, counts)
        if failed.get(state, -np.inf) >= budget:
            return
        before = best[0]
        if profile is None:
            alive = sets.usable(alive, lo, hi, remaining, left)
        else:
            alive = sets.window(alive, *profile.window(counts, left, remaining))
        if isinstance(alive, np.ndarray):
            alive = alive[price[alive] < budget - TOLERANCE]
        sets.count(limit, alive)
        options, bits = sets.branch(alive, flags)
        # What the uncovered nodes must still cost: each at least its cheapest usable set's share per node.
        floor = (
            0.0
            if bits is None or not len(options)
            else float(np.where(bits.view(bool), share[alive, None], np.inf).min(axis=0)[~flags].sum())
        )
        if left == 2 and len(options) and spent + floor < best[0] - TOLERANCE:
            # The last two at once: the cheapest option and set of what it leaves (first in price order on ties).
            options = options[np.argsort(price[options], kind="stable")]
            last = sets.complements(options, covered)
            ok = (last >= 0) & fits(counts, 1, np.maximum(last, 0), sets.sizes[options])
            totals = np.where(ok, spent + price[options] + price[np.maximum(last, 0)], np.inf)
            if len(totals) and totals.min() < best[0] - TOLERANCE:
                i = int(totals.argmin())
                best[0], best[1] = float(totals[i]), [*chosen, int(options[i]), int(last[i])]
        elif len(options) and spent + floor < best[0] - TOLERANCE:
            masks_alive = sets.masks_of(alive)
            for s in options[np.argsort(price[options], kind="stable")].tolist():
                if spent + price[s] >= best[0] - TOLERANCE:
                    break
                chosen.append(s)
                search(
                    sets.without(alive, s, masks_alive),
                    covered | int(sets.masks[s]),
                    flags | sets.bits[s].view(bool),
                    used + 1,
                    remaining - sets.sizes[s],
                    spent + price[s],
                    chosen,
                    counts if profile is None else profile.after(counts, abs(sets.sizes[s] - 1)),
                )
                chosen.pop()
        if best[0] == before:
            failed[state] = max(failed.get(state, -np.inf), budget)

    if cover.COMPILED and len(start) == k and (profile is None or profile.m <= kernels.MAX_LEVELS):
        arrays, (is_bits, idx, offset, words) = sets.compiled()
        cost_best, best_path = np.array([best[0]]), np.array(start, dtype=np.int64)
        nodes = np.array([sets.nodes], dtype=np.int64)
        limits = np.zeros(1) if profile is None else np.ascontiguousarray(profile.limits, dtype=float)
        budget = np.zeros(1, np.int64) if profile is None else np.ascontiguousarray(profile.budget, dtype=np.int64)
        proven = kernel_search.cut_search(
            *arrays,
            k,
            np.ascontiguousarray(price),
            np.ascontiguousarray(share),
            profile is not None,
            float(lo),
            float(hi),
            limits,
            budget,
            kernels.failed_states(),
            nodes,
            int(limit),
            WORK,
            int(DENSE),
            int(SPARSE),
            cost_best,
            best_path,
            np.zeros(k, dtype=np.int64),
            is_bits,
            idx,
            offset,
            words,
            np.uint64(0),
            np.zeros(n, bool),
            0,
            float(total),
            0.0,
            np.zeros(0 if profile is None else profile.m, dtype=np.int64),
        )
        sets.nodes = int(nodes[0])
        return sets.original(best_path), bool(proven)
    try:
        search(
            sets.everything(), 0, np.zeros(n, bool), 0, float(total), 0.0, [], () if profile is None else profile.start
        )
    except OverflowError:
        proven = False
    else:
        proven = True
    return sets.original(best[1]), proven
