"""Compiled (numba) inner loops of the exact search: connected-set enumeration and the exact-cover searches.

These are the hot loops of :mod:`geo.propose.exact` and :mod:`geo.propose.cover`, moved out of Python so that a
search node costs a few microseconds instead of a few dozen numpy calls on tiny arrays. Each is a line-by-line
port of the Python it replaces and visits the same search nodes in the same order, counting them the same way
(the usable sets held as bits near the root and as an index array below, :class:`geo.propose.cover._Sets`), so
the answers, proofs and counts are identical; sums are taken as numpy takes them (:func:`pairwise_sum`), so even
ties on the last bit fall the same way. ``tests/propose/test_kernels.py`` checks this on random instances.

Compiled the first time (about 26 CPU seconds, mostly the two recursive searches) and cached beside this file
when it is writable, else in numba's per-user cache (loaded in half a second); with no writable cache folder at
all, each process compiles anew. A pool of solver processes is forked after :func:`geo.propose.exact.warm`, so
the workers share the parent's compiled code.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit as _njit
from numba import types
from numba.extending import intrinsic
from numba.typed import Dict


def njit(function):
    """``numba.njit`` with the on-disk cache when some cache folder is writable, else without it."""
    try:
        return _njit(cache=True, nogil=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available" (read-only install, no home)
        return _njit(nogil=True)(function)


#: Failed-state key: covered nodes, used groups * 64 + profile levels, then the counts, 6 bits each (10 a word).
KEY = types.UniTuple(types.int64, 5)
#: Most profile levels a compiled search holds in its failed-state keys (more: the Python search is used).
MAX_LEVELS = 30
NEVER = np.iinfo(np.int32).max
TOLERANCE = 1e-12


def failed_states():
    """A new failed-state table for :func:`within` and :func:`cut_search`."""
    return Dict.empty(key_type=KEY, value_type=types.float64)


@njit
def pairwise_sum(a):
    """Sum a short float array as ``numpy.sum`` does (8 running sums, then the rest): the same last bit."""
    n = len(a)
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r = a[:8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[i]
        i += 1
    return res


@intrinsic
def _ctpop(typingctx, x):
    """The CPU's population count of a 64-bit word."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def _cttz(typingctx, x):
    """The CPU's count of trailing zeros of a non-zero 64-bit word: its lowest set bit."""

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.uint64(types.uint64), codegen


@njit
def popcount(x):
    return np.int64(_ctpop(np.uint64(x)))


@njit
def lowest(x):
    """The lowest set bit of a non-zero mask."""
    return np.int64(_cttz(np.uint64(x)))


# ---------------------------------------------------------------------------------------------------------------
# Connected sets (Wernicke's ESU), as geo.propose.exact.connected_sets grows them.


@njit
def connected_sets(near, weights, nodes, upper, lower, max_sets):
    """Every connected set grown from ``nodes`` (ESU), population from ``lower`` to ``upper``, as masks (unsorted),
    and whether more than ``max_sets`` sets of population up to ``upper`` exist (the masks are then empty)."""
    n = len(weights)
    one = np.uint64(1)
    out = np.empty(1024, dtype=np.uint64)
    found = 0
    visited = 0
    # Explicit stack of (subset, extension, closed, above, total): each a set grown one node at a time from its
    # lowest node, exactly the rows of the level-at-a-time numpy version, so each set's total is the same sum.
    depth = n + 1
    st_sub = np.empty(depth, dtype=np.uint64)
    st_ext = np.empty(depth, dtype=np.uint64)
    st_closed = np.empty(depth, dtype=np.uint64)
    st_above = np.empty(depth, dtype=np.uint64)
    st_total = np.empty(depth, dtype=np.float64)
    st_next = np.empty(depth, dtype=np.int64)  # the next extension node to try at each depth
    for root in nodes:
        bit = one << np.uint64(root)
        top = 0
        st_sub[0] = bit
        st_above[0] = ~((bit << one) - one)
        st_ext[0] = near[root] & st_above[0]
        st_closed[0] = near[root] | bit
        st_total[0] = weights[root]
        st_next[0] = 0
        visited += 1
        if visited > max_sets:
            return out[:0], True
        if st_total[0] >= lower - 1e-12:
            if found == len(out):
                out = np.concatenate((out, np.empty(len(out), dtype=np.uint64)))
            out[found] = st_sub[0]
            found += 1
        while top >= 0:
            i = st_next[top]
            ext = st_ext[top]
            while i < n and not ((ext >> np.uint64(i)) & one and st_total[top] + weights[i] <= upper + 1e-12):
                i += 1
            if i >= n:
                top -= 1
                continue
            st_next[top] = i + 1
            bit = one << np.uint64(i)
            grown = near[i]
            child = top + 1
            st_ext[child] = (ext & ~((bit << one) - one)) | (grown & ~st_closed[top] & st_above[top])
            st_sub[child] = st_sub[top] | bit
            st_closed[child] = st_closed[top] | grown
            st_total[child] = st_total[top] + weights[i]
            st_above[child] = st_above[top]
            st_next[child] = 0
            visited += 1
            if visited > max_sets:
                return out[:0], True
            if st_total[child] >= lower - 1e-12:
                if found == len(out):
                    out = np.concatenate((out, np.empty(len(out), dtype=np.uint64)))
                out[found] = st_sub[child]
                found += 1
            top = child
    return out[:found], False


