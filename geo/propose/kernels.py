"""Compiled (numba) inner loops of the exact search: the primitives, connected-set enumeration and cut shares.

The exact-cover searches themselves are :mod:`geo.propose.kernel_search` (with their bookkeeping in
:mod:`geo.propose.kernel_sets`); this module holds what they share and the enumeration that feeds them.

These are the hot loops of :mod:`geo.propose.exact` and :mod:`geo.propose.cover`, moved out of Python so that a
search node costs a few microseconds instead of a few dozen numpy calls on tiny arrays. Each is a line-by-line
port of the Python it replaces and visits the same search nodes in the same order, counting them the same way
(the usable sets held as bits near the root and as an index array below, :class:`geo.propose.cover._Sets`), so
the answers, proofs and counts are identical; sums are taken as numpy takes them (:func:`pairwise_sum`), so even
ties on the last bit fall the same way. ``tests/propose/test_kernels.py`` checks this on random instances.

Compiled the first time (about 30 CPU seconds, mostly the two recursive searches; with the bisection's kernels about
45) and cached beside this file
when it is writable, else in numba's per-user cache (loaded in half a second); with no writable cache folder at
all, each process compiles anew. A pool of solver processes is forked after :func:`geo.propose.exact.warm`, so
the workers share the parent's compiled code.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic
from numba.typed import Dict

from geo.compiled import njit


#: Failed-state key: covered nodes, used groups * 64 + profile levels, then the counts, 6 bits each (10 a word).
KEY = types.UniTuple(types.int64, 5)
#: Most profile levels a compiled search holds in its failed-state keys (more: the Python search is used).
MAX_LEVELS = 30
NEVER = np.iinfo(np.int32).max
TOLERANCE = 1e-12


def failed_states():
    """A new failed-state table for :func:`geo.propose.kernel_search.within` and ``cut_search``."""
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


#: Arrays longer than this are sorted by :func:`argsort_stable`'s radix sort (shorter ones by numpy).
RADIX_MIN = 4096


def argsort_stable(keys) -> np.ndarray:
    """``numpy.argsort(keys, kind="stable")`` of a float array without NaNs: the same order (ties by position),
    by a compiled radix sort when the array is long (numpy's stable sort of a million floats is a merge sort).

    >>> argsort_stable(np.array([0.5, -1.0, 0.5, 0.0, -0.0])).tolist()
    [1, 3, 4, 0, 2]
    """
    keys = np.asarray(keys, dtype=np.float64)
    if len(keys) < RADIX_MIN:
        return np.argsort(keys, kind="stable")
    return _radix_argsort(keys)


@njit
def _radix_argsort(keys):
    """Stable LSD radix sort of floats by their bits (flipped so that the unsigned order is the numeric one;
    -0.0 as 0.0), a byte a pass; passes whose byte is the same for every key are skipped."""
    n = len(keys)
    bits = (keys + 0.0).view(np.uint64)  # a new array (+ 0.0 makes -0.0 into 0.0), so changed in place below
    sign = np.uint64(1) << np.uint64(63)
    for i in range(n):
        u = bits[i]
        bits[i] = ~u if u & sign else u | sign
    counts = np.zeros((8, 257), dtype=np.int64)
    for i in range(n):
        u = bits[i]
        for p in range(8):
            counts[p, ((u >> np.uint64(8 * p)) & np.uint64(255)) + 1] += 1
    order = np.arange(n)
    spare = np.empty(n, dtype=np.int64)
    moved = np.empty(n, dtype=np.uint64)  # the keys travel with their positions (read in order, not gathered)
    for p in range(8):
        s = np.uint64(8 * p)
        if counts[p, ((bits[0] >> s) & np.uint64(255)) + 1] == n:
            continue  # every key has this byte: the order stands
        start = counts[p]
        for d in range(256):
            start[d + 1] += start[d]
        for i in range(n):
            u = bits[i]
            d = (u >> s) & np.uint64(255)
            spare[start[d]] = order[i]
            moved[start[d]] = u
            start[d] += 1
        order, spare = spare, order
        bits, moved = moved, bits
    return order


@njit
def nearest(masks, off, n):
    """The smallest deviation ``D`` such that every node is in some set within ``D`` of the target (``off``: each
    set's): the largest over nodes of its nearest set's; 0 when some node is in no set.

    Every node is in some group, so no cover's largest deviation is below it."""
    least = np.full(n, np.inf)
    for s in range(len(masks)):
        m = masks[s]
        d = off[s]
        while m:
            v = lowest(m)
            if d < least[v]:
                least[v] = d
            m &= m - np.uint64(1)
    worst = 0.0
    for v in range(n):
        if least[v] == np.inf:
            return 0.0
        worst = max(worst, least[v])
    return worst


# ---------------------------------------------------------------------------------------------------------------
# Connected sets (Wernicke's ESU), as geo.propose.group_sets.connected_sets grows them.


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
# A lower bound on the largest deviation from the graph's cut vertices (geo.propose.group_sets.cut_floor)


@njit
def cut_floor(near, weights):
    """The largest deviation every partition into connected groups has at least, from its cut vertices: a piece
    ``C`` that removing ``v`` cuts off, smaller than the target (``weights`` are relative to it), is either in
    ``v``'s group whole or holds a group of at most ``C``, which is ``1 - C`` off. So either some piece left out
    is that far off, or ``v``'s group holds ``v`` and every piece taken in (the smallest first). 0 with none."""
    n = len(weights)
    one = np.uint64(1)
    full = (one << np.uint64(n)) - one if n < 64 else ~np.uint64(0)
    best = 0.0
    pieces = np.empty(n, dtype=np.float64)
    for v in range(n):
        rest = full & ~(one << np.uint64(v))
        count = 0
        small = 0
        while rest:
            piece = rest & (~rest + one)  # the lowest node left, grown to its component
            frontier = piece
            while frontier:
                grown = np.uint64(0)
                m = frontier
                while m:
                    grown |= near[lowest(m)]
                    m &= m - one
                frontier = grown & rest & ~piece
                piece |= frontier
            rest &= ~piece
            count += 1
            total = 0.0
            m = piece
            while m:
                total += weights[lowest(m)]
                m &= m - one
            if total < 1.0:
                pieces[small] = total
                small += 1
        if count < 2:
            continue
        ascending = np.sort(pieces[:small])
        least = np.inf
        taken = weights[v]
        for i in range(small + 1):
            left_out = 1.0 - ascending[i] if i < small else -np.inf
            least = min(least, max(left_out, taken - 1.0))
            if i < small:
                taken += ascending[i]
        best = max(best, least)
    return best


# ---------------------------------------------------------------------------------------------------------------
# Each set's share of the cut (geo.propose.group_sets.cut_shares)


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
