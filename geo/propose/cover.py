"""Exact-cover searches over enumerated connected groups (the branch and bounds of :mod:`geo.propose.exact`).

:func:`minimax` finds ``k`` sets covering every node once with the smallest largest deviation; :func:`min_cut`
the cover with the smallest cut among those within a bound. Both branch from the lowest uncovered node (it must be
the lowest node of the set covering it), remember states that failed, cap their nodes by a count (past it the best
so far is unproven), skip sets overlapping what is covered in numpy, and :func:`minimax` refuses a set that strands
a pocket of uncovered nodes unable to make whole groups (:class:`Pockets`).
"""

from __future__ import annotations

import numpy as np


class Pockets:
    """Whether the uncovered nodes could still be whole groups within a bound: each connected pocket of them must
    hold a whole number of groups (between ``P / (1 + bound)`` and ``P / (1 - bound)``), together ``left``.

    A set that cuts off a pocket of the wrong size is refused at once instead of after the search below it. Masks
    are read a byte at a time through tables of the neighbours and population of every byte's nodes.

    >>> path = Pockets([0b010, 0b101, 0b010], [1.0, 1.0, 1.0])  # 0 - 1 - 2
    >>> path.fit(0b101, 2, 0.1), Pockets([0b010, 0b101, 0b010], [0.5, 1.0, 1.0]).fit(0b101, 2, 0.1)
    (True, False)
    """

    def __init__(self, near: list[int], weights: list[float]):
        self.chunks = range((len(near) + 7) // 8)
        self.near = [[0] * 256 for _ in self.chunks]
        self.size = [[0.0] * 256 for _ in self.chunks]
        for c in self.chunks:
            for byte in range(1, 256):
                low = byte & -byte
                i = 8 * c + low.bit_length() - 1
                rest = byte ^ low
                self.near[c][byte] = self.near[c][rest] | (near[i] if i < len(near) else 0)
                self.size[c][byte] = self.size[c][rest] + (weights[i] if i < len(weights) else 0.0)

    def fit(self, uncovered: int, left: int, bound: float) -> bool:
        """Whether the pockets of ``uncovered`` can hold ``left`` groups within ``bound``."""
        low = high = 0
        rest = uncovered
        chunks, near, size = self.chunks, self.near, self.size
        while rest:
            pocket = frontier = rest & -rest
            while frontier:
                reach = 0
                for c in chunks:
                    byte = (frontier >> (8 * c)) & 255
                    if byte:
                        reach |= near[c][byte]
                frontier = reach & rest & ~pocket
                pocket |= frontier
            rest &= ~pocket
            total = sum(size[c][(pocket >> (8 * c)) & 255] for c in chunks)
            most = int(total / (1 - bound) + 1e-12) if bound < 1 else left
            least = max(-int(-total / (1 + bound) // 1), 1) if total / (1 + bound) > 1e-12 else 1
            if most < least:
                return False
            low, high = low + least, high + most
        return low <= left <= high


def minimax(masks, members, pop, dev, k, limit, bound=np.inf, near=None):
    """Return ((chosen sets, largest deviation), proven) by exact-cover search in order of deviation.

    The lowest uncovered node must be the lowest node of the set that covers it, so sets are bucketed by lowest
    node. A branch is cut when its next set is no better than the best cover so far, when the people left cannot
    make the groups left within that deviation, or when the same covered nodes and group count already failed
    under as loose a bound. ``limit`` caps the search nodes (a count): past it the best so far is unproven.
    ``bound``: only covers with largest deviation below it are sought (every set's ``dev`` must be below it).
    """
    n = members.shape[1]
    lowest = members.indices[members.indptr[:-1]]  # CSR rows are sorted: the first column is the lowest node
    sizes = members @ pop
    buckets = [[] for _ in range(n)]
    for s in np.lexsort((np.arange(len(dev)), dev)):
        buckets[lowest[s]].append((float(dev[s]), masks[s], float(sizes[s]), int(s)))
    wide = _wide_buckets(buckets, n)
    pockets = Pockets(near, [float(p) for p in pop]) if near is not None else None
    full = (1 << n) - 1
    best = [float(bound), None]
    failed: dict[tuple[int, int], float] = {}
    count = [0]

    def search(covered, used, remaining, worst, chosen):
        count[0] += 1
        if count[0] > limit:
            raise OverflowError
        if covered == full:
            if used == k and worst < best[0]:
                best[0], best[1] = worst, list(chosen)
            return
        left, bound = k - used, best[0]
        if left == 0 or not left * (1 - bound) < remaining < left * (1 + bound):
            return
        if failed.get((covered, used), -1.0) >= bound:
            return
        if pockets is not None and left > 1 and not pockets.fit(full & ~covered, left, bound):
            failed[(covered, used)] = bound
            return
        uncovered = full & ~covered
        v = (uncovered & -uncovered).bit_length() - 1
        for d, mask, size, s in _fitting(buckets[v], wide[v], covered, best[0]):
            if d >= best[0]:
                break
            if not mask & covered:
                chosen.append(s)
                search(covered | mask, used + 1, remaining - size, max(worst, d), chosen)
                chosen.pop()
        if best[0] == bound:  # nothing better below this state under this bound
            failed[(covered, used)] = bound

    proven = True
    try:
        search(0, 0, float(pop.sum()), 0.0, [])
    except OverflowError:
        proven = False
    if best[1] is None:
        return None, proven
    chosen = np.array(best[1])
    return (chosen, float(dev[chosen].max())), proven


#: Buckets longer than this are filtered in numpy (sets disjoint from the covered nodes) before the Python loop.
WIDE_BUCKET = 24


def _wide_buckets(buckets, n: int) -> list:
    """For each bucket of sorted ``(key, mask, size, id)`` entries longer than :data:`WIDE_BUCKET`, its keys and
    masks as numpy arrays (``None`` otherwise, or when masks do not fit 64 bits)."""
    if n > 64:
        return [None] * len(buckets)
    return [(np.array([e[0] for e in b]), np.array([e[1] for e in b], dtype=np.uint64)) if len(b) > WIDE_BUCKET
            else None for b in buckets]


def _fitting(bucket, wide, covered: int, below: float):
    """The entries of a sorted bucket whose key is below ``below`` and whose mask misses ``covered``, in order.

    The same entries the search loop would accept, found in two numpy passes rather than one Python step per set:
    the searches spend most of their time skipping sets that overlap what is covered (issue 11).
    """
    if wide is None:
        return bucket
    keys, masks = wide
    end = int(np.searchsorted(keys, below, side="left"))
    fits = np.flatnonzero((masks[:end] & np.uint64(covered)) == 0)
    return [bucket[i] for i in fits.tolist()]


def min_cut(masks, cost, sizes, rows, start, k, bound, limit):
    """Return (rows of the cheapest cover by ``k`` of the sets, proven) by exact-cover branch and bound.

    ``masks``/``cost`` are the candidate sets (all within ``bound`` of the target) and their cut costs, ``rows``
    their rows of ``sizes``; ``start`` (rows) is a known cover, the bound to beat. Sets are tried cheapest first
    from the lowest uncovered node; the last set is looked up as the complement. A state (covered, used) that
    found nothing cheaper under a budget is cut when met again with no more budget. ``limit`` caps the nodes.
    """
    n = max((m.bit_length() for m in masks), default=0)
    full = (1 << n) - 1
    index = {m: i for i, m in enumerate(masks)}
    buckets = [[] for _ in range(n)]
    for i in np.lexsort((np.arange(len(cost)), cost)):
        m = masks[i]
        buckets[(m & -m).bit_length() - 1].append((float(cost[i]), m, float(sizes[rows[i]]), int(i)))
    wide = _wide_buckets(buckets, n)
    where = {int(r): i for i, r in enumerate(rows)}
    best = [float(np.sum(cost[[where[int(r)] for r in start]])), None]
    failed: dict[tuple[int, int], float] = {}
    count = [0]

    def search(covered, used, remaining, spent, chosen):
        count[0] += 1
        if count[0] > limit:
            raise OverflowError
        left = k - used
        if left == 1:
            last = index.get(full & ~covered)
            if last is not None and spent + cost[last] < best[0] - 1e-12:
                best[0], best[1] = spent + float(cost[last]), [*chosen, last]
            return
        if not left * (1 - bound) - 1e-12 <= remaining <= left * (1 + bound) + 1e-12:
            return
        budget = best[0] - spent
        if failed.get((covered, used), -np.inf) >= budget:
            return
        before = best[0]
        uncovered = full & ~covered
        v = (uncovered & -uncovered).bit_length() - 1
        for c, mask, size, i in _fitting(buckets[v], wide[v], covered, best[0] - spent - 1e-12):
            if spent + c >= best[0] - 1e-12:
                break
            if not mask & covered:
                chosen.append(i)
                search(covered | mask, used + 1, remaining - size, spent + c, chosen)
                chosen.pop()
        if best[0] == before:
            failed[(covered, used)] = max(failed.get((covered, used), -np.inf), budget)

    proven = True
    try:
        search(0, 0, float(sizes[np.asarray(start)].sum()), 0.0, [])  # a cover holds every node once
    except OverflowError:
        proven = False
    return (np.asarray(start) if best[1] is None else rows[np.array(best[1])]), proven
