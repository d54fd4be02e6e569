"""Uploaded files: check the extension and size, hand the bytes to a reader in ``geo`` as an in-memory file, and
make its errors name the file the user uploaded.

An upload never touches the disk: the readers take a :class:`geo.sources.memory.MemoryFile` (pandas and openpyxl
read a stream, pyogrio reads through GDAL's ``/vsimem/``), so a kill mid-parse leaves nothing behind. (The only
file is the framework's spool of a large request body, an anonymous temporary file the kernel frees with the
process.) What is parsed is bounded before the parse by what it costs, not its bytes: features, vertices, parts,
holes and self-intersections of polygons, rows, columns and cells of tables (:mod:`geo.sources.limits`); a
refusal is a 422 naming the limit.

What an upload of each kind may be is the reader's table (:data:`geo.sources.upload_kinds.KINDS`): a route names its
kind, and :func:`read_upload` refuses any other format with the reader's own error (:func:`check_format`) before it
reads the bytes; a route's OpenAPI description is :func:`described` from the same table. The whole request body is
bounded first (``NHP_MAX_UPLOAD_MB``, in ``api.app``); a kind may then have its own, tighter cap
(:data:`MAX_BYTES`): a plan lookup for all of England is about 1 MB, so a 20 MB "plan" is refused before it is
parsed. Any upload that is a zip (XLSX included) must pass the archive guard
(:func:`geo.sources.archives.check_upload_archive`) before a reader decompresses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import UploadFile

from api.problems import Problem
from geo.errors import DataError
from geo.sources.archives import check_upload_archive
from geo.sources.memory import MemoryFile, file_name
from geo.sources.upload_kinds import KINDS, check_format

T = TypeVar("T")

#: Largest upload of a kind (a key of :data:`geo.sources.upload_kinds.KINDS`), in bytes; a kind not here has only the
#: request limit (and the reader's own bounds).
MAX_BYTES = {"plan": 5_000_000}


def described(kind: str, what: str) -> str:
    """The OpenAPI description of an upload of ``kind``: ``what`` it is, then the formats and extensions the route
    accepts, from the reader's table.

    Examples
    --------
    >>> described("uec_extract", "Local UEC extract (aggregated or patient-level)")
    'Local UEC extract (aggregated or patient-level): a CSV or XLSX extract: .csv, .txt, .xlsx or .xlsm'
    """
    return f"{what}: {KINDS[kind].accepts(upload=True)}"


def read_upload(
    file: UploadFile, kind: str, reader: Callable[[MemoryFile], T], *, limit_bytes: int | None = None
) -> tuple[T, str]:
    """Return ``reader(the upload as a MemoryFile)`` and the uploaded file's name.

    Parameters
    ----------
    file
        The upload.
    kind
        What it is: a key of :data:`geo.sources.upload_kinds.KINDS`, whose formats it may be (any other is refused with
        the reader's error, before the bytes are read) and whose cap of :data:`MAX_BYTES` applies (413 beyond it).
    reader
        A ``geo`` reader taking a path or a :class:`MemoryFile` (named as uploaded, without folders); its
        :class:`DataError` is re-raised naming the uploaded file.
    limit_bytes
        A cap overriding the kind's.
    """
    name = file_name(file.filename or "")
    check_format(name, kind, upload=True)
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
