"""Archive guards: refuse zips (and XLSX files, which are zips) that point outside themselves or inflate beyond a
stated limit, before any reader decompresses them. Official files get generous limits; extracts and uploads a
person hands over (a UEC extract, a plan, a comparison geography) get tighter ones.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from geo.errors import DataError
from geo.sources.memory import as_source, opened

#: Zip members larger than this, or larger than BOMB_MIN_BYTES and compressed more than MAX_ZIP_RATIO to 1, are
#: refused. Official CSVs compress about 10:1 and the largest (GP registrations) is about 90 MB unzipped.
MAX_UNZIPPED_BYTES = 4_000_000_000
BOMB_MIN_BYTES = 50_000_000
MAX_ZIP_RATIO = 200

#: Limits for extracts and uploads a person hands over (a UEC extract, a plan), tighter than for official files:
#: an XLSX of a million rows inflates to about 150 MB; the XLSX bomb that held a worker 170 s inflated to 232 MB.
UPLOAD_MAX_INFLATED_BYTES = 200_000_000
UPLOAD_BOMB_MIN_BYTES = 10_000_000
UPLOAD_MAX_RATIO = 100
MAX_MEMBERS = 10_000


def check_archive(
    path: str | Path,
    zf: zipfile.ZipFile | None = None,
    *,
    max_bytes: int = MAX_UNZIPPED_BYTES,
    max_ratio: float = MAX_ZIP_RATIO,
    bomb_min_bytes: int = BOMB_MIN_BYTES,
) -> None:
    """Refuse a zip (or XLSX, which is a zip) that points outside itself or inflates beyond the limits.

    Refused: a member named with '..' or an absolute path; more than :data:`MAX_MEMBERS` members; members whose
    declared sizes add up to more than ``max_bytes``; a member over ``bomb_min_bytes`` that inflates more than
    ``max_ratio`` times. Nothing is decompressed: Python's zip reader (which openpyxl and pandas use) never reads
    past a member's declared size, so the declared sizes bound the work. A file that is not a zip passes.

    Examples
    --------
    >>> import tempfile, pathlib, zipfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bomb.xlsx"
    >>> with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
    ...     z.writestr("xl/worksheets/sheet1.xml", b" " * 30_000_000)
    >>> check_archive(p, max_bytes=UPLOAD_MAX_INFLATED_BYTES, max_ratio=UPLOAD_MAX_RATIO,
    ...               bomb_min_bytes=UPLOAD_BOMB_MIN_BYTES)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.errors.DataError: ...bomb.xlsx: archive member 'xl/worksheets/sheet1.xml' inflates to 30 MB ...
    """
    path = as_source(path)  # a path, or an upload held in memory
    if zf is None:
        if not zipfile.is_zipfile(opened(path)):
            return
        try:
            with zipfile.ZipFile(opened(path)) as archive:
                check_archive(path, archive, max_bytes=max_bytes, max_ratio=max_ratio, bomb_min_bytes=bomb_min_bytes)
        except zipfile.BadZipFile as error:
            raise DataError(
                f"zip file cannot be opened ({error})", file=path, expected="a complete zip or XLSX file"
            ) from None
        return
    infos = zf.infolist()
    expected = (
        f"an archive inflating to at most {max_bytes / 1e6:,.0f} MB in all, no member over "
        f"{bomb_min_bytes / 1e6:,.0f} MB compressed more than {max_ratio:g} to 1, at most {MAX_MEMBERS:,} "
        "members"
    )
    if len(infos) > MAX_MEMBERS:
        raise DataError(
            f"archive holds {len(infos):,} members; refused as a possible zip bomb", file=path, expected=expected
        )
    total = 0
    for info in infos:
        name = info.filename.replace("\\", "/")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
            raise DataError(
                f"archive member {info.filename!r} points outside the archive",
                file=path,
                expected="a zip whose files sit inside it (no '..' or absolute paths)",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        total += info.file_size
        if info.file_size > max_bytes or (info.file_size > bomb_min_bytes and ratio > max_ratio):
            raise DataError(
                f"archive member {info.filename!r} inflates to {info.file_size / 1e6:,.0f} MB "
                f"({ratio:,.0f} times its compressed size); refused as a possible zip bomb",
                file=path,
                expected=expected,
            )
    if total > max_bytes:
        raise DataError(
            f"archive inflates to {total / 1e6:,.0f} MB in all; refused as a possible zip bomb",
            file=path,
            expected=expected,
        )


def check_upload_archive(path) -> None:
    """:func:`check_archive` with the limits for extracts and uploads (200 MB inflated, 100 to 1 per member)."""
    check_archive(
        path, max_bytes=UPLOAD_MAX_INFLATED_BYTES, max_ratio=UPLOAD_MAX_RATIO, bomb_min_bytes=UPLOAD_BOMB_MIN_BYTES
    )
