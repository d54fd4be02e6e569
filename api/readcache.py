"""Serialized answers of the busiest reads, cached in memory per immutable piece: metrics, versions, audit.

Under load most requests re-read what has not changed: the metrics of a version, the versions of a plan, its
audit trail. Rebuilding those answers (pydantic validation, JSON encoding of hundreds of rows) on every request
cost far more than the database lookup that decides whether anything changed. So each worker keeps the JSON of
the pieces that cannot change, keyed so that a changed piece has another key:

- a version's metrics and its JSON row by ``(plan_id, version, state)``: a version's assignment, parameters and
  moves never change, and the fields that do (state, who agreed it) change only together with its state;
- an audit event by its id: events are never updated or deleted.

Every request still asks the database which pieces make up the answer now (one indexed query), so a change made
by another worker is seen at once; only the pieces are reused. The caches belong to one service (one database):
a new app starts empty.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from pydantic import BaseModel


class BytesCache:
    """A thread-safe LRU of JSON bytes by key, bounded in entries.

    Examples
    --------
    >>> cache = BytesCache(2)
    >>> cache.put("a", b"1"); cache.put("b", b"2"); cache.put("c", b"3")
    >>> cache.get("a"), cache.get("c")
    (None, b'3')
    """

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[object, bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key, body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get_many(self, keys) -> dict:
        """The cached bytes of those ``keys`` that are cached."""
        with self._lock:
            return {key: self._items[key] for key in keys if key in self._items}


def dumps(value) -> bytes:
    """JSON bytes as FastAPI's default response writes them (compact, UTF-8, no NaN).

    Examples
    --------
    >>> dumps({"name": "Loughborough é", "n": 2})
    b'{"name":"Loughborough \\xc3\\xa9","n":2}'
    """
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def model_json(model: type[BaseModel], value) -> bytes:
    """JSON bytes of ``value`` validated as ``model``: the same content FastAPI sends for a response model."""
    return model.model_validate(value).model_dump_json().encode("utf-8")


def json_array(pieces) -> bytes:
    """Join JSON pieces into a JSON array.

    Examples
    --------
    >>> json.loads(json_array([b'{"a":1}', b"2"]))
    [{'a': 1}, 2]
    """
    return b"[" + b",".join(pieces) + b"]"


class Assembler:
    """Build a JSON array from cached pieces, rendering only the missing ones.

    Parameters
    ----------
    size
        Pieces kept (a piece is one version or one audit event, a few hundred bytes).

    Examples
    --------
    >>> calls = []
    >>> build = Assembler(100)
    >>> render = lambda keys: calls.append(sorted(keys)) or {k: str(k).encode() for k in keys}
    >>> build([1, 2], render), build([1, 2, 3], render), calls
    (b'[1,2]', b'[1,2,3]', [[1, 2], [3]])
    """

    def __init__(self, size: int) -> None:
        self.cache = BytesCache(size)

    def __call__(self, keys: list, render) -> bytes | None:
        """``keys`` in answer order; ``render(missing_keys) -> {key: bytes}`` renders the pieces not cached,
        each under the key of what it read. None when a piece changed meanwhile (its key is not among them):
        the caller asks again."""
        found = self.cache.get_many(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            fresh = render(missing)
            for key, body in fresh.items():
                self.cache.put(key, body)
            if any(key not in fresh for key in missing):
                return None
            found.update(fresh)
        return json_array(found[key] for key in keys)
