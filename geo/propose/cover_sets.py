"""The candidate sets of the exact-cover searches (:class:`_Sets`: sorted by size, and the sets still usable at a
search node) and the deviation profile a search keeps within (:class:`Profile`).

The searches are :mod:`geo.propose.cover` (balance) and :mod:`geo.propose.cover_cut` (the cheapest cover); they run
compiled or in Python as :data:`geo.propose.cover.COMPILED` says, read here at each call.
"""

from __future__ import annotations

import numpy as np

from geo.propose import kernels

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
        self.order = kernels.argsort_stable(-sizes if descending else sizes)
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

        from geo.propose import cover  # lazy: cover imports this module (COMPILED is read at each call)

        if self._columns is None and cover.COMPILED:
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
