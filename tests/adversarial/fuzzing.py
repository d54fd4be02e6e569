"""Mutation fuzzing of the file readers: start from a valid synthetic file, flip, insert, delete and truncate bytes,
and require that the reader either reads the result or raises :class:`geo.errors.DataError` — nothing else.

Used by tests/adversarial/test_fuzz.py (bounded) and bench/fuzz.py (long runs).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hypothesis import strategies as st

from geo.errors import DataError

INTERESTING = [
    b",",
    b"\n",
    b'"',
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"-",
    b"1e308",
    b"NaN",
    b"inf",
    b"E01",
    b"\r\n",
    b";",
    b"\t",
    b" ",
    b"9" * 40,
    "é".encode("cp1252"),
    b"../",
]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with up to six edits: overwrite, insert or delete a byte or an interesting token, or truncate."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "token", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = bytes([draw(st.integers(0, 255))])
        elif kind == "delete" and data:
            del data[at]
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(INTERESTING))
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


def only_data_errors(read, data: bytes, suffix: str) -> str:
    """Write ``data`` and call ``read(path)``: 'ok' or 'data-error'; any other exception propagates."""
    with tempfile.TemporaryDirectory(prefix="nhp-fuzz-") as folder:
        path = Path(folder) / f"fuzz{suffix}"
        path.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                read(path)
                return "ok"
            except DataError:
                return "data-error"
