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

Both run compiled (:mod:`geo.propose.kernels`, numba): the Python here is the reference they are ported from
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

from geo.propose import kernels

#: Run the searches compiled (:mod:`geo.propose.kernels`: the same nodes in the same order, so the same answer,
#: far faster); False runs the Python below (kept as the reference the compiled code is tested against).
COMPILED = True
#: A cover must beat the best so far by at least this much deviation (1e-9 of a target: far below one person).
STRICT = 1e-9
#: Below this width (relative to the target: 100 people in 50,000) the best balance is tightened one cover at
#: a time instead of by halving the interval.
BISECT = 0.002
#: Slack on window comparisons (populations are sums of floats).
TOLERANCE = 1e-12
_NEVER = np.iinfo(np.int32).max


def node_flags(masks: np.ndarray, n: int) -> np.ndarray:
    """Return the sets x nodes 0/1 (uint8) flags of 64-bit masks.

    >>> node_flags(np.array([0b101, 0b010], dtype=np.uint64), 3).tolist()
    [[1, 0, 1], [0, 1, 0]]
    """
    as_bytes = np.asarray(masks, dtype=np.uint64).astype("<u8").view(np.uint8).reshape(-1, 8)
    return np.unpackbits(as_bytes, axis=1, bitorder="little")[:, :n]


