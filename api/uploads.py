"""Uploaded files: check the extension and size, hand the bytes to a reader in ``geo`` as an in-memory file, and
make its errors name the file the user uploaded.

An upload never touches the disk: the readers take a :class:`geo.sources.memory.MemoryFile` (pandas and openpyxl
read a stream, pyogrio reads through GDAL's ``/vsimem/``), so a kill mid-parse leaves nothing behind. (The only
file is the framework's spool of a large request body, an anonymous temporary file the kernel frees with the
process.) What is parsed is bounded before the parse by what it costs, not its bytes: features, vertices, parts,
holes and self-intersections of polygons, rows, columns and cells of tables (:mod:`geo.sources.limits`); a
refusal is a 422 naming the limit.

The whole request body is bounded first (``NHP_MAX_UPLOAD_MB``, in ``api.app``); each kind of upload then has
its own, tighter cap (:data:`MAX_BYTES`): a plan lookup for all of England is about 1 MB, so a 20 MB "plan" is
refused before it is parsed. Any upload that is a zip (XLSX included) must pass the archive guard
(:func:`geo.sources.archives.check_upload_archive`) before a reader decompresses it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi import UploadFile

from api.problems import Problem
from geo.errors import DataError
from geo.sources.archives import check_upload_archive
from geo.sources.memory import MemoryFile

T = TypeVar("T")

#: Largest upload of each kind, in bytes (None: only the request limit applies).
MAX_BYTES = {"plan": 5_000_000, "extract": None}


def read_upload(
    file: UploadFile,
    suffixes: set[str],
    expected: str,
    reader: Callable[[MemoryFile], T],
    *,
    kind: str = "extract",
    limit_bytes: int | None = None,
) -> tuple[T, str]:
    """Return ``reader(the upload as a MemoryFile)`` and the uploaded file's name.

    Parameters
    ----------
    file
        The upload.
    suffixes
        Extensions accepted (``.json`` is read as GeoJSON).
    expected
        What an acceptable upload is, for the error when the extension is not one of ``suffixes``.
    reader
        A ``geo`` reader taking a path or a :class:`MemoryFile` (named as uploaded, without folders); its
        :class:`DataError` is re-raised naming the uploaded file.
    kind
        ``plan`` or ``extract``: which cap of :data:`MAX_BYTES` applies (413 beyond it).
    limit_bytes
        A cap overriding the kind's.
    """
    name = Path(file.filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise DataError(f"cannot read a {suffix or 'file without extension'} upload", file=name, expected=expected)
    limit = limit_bytes if limit_bytes is not None else MAX_BYTES.get(kind)
    body = file.file.read() if limit is None else file.file.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise Problem(
            413,
            "Upload too large",
            f"a {kind} upload may be at most {limit / 1e6:g} MB; {name} is larger",
            slug="too-large",
            extra={"limit_bytes": limit, "kind": kind},
        )
    upload = MemoryFile(name, body)
    try:
        check_upload_archive(upload)
        return reader(upload), name
    except DataError as error:
        raise type(error)(
            error.message, file=name, row=error.row, column=error.column, expected=error.expected
        ) from error
