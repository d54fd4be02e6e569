"""The service's in-memory caches of derived answers, in one place, each bounded and keyed by content.

Answers derived from an atlas (its GeoJSON layers, boundaries, modelled hotspots) are keyed by
:func:`atlas_fingerprint`, a digest of what the atlas holds, never by ``id(atlas)``: Python reuses the id of a
dropped object, so an id-keyed cache once served one area's LSOAs for another's. Every cache is an LRU of a
fixed number of entries, so no sequence of requests grows memory without bound.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import pandas as pd

V = TypeVar("V")


class BoundedCache(Generic[V]):
    """A thread-safe least-recently-used cache of at most ``size`` entries (and ``max_bytes`` of ``bytes`` values).

    A value is made once however many requests ask for it at the same time: the first makes it, the others wait
    for it (one lock per key being made), so two viewers asking for the same large pack cost one build.

    Examples
    --------
    >>> cache = BoundedCache(2)
    >>> cache.get_or_make("a", lambda: 1), cache.get_or_make("b", lambda: 2), cache.get_or_make("c", lambda: 3)
    (1, 2, 3)
    >>> len(cache), cache.get_or_make("a", lambda: 10)  # "a" was dropped, so it is made again
    (2, 10)
    >>> small = BoundedCache(10, max_bytes=5)
    >>> small.get_or_make("x", lambda: b"abcd"), small.get_or_make("y", lambda: b"ef"), len(small)
    (b'abcd', b'ef', 1)
    """

    def __init__(self, size: int, *, max_bytes: int | None = None) -> None:
        self.size = int(size)
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Hashable, threading.Lock] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _bytes(self) -> int:
        return sum(len(v) for v in self._items.values() if isinstance(v, (bytes, bytearray)))

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The cached value of ``key``, or ``make()`` stored under it (made outside the cache's lock)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self.size or (
                    self.max_bytes is not None and len(self._items) > 1 and self._bytes() > self.max_bytes
                ):
                    self._items.popitem(last=False)
            return value


def atlas_fingerprint(atlas) -> str:
    """A digest of an atlas's content: area, vintages, sources, LSOAs and practices with their key figures.

    Two atlases with the same fingerprint give the same layers. The digest is computed once per atlas object
    (an atlas is not changed after it is loaded; the memo holds a weak reference and checks it is the same object,
    so a reused id cannot return another atlas's fingerprint).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> a, b = grid_atlas(3, 3), grid_atlas(3, 3)
    >>> atlas_fingerprint(a) == atlas_fingerprint(b)
    True
    >>> c = grid_atlas(3, 3); c.lsoas.loc["G0000", "resident_population"] = 1
    >>> atlas_fingerprint(a) == atlas_fingerprint(c)
    False
    """
    with _memo_lock:
        held = _memo.get(id(atlas))
    if held is not None and held[0]() is atlas:
        return held[1]
    fingerprint = _digest(atlas)
    with _memo_lock:
        _memo[id(atlas)] = (weakref.ref(atlas), fingerprint)
        while len(_memo) > 64:
            _memo.popitem(last=False)
    return fingerprint


_memo: OrderedDict[int, tuple[weakref.ref, str]] = OrderedDict()
_memo_lock = threading.Lock()


def _digest(atlas) -> str:
    digest = hashlib.sha256()
    digest.update(repr((atlas.area.label, atlas.vintage, atlas.imd_edition)).encode())
    digest.update(repr(sorted((k, s.file, s.sha256, s.vintage) for k, s in atlas.sources.items())).encode())
    for frame in (atlas.lsoas, atlas.practices):
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name, errors="ignore"))
        digest.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    return digest.hexdigest()


#: Encoded GeoJSON layers of areas (LSOAs, practices, boundaries per level): a few per loaded atlas.
LAYERS: BoundedCache[bytes] = BoundedCache(64)
#: Modelled UEC hotspot results per atlas.
HOTSPOTS: BoundedCache[object] = BoundedCache(8)


def plan_files() -> BoundedCache[bytes]:
    """A cache of the files built for saved plan versions (profiles, maps, exports), one per plans database.

    Keyed by the version's ETag and the format: a version never changes once saved, so a file built for it stays
    right (a 600-neighbourhood profile pack costs minutes to build, and seconds to send again); 256 MB at most.
    """
    return BoundedCache(64, max_bytes=256_000_000)
