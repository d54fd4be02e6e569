"""Compiled (numba) exact-cover searches: the balance decision (:func:`within`) and the cheapest cover
(:func:`cut_search`), line-by-line ports of :func:`geo.propose.cover._level`'s and :func:`geo.propose.cover.min_cut`'s
searches (the same nodes in the same order). Their bookkeeping is :mod:`geo.propose.kernel_sets`.
"""

from __future__ import annotations

import numpy as np

from geo.propose.kernel_sets import (
    _after,
    _branch,
    _caps,
    _count,
    _find,
    _grown,
    _key,
    _last_cap,
    _profile_window,
    _window,
    _without,
)
from geo.propose.kernels import TOLERANCE, lowest, njit, pairwise_sum

# ---------------------------------------------------------------------------------------------------------------
# The balance decision: is there a cover within the profile? (geo.propose.cover._level's ``within``)


@njit
def within(
    masks,
    sizes,
    key,
    descending,
    columns,
    given,
    position,
    n,
    full,
    k,
    limits,
    budget,
    d,
    failed,
    nodes,
    limit,
    work,
    dense,
    sparse,
    path,
    is_bits,
    idx,
    offset,
    words,
    covered,
    flags,
    used,
    remaining,
    counts,
):
    """1 when a cover is found (its sets in ``path[:k]``), 0 when none, -1 when past ``limit`` nodes."""
    if _count(nodes, limit, -1, work):
        return -1
    left = k - used
    if left == 1:
        last = _find(given, position, full & ~covered)
        if last >= 0 and abs(sizes[last] - 1) <= _caps(limits, budget, counts, 1)[0] + TOLERANCE:
            path[used] = last
            return 1
        return 0
    state = _key(covered, used, counts)
    if failed.get(state, -1.0) >= d:
        return 0
    low, high = _profile_window(limits, budget, counts, left, remaining)
    is_bits, idx, offset, words = _window(key, descending, is_bits, idx, offset, words, low, high)
    if _count(nodes, limit, 64 * len(words) if is_bits else len(idx), work):
        return -1
    options = _branch(masks, columns, n, is_bits, idx, offset, words, flags)
    if left == 2 and len(options):
        for s in options:
            last = _find(given, position, (full & ~covered) ^ masks[s])
            if last >= 0 and abs(sizes[last] - 1) <= _last_cap(limits, budget, counts, abs(sizes[s] - 1)) + TOLERANCE:
                path[used], path[used + 1] = s, last
                return 1
    elif len(options):
        for s in options:
            b, i, o, w = _without(masks, columns, n, is_bits, idx, offset, words, s, dense, sparse)
            grown = _grown(flags, masks[s])
            found = within(
                masks,
                sizes,
                key,
                descending,
                columns,
                given,
                position,
                n,
                full,
                k,
                limits,
                budget,
                d,
                failed,
                nodes,
                limit,
                work,
                dense,
                sparse,
                path,
                b,
                i,
                o,
                w,
                covered | masks[s],
                grown,
                used + 1,
                remaining - sizes[s],
                _after(limits, counts, abs(sizes[s] - 1)),
            )
            if found != 0:
                if found == 1:
                    path[used] = s
                return found
    failed[state] = max(d, failed.get(state, -1.0))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# The cheapest cover (geo.propose.cover.min_cut's ``search``)


@njit
def _fits_last(size, profiled, lo, hi, limits, budget, counts, chosen_deviation):
    """Whether a set of ``size`` may be the last group (after a group of ``chosen_deviation``, when >= 0)."""
    if not profiled:
        return size >= lo - TOLERANCE and size <= hi + TOLERANCE
    if chosen_deviation < 0:
        cap = _caps(limits, budget, counts, 1)[0]
    else:
        cap = _last_cap(limits, budget, counts, chosen_deviation)
    return abs(size - 1) <= cap + TOLERANCE