class _Sets:
    """Candidate sets sorted by size: masks, node flags, and the sets still usable at a search node.

    The usable sets are held two ways. While many are left (near the root), as bits over all sets, one word per
    64 sets: removing the sets that meet a chosen one is a few ORs of the per-node columns, and counting each
    node's sets a population count. Once few are left, as an index array, where each step is a gather of what is
    left. (Sandwell: 1.2 million sets, about 50 ms a node as index arrays near the root, 1 ms as bits.)
    """

    def __init__(self, masks, sizes, n: int, descending: bool = False):
        sizes = np.asarray(sizes, dtype=float)
        masks = np.asarray(masks, dtype=np.uint64)
        self.order = np.argsort(-sizes if descending else sizes, kind="stable")
        self.masks, self.sizes = masks[self.order], sizes[self.order]
        self.key = -self.sizes if descending else self.sizes  # ascending, for the window's binary search
        self._bits = None
        # The masks in the order given (sorted, as enumerated: else sorted here), to find a set by its mask.
        self.given = masks if np.all(masks[1:] > masks[:-1]) else np.sort(masks)
        position = np.empty(len(sizes), dtype=np.int64)
        position[self.order] = np.arange(len(sizes))
        self.position = position if self.given is masks else position[np.argsort(masks)]
        self.n, self.full, self.descending = n, (1 << n) - 1, descending
        self.nodes = 0
        self._columns = None

    @property
    def bits(self):
        """Sets x nodes flags (uint8), made the first time the Python searches need them."""
        if self._bits is None:
            self._bits = np.ascontiguousarray(node_flags(self.masks, self.n))
        return self._bits

    @property
    def columns(self):
        """Node x sets flags, 64 sets a word (made the first time the usable sets are held as bits)."""
        if self._columns is None and COMPILED:
            self._columns = kernels.columns(self.masks, self.n)
        if self._columns is None:
            one, words = np.uint64(1), (len(self.sizes) + 63) // 64
            packed = np.zeros((self.n, 8 * words), dtype=np.uint8)
            for v in range(self.n):
                flags = ((self.masks >> np.uint64(v)) & one).astype(bool)
                packed[v, : (len(flags) + 7) // 8] = np.packbits(flags, bitorder="little")
            self._columns = packed.view("<u8")
        return self._columns

    def everything(self, dense: bool = True):
        """Every set, as bits (or as an index array when there are few, or not ``dense``)."""
        if len(self.sizes) <= DENSE or not dense:
            return np.arange(len(self.sizes))
        words = np.full((len(self.sizes) + 63) // 64, np.uint64(2**64 - 1))
        if len(self.sizes) % 64:
            words[-1] = np.uint64((1 << (len(self.sizes) % 64)) - 1)
        return 0, words

    def find(self, mask: int):
        """The position of the set with this mask, or None."""
        i = int(np.searchsorted(self.given, np.uint64(mask)))
        return int(self.position[i]) if i < len(self.given) and int(self.given[i]) == mask else None

    def complements(self, options, covered: int) -> np.ndarray:
        """For each option, the position of the set of the nodes it leaves uncovered (-1 when there is none)."""
        rest = np.uint64(self.full & ~covered) ^ self.masks[options]
        i = np.minimum(np.searchsorted(self.given, rest), len(self.given) - 1)
        return np.where(self.given[i] == rest, self.position[i], -1)

    def count(self, limit: int, alive=None):
        """Count a search node, weighted by the sets it handles (a node over a million counts as 1,000)."""
        self.nodes += 1 if alive is None else 1 + _held(alive) // WORK
        if self.nodes > limit:
            raise OverflowError

    def usable(self, alive, lo, hi, remaining, left):
        """The sets of ``alive`` whose size leaves ``left - 1`` groups within ``[lo, hi]`` of ``remaining``."""
        return self.window(alive, max(lo, remaining - (left - 1) * hi), min(hi, remaining - (left - 1) * lo))

    def window(self, alive, low, high):
        """The sets of ``alive`` with sizes from ``low`` to ``high``."""
        low, high = low - TOLERANCE, high + TOLERANCE
        if low > high:
            return _NONE
        if self.descending:
            low, high = -high, -low
        a, b = int(np.searchsorted(self.key, low, "left")), int(np.searchsorted(self.key, high, "right"))
        if isinstance(alive, np.ndarray):
            return alive[np.searchsorted(alive, a) : np.searchsorted(alive, b)]
        offset, words = alive
        a, b = max(a, 64 * offset), min(b, 64 * (offset + len(words)))
        if a >= b:
            return _NONE
        first, last = a // 64, (b + 63) // 64
        part = words[first - offset : last - offset].copy()
        part[0] &= np.uint64(2**64 - (1 << (a % 64)))
        if b % 64:
            part[-1] &= np.uint64((1 << (b % 64)) - 1)
        return first, part

    def branch(self, alive, covered):
        """The usable sets covering the uncovered node fewest of them cover (empty when some node has none),
        and the node flags of the usable sets (None when they are held as bits)."""
        if isinstance(alive, np.ndarray):
            bits = self.bits[alive]
            counts = bits.sum(axis=0, dtype=np.int64)
        else:
            offset, words = alive
            bits, counts = None, np.bitwise_count(self.columns[:, offset : offset + len(words)] & words).sum(axis=1)
        counts[covered] = _NEVER
        v = int(counts.argmin())
        if not counts[v]:
            return _NONE, bits
        if bits is not None:
            return alive[bits[:, v].view(bool)], bits
        return self._indices(offset, words & self.columns[v, offset : offset + len(words)]), bits

    def without(self, alive, s: int, masks_alive):
        """The sets of ``alive`` disjoint from set ``s`` (``masks_alive``: their masks, for an index array)."""
        if isinstance(alive, np.ndarray):
            return alive[(masks_alive & self.masks[s]) == 0]
        offset, words = alive
        columns = self.columns[np.flatnonzero(self.bits[s]), offset : offset + len(words)]
        words = words & ~np.bitwise_or.reduce(columns, axis=0)
        left = int(np.bitwise_count(words).sum())
        if left <= DENSE or left * SPARSE < 64 * len(words):
            return self._indices(offset, words)
        return offset, words

    def masks_of(self, alive):
        return self.masks[alive] if isinstance(alive, np.ndarray) else None

    @staticmethod
    def _indices(offset: int, words) -> np.ndarray:
        """The positions of the set bits (only the non-zero words are unpacked)."""
        full = np.flatnonzero(words)
        flags = np.unpackbits(words[full].view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
        rows, bits = np.nonzero(flags)
        return 64 * (offset + full[rows]) + bits

    def original(self, chosen) -> np.ndarray:
        return self.order[np.asarray(chosen, dtype=np.int64)]

    def compiled(self) -> tuple:
        """The arrays a compiled search reads (:mod:`geo.propose.kernels`), then the root's usable sets."""
        root = self.everything()
        if isinstance(root, np.ndarray):
            columns, alive = np.zeros((self.n, 0), dtype=np.uint64), (False, root, 0, np.zeros(0, np.uint64))
        else:
            columns, alive = np.ascontiguousarray(self.columns), (True, _NONE, 0, root[1])
        arrays = (
            self.masks,
            self.sizes,
            self.key,
            self.descending,
            columns,
            self.given,
            np.ascontiguousarray(self.position),
            self.n,
            np.uint64(self.full),
        )
        return arrays, alive


#: A search node handling this many sets counts as two nodes (three for twice as many ...): the limits then bound
#: the work done, not only the nodes visited, whatever the sets' count.
WORK = 1024


def _held(alive) -> int:
    """How many sets ``alive`` spans (an index array's length, or 64 per word of bits)."""
    return len(alive) if isinstance(alive, np.ndarray) else 64 * len(alive[1])


#: Sets held as an index array rather than as bits when at most this many are usable ...
DENSE = 2048
#: ... or fewer than one in this many of the sets their bits span.
SPARSE = 4
_NONE = np.zeros(0, dtype=np.int64)


class Profile:
    """Limits on a cover's deviations, largest first: at most ``j`` groups deviate more than ``limits[j]``.

    ``limits`` is non-increasing: the proven largest deviation, then the proven second largest, and so on (the
    last one is the level being decided). One limit is the plain band ``|size - 1| <= limits[0]``. A search
    carries ``counts``: how many of the groups chosen so far deviate more than each limit.

    >>> p = Profile([0.8, 0.1])  # one group may be off by up to 80 %, every other by 10 % at most
    >>> p.caps((0, 0), 3).tolist(), p.caps(p.after((0, 0), 0.5), 2).tolist()
    ([0.8, 0.1, 0.1], [0.1, 0.1])
    """

    def __init__(self, limits):
        limits = np.asarray(limits, dtype=float)
        # A limit no lower than the one before it adds nothing (at most j - 1 groups above it already): dropped.
        keep = np.r_[True, limits[1:] < np.minimum.accumulate(limits)[:-1]] if len(limits) else np.zeros(0, bool)
        self.limits, self.budget = limits[keep], np.flatnonzero(keep)
        self.m = len(self.limits)
        self.start = (0,) * self.m

    def after(self, counts: tuple, deviation: float) -> tuple:
        """The counts once a group of this deviation is chosen."""
        if self.m == 1:
            return counts
        return tuple(c + (deviation > t + TOLERANCE) for c, t in zip(counts, self.limits.tolist()))

    def caps(self, counts, left: int) -> np.ndarray:
        """The deviation the ``q``-th largest of the ``left`` groups still to make may have at most (q = 1, 2 ...)."""
        if self.m == 1:
            return np.full(left, self.limits[0])
        # Groups above a limit are above every smaller one: what each limit leaves is the least of the smaller's.
        spare = np.minimum.accumulate((self.budget - np.asarray(counts))[::-1])[::-1]
        return self.limits[np.searchsorted(spare, np.arange(1, left + 1), side="left") - 1]

    def last_caps(self, counts, deviations: np.ndarray) -> np.ndarray:
        """For each of a group's possible ``deviations``: what the one group left after it may deviate at most."""
        if self.m == 1:
            return np.full(len(deviations), self.limits[0])
        counts = np.asarray(counts) + (deviations[:, None] > self.limits[None, :] + TOLERANCE)
        spare = np.minimum.accumulate((self.budget - counts)[:, ::-1], axis=1)[:, ::-1]
        return self.limits[(spare < 1).sum(axis=1) - 1]

    def window(self, counts, left: int, remaining: float) -> tuple[float, float]:
        """The sizes a group may have, leaving ``left - 1`` groups within their caps of ``remaining``."""
        if self.m == 1:  # the plain band (most searches): no arrays
            d = float(self.limits[0])
            return max(1 - d, remaining - (left - 1) * (1 + d)), min(1 + d, remaining - (left - 1) * (1 - d))
        caps = self.caps(counts, left)
        spread = float(caps[: left - 1].sum())
        return (max(1 - caps[0], remaining - (left - 1) - spread), min(1 + caps[0], remaining - (left - 1) + spread))


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
    off = np.abs(sets.sizes - 1)
    by_deviation = np.argsort(off, kind="stable")
    seen = np.bitwise_or.accumulate(sets.masks[by_deviation]) if len(off) else np.zeros(1, np.uint64)
    reached = np.flatnonzero(seen == np.uint64(sets.full))  # the first set by which every node has one
    nearest = float(off[by_deviation[reached[0]]]) if len(reached) else 0.0
    held = {"best": None}
    try:
        _level(sets, k, total, (), limit, max(abs(total / k - 1), nearest) - STRICT, bound, held)
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


def _level(sets: _Sets, k: int, total: float, fixed: tuple, limit: int, low: float, bound: float, held: dict):
    """Decide level ``len(fixed)``: the smallest ``D`` such that some cover has that level's deviation at most
    ``D`` and every fixed level's at most its own; the best cover so far is ``held["best"]`` (the start, and the
    answer: an OverflowError past ``limit`` leaves the best found there)."""
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
        if high <= low + STRICT:
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
        if high <= low + STRICT:
            return  # the best meets a lower bound: proven
        d = high - STRICT if high - low <= BISECT else (low + high) / 2


def _within_compiled(sets: _Sets, arrays, root, failed, k: int, total: float, profile: Profile, d: float, limit: int):
    """One decision of :func:`_level` by :func:`geo.propose.kernels.within`: the cover's sets, or None."""
    path, nodes = np.zeros(k, dtype=np.int64), np.array([sets.nodes], dtype=np.int64)
    found = kernels.within(
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

    if COMPILED and len(start) == k and (profile is None or profile.m <= kernels.MAX_LEVELS):
        arrays, (is_bits, idx, offset, words) = sets.compiled()
        cost_best, best_path = np.array([best[0]]), np.array(start, dtype=np.int64)
        nodes = np.array([sets.nodes], dtype=np.int64)
        limits = np.zeros(1) if profile is None else np.ascontiguousarray(profile.limits, dtype=float)
        budget = np.zeros(1, np.int64) if profile is None else np.ascontiguousarray(profile.budget, dtype=np.int64)
        proven = kernels.cut_search(
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