# ---------------------------------------------------------------------------------------------------------------
# The usable sets: an index array (``idx``) or bits over all sets (``words`` from word ``offset``), as in
# geo.propose.cover._Sets, which also makes the arrays read here: ``masks``, ``sizes``, ``key`` (ascending sizes,
# negated when ``descending``), ``columns`` (nodes x words of set bits) and
# ``given``/``position`` (the masks sorted, to find a set by its mask).


@njit
def _indices(offset, words):
    total = 0
    for w in range(len(words)):
        total += popcount(words[w])
    out = np.empty(total, dtype=np.int64)
    j = 0
    for w in range(len(words)):
        x = words[w]
        while x:
            out[j] = 64 * (offset + w) + lowest(x)
            j += 1
            x &= x - np.uint64(1)
    return out


@njit
def _window(key, descending, is_bits, idx, offset, words, low, high):
    """The usable sets with sizes from ``low`` to ``high``: (is_bits, idx, offset, words)."""
    none = np.zeros(0, dtype=np.int64)
    low, high = low - TOLERANCE, high + TOLERANCE
    if low > high:
        return False, none, 0, words[:0]
    if descending:
        low, high = -high, -low
    a = np.searchsorted(key, low, "left")
    b = np.searchsorted(key, high, "right")
    if not is_bits:
        return False, idx[np.searchsorted(idx, a) : np.searchsorted(idx, b)], 0, words[:0]
    a, b = max(a, 64 * offset), min(b, 64 * (offset + len(words)))
    if a >= b:
        return False, none, 0, words[:0]
    first, last = a // 64, (b + 63) // 64
    part = words[first - offset : last - offset].copy()
    if a % 64:
        part[0] &= ~((np.uint64(1) << np.uint64(a % 64)) - np.uint64(1))
    if b % 64:
        part[-1] &= (np.uint64(1) << np.uint64(b % 64)) - np.uint64(1)
    return True, none, first, part


@njit
def _branch(masks, columns, n, is_bits, idx, offset, words, covered):
    """The usable sets covering the uncovered node fewest of them cover (ascending; empty when a node has none)."""
    counts = np.zeros(n, dtype=np.int64)
    if is_bits:
        for v in range(n):
            c = 0
            for w in range(len(words)):
                c += popcount(columns[v, offset + w] & words[w])
            counts[v] = c
    else:
        for s in idx:
            m = masks[s]
            while m:
                counts[lowest(m)] += 1
                m &= m - np.uint64(1)
    v = -1
    least = NEVER
    for u in range(n):
        c = NEVER if covered[u] else counts[u]
        if c < least:
            least, v = c, u
    if v < 0 or least == 0:
        return np.zeros(0, dtype=np.int64)
    if is_bits:
        part = words.copy()
        for w in range(len(words)):
            part[w] &= columns[v, offset + w]
        return _indices(offset, part)
    out = np.empty(least, dtype=np.int64)
    j = 0
    bit = np.uint64(1) << np.uint64(v)
    for s in idx:
        if masks[s] & bit:
            out[j] = s
            j += 1
    return out


@njit
def _without(masks, columns, n, is_bits, idx, offset, words, s, dense, sparse):
    """The usable sets disjoint from set ``s``: (is_bits, idx, offset, words)."""
    if not is_bits:
        m = masks[s]
        keep = np.empty(len(idx), dtype=np.int64)
        j = 0
        for t in idx:
            if not (masks[t] & m):
                keep[j] = t
                j += 1
        return False, keep[:j], 0, words[:0]
    out = words.copy()
    m = masks[s]
    while m:
        v = lowest(m)
        m &= m - np.uint64(1)
        for w in range(len(words)):
            out[w] &= ~columns[v, offset + w]
    left = 0
    for w in range(len(out)):
        left += popcount(out[w])
    if left <= dense or left * sparse < 64 * len(words):
        return False, _indices(offset, out), 0, words[:0]
    return True, idx[:0], offset, out