@njit
def cut_search(
    masks,
    sizes,
    key,
    descending,
    columns,
    given,
    position,
    n,
    full,
    k,
    price,
    share,
    profiled,
    lo,
    hi,
    limits,
    budget,
    failed,
    nodes,
    limit,
    work,
    dense,
    sparse,
    best,
    best_path,
    path,
    is_bits,
    idx,
    offset,
    words,
    covered,
    flags,
    used,
    remaining,
    spent,
    counts,
):
    """Improve ``best[0]`` (cost) and ``best_path`` (sets); False when past ``limit`` nodes."""
    if _count(nodes, limit, -1, work):
        return False
    left = k - used
    if left == 1:
        last = _find(given, position, full & ~covered)
        if (
            last >= 0
            and _fits_last(sizes[last], profiled, lo, hi, limits, budget, counts, -1.0)
            and spent + price[last] < best[0] - TOLERANCE
        ):
            best[0] = spent + price[last]
            best_path[:used] = path[:used]
            best_path[used] = last
        return True
    allowance = best[0] - spent
    state = _key(covered, used, counts)
    if failed.get(state, -np.inf) >= allowance:
        return True
    before = best[0]
    if profiled:
        low, high = _profile_window(limits, budget, counts, left, remaining)
    else:
        low, high = max(lo, remaining - (left - 1) * hi), min(hi, remaining - (left - 1) * lo)
    is_bits, idx, offset, words = _window(key, descending, is_bits, idx, offset, words, low, high)
    if not is_bits:
        keep = np.empty(len(idx), dtype=np.int64)
        j = 0
        for s in idx:
            if price[s] < allowance - TOLERANCE:
                keep[j] = s
                j += 1
        idx = keep[:j]
    if _count(nodes, limit, 64 * len(words) if is_bits else len(idx), work):
        return False
    options = _branch(masks, columns, n, is_bits, idx, offset, words, flags)
    floor = 0.0
    if not is_bits and len(options):
        cheapest = np.full(n, np.inf)
        for s in idx:
            m = masks[s]
            while m:
                v = lowest(m)
                m &= m - np.uint64(1)
                cheapest[v] = min(cheapest[v], share[s])
        open_nodes = np.empty(n, dtype=np.float64)
        j = 0
        for v in range(n):
            if not flags[v]:
                open_nodes[j] = cheapest[v]
                j += 1
        floor = pairwise_sum(open_nodes[:j])
    if len(options) and spent + floor < best[0] - TOLERANCE:
        options = options[np.argsort(price[options], kind="mergesort")]
        if left == 2:
            # The last two at once: the cheapest option and the set of what it leaves (first in price order).
            chosen, chosen_last, least = -1, -1, np.inf
            for s in options:
                last = _find(given, position, (full & ~covered) ^ masks[s])
                if last >= 0 and _fits_last(sizes[last], profiled, lo, hi, limits, budget, counts, abs(sizes[s] - 1)):
                    total = spent + price[s] + price[last]
                    if total < least:
                        chosen, chosen_last, least = s, last, total
            if chosen >= 0 and least < best[0] - TOLERANCE:
                best[0] = least
                best_path[:used] = path[:used]
                best_path[used], best_path[used + 1] = chosen, chosen_last
        else:
            for s in options:
                if spent + price[s] >= best[0] - TOLERANCE:
                    break
                path[used] = s
                b, i, o, w = _without(masks, columns, n, is_bits, idx, offset, words, s, dense, sparse)
                grown = _grown(flags, masks[s])
                nxt = _after(limits, counts, abs(sizes[s] - 1)) if profiled else counts
                if not cut_search(
                    masks,
                    sizes,
                    key,
                    descending,
                    columns,
                    given,
                    position,
                    n,
                    full,
                    k,
                    price,
                    share,
                    profiled,
                    lo,
                    hi,
                    limits,
                    budget,
                    failed,
                    nodes,
                    limit,
                    work,
                    dense,
                    sparse,
                    best,
                    best_path,
                    path,
                    b,
                    i,
                    o,
                    w,
                    covered | masks[s],
                    grown,
                    used + 1,
                    remaining - sizes[s],
                    spent + price[s],
                    nxt,
                ):
                    return False
    if best[0] == before:
        failed[state] = max(failed.get(state, -np.inf), allowance)
    return True
