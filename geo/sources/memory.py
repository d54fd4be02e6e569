"""Uploaded files held in memory, so an upload never touches the disk (and nothing is left behind by a kill).

:class:`MemoryFile` has the little of :class:`pathlib.Path` the readers use (``name``, ``suffix``, ``stem``,
``is_file``, ``stat().st_size``, ``read_bytes``, ``open``); :func:`as_source` keeps one and turns anything else into
a ``Path``; :func:`opened` gives what pandas, openpyxl, pyogrio and :mod:`zipfile` read: the path itself, or a
fresh in-memory stream (pyogrio reads it through GDAL's ``/vsimem/``, never a temporary file).
"""

from __future__ import annotations

import io
from pathlib import Path, PurePath
from types import SimpleNamespace


class MemoryFile:
    """A file's name and bytes, read by the readers instead of a path.

    Examples
    --------
    >>> f = MemoryFile("../../plan.CSV", b"lsoa_code,neighbourhood\\n")
    >>> f.name, f.suffix, f.stem, f.stat().st_size, opened(f).read(9)
    ('plan.CSV', '.CSV', 'plan', 24, b'lsoa_code')
    """

    def __init__(self, name: str, data: bytes) -> None:
        self.name = file_name(name)
        self.data = bytes(data)

    @property
    def suffix(self) -> str:
        return PurePath(self.name).suffix

    @property
    def stem(self) -> str:
        return PurePath(self.name).stem

    def is_file(self) -> bool:
        return True

    def stat(self) -> SimpleNamespace:
        return SimpleNamespace(st_size=len(self.data))

    def read_bytes(self) -> bytes:
        return self.data

    def open(self, mode: str = "rb") -> io.BytesIO:
        if mode != "rb":
            raise ValueError("a MemoryFile is read as bytes only")
        return io.BytesIO(self.data)

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"MemoryFile({self.name!r}, {len(self.data):,} bytes)"


def file_name(name: str) -> str:
    """An uploaded file's name without any folders (``/`` or ``\\``), as a :class:`MemoryFile` is named.

    Examples
    --------
    >>> file_name("..\\\\..\\\\plan.csv"), file_name("../x/"), file_name("")
    ('plan.csv', 'x', 'upload')
    """
    return PurePath(str(name).replace("\\", "/")).name or "upload"


def as_source(path) -> Path | MemoryFile:
    """``path`` as a :class:`Path`, or unchanged when it is a :class:`MemoryFile`."""
    return path if isinstance(path, MemoryFile) else Path(path)


def opened(source):
    """What a reader opens: the path itself, or a new stream over a :class:`MemoryFile`'s bytes."""
    return source.open("rb") if isinstance(source, MemoryFile) else source