@njit
def _grown(flags, mask):
    """The covered-node flags once the nodes of ``mask`` are covered too."""
    out = flags.copy()
    while mask:
        out[lowest(mask)] = True
        mask &= mask - np.uint64(1)
    return out


@njit
def _find(given, position, mask):
    i = np.searchsorted(given, mask)
    if i < len(given) and given[i] == mask:
        return position[i]
    return -1


@njit
def _count(nodes, limit, held, work):
    """Count a search node (weighted by the sets it holds when ``held`` >= 0); whether the limit is passed."""
    nodes[0] += 1 if held < 0 else 1 + held // work
    return nodes[0] > limit


# ---------------------------------------------------------------------------------------------------------------
# Profile (geo.propose.cover.Profile): limits largest first, ``budget`` groups may exceed each.


@njit
def _caps(limits, budget, counts, left):
    m = len(limits)
    out = np.empty(left, dtype=np.float64)
    if m == 1:
        out[:] = limits[0]
        return out
    spare = budget - counts
    for j in range(m - 2, -1, -1):
        spare[j] = min(spare[j], spare[j + 1])
    for q in range(1, left + 1):
        out[q - 1] = limits[np.searchsorted(spare, q, "left") - 1]
    return out


@njit
def _last_cap(limits, budget, counts, deviation):
    m = len(limits)
    if m == 1:
        return limits[0]
    spare = budget - counts
    for j in range(m):
        if deviation > limits[j] + TOLERANCE:
            spare[j] -= 1
    for j in range(m - 2, -1, -1):
        spare[j] = min(spare[j], spare[j + 1])
    below = 0
    for j in range(m):
        below += spare[j] < 1
    return limits[below - 1]


@njit
def _after(limits, counts, deviation):
    out = counts.copy()
    if len(limits) == 1:
        return out
    for j in range(len(limits)):
        out[j] += deviation > limits[j] + TOLERANCE
    return out


@njit
def _profile_window(limits, budget, counts, left, remaining):
    if len(limits) == 1:
        d = limits[0]
        return max(1 - d, remaining - (left - 1) * (1 + d)), min(1 + d, remaining - (left - 1) * (1 - d))
    caps = _caps(limits, budget, counts, left)
    spread = pairwise_sum(caps[: left - 1])
    return max(1 - caps[0], remaining - (left - 1) - spread), min(1 + caps[0], remaining - (left - 1) + spread)


@njit
def _key(covered, used, counts):
    packed = np.zeros(3, dtype=np.int64)
    for j in range(len(counts)):
        packed[j // 10] |= counts[j] << (6 * (j % 10))
    return (np.int64(covered), used * 64 + len(counts), packed[0], packed[1], packed[2])


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


# ---------------------------------------------------------------------------------------------------------------
# Each set's share of the cut (geo.propose.exact._cut)


@njit
def cut_shares(masks, w, rows):
    """Half the cost of the pairs each set parts: for each node of the set, its row total (``rows``) less its
    costs to the set's own nodes (``w`` symmetric), summed, halved."""
    n = len(rows)
    out = np.empty(len(masks))
    nodes = np.empty(n, dtype=np.int64)
    for s in range(len(masks)):
        m = masks[s]
        c = 0
        while m:
            nodes[c] = lowest(m)
            c += 1
            m &= m - np.uint64(1)
        total = 0.0
        for a in range(c):
            i = nodes[a]
            inside = 0.0
            for b in range(c):
                inside += w[i, nodes[b]]
            total += rows[i] - inside
        out[s] = total / 2
    return out


@njit
def columns(masks, n):
    """Nodes x words of set bits: bit ``s % 64`` of word ``s // 64`` of row ``v`` says whether set ``s`` has node
    ``v`` (the usable sets near the root are held as such bits)."""
    out = np.zeros((n, (len(masks) + 63) // 64), dtype=np.uint64)
    for s in range(len(masks)):
        m = masks[s]
        bit = np.uint64(1) << np.uint64(s % 64)
        while m:
            out[lowest(m), s // 64] |= bit
            m &= m - np.uint64(1)
    return out
