"""Compiled (numba) bookkeeping of the exact-cover searches: the usable sets and the deviation profile.

The sets still usable at a search node are held as an index array or as bits over all sets (as
:class:`geo.propose.cover_sets._Sets` holds them in Python); a :class:`geo.propose.cover_sets.Profile` is held as
its ``limits`` and ``budget`` arrays with per-search ``counts``. The searches that use them are in
:mod:`geo.propose.kernel_search`; the primitives (bit counts, numpy's pairwise sum) in :mod:`geo.propose.kernels`.
"""

from __future__ import annotations

import numpy as np

from geo.propose.kernels import NEVER, TOLERANCE, lowest, njit, pairwise_sum, popcount

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
