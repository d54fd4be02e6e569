"""Uploaded files: check the extension, hand a temporary copy to a reader in ``geo``, and make its errors name
the file the user uploaded (never our temporary path). Size limits are enforced before this, in ``api.app``."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fastapi import UploadFile

from geo.errors import DataError

T = TypeVar("T")


def read_upload(file: UploadFile, suffixes: set[str], expected: str, reader: Callable[[Path], T]) -> tuple[T, str]:
    """Return ``reader(temporary copy of the upload)`` and the uploaded file's name.

    Parameters
    ----------
    file
        The upload.
    suffixes
        Extensions accepted (``.json`` is read as GeoJSON).
    expected
        What an acceptable upload is, for the error when the extension is not one of ``suffixes``.
    reader
        A ``geo`` reader taking a path; its :class:`DataError` is re-raised naming the uploaded file.
    """
    name = Path(file.filename or "upload").name
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise DataError(f"cannot read a {suffix or 'file without extension'} upload", file=name, expected=expected)
    with tempfile.TemporaryDirectory(prefix="nhp-upload-") as folder:
        path = Path(folder) / ("upload.geojson" if suffix == ".json" else f"upload{suffix}")
        path.write_bytes(file.file.read())
        try:
            return reader(path), name
        except DataError as error:
            raise DataError(error.message, file=name, row=error.row, column=error.column,
                            expected=error.expected) from error
