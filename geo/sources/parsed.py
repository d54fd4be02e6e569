"""The parsed-source cache: each official file's validated frame kept as Parquet, so a build skips the parse.

Parsing the raw files (CSV through the validating readers, GeoJSON through GDAL and a reprojection to British
National Grid) costs seconds whatever the study area; reading the same validated frame back from Parquet costs a
fraction of that, and a column store lets a build read only the rows its area needs (:func:`read_rows`).

An entry is keyed by the dataset, the sha256 of the file (memoised by path, size, modification time and inode, so
an unchanged file is not re-hashed: see :func:`file_sha256` for the trade-off) and a hash of the reader code (``geo/sources/*.py``), so an edited file or a
changed reader is never served a stale frame. Entries are written atomically; a damaged entry is read as a miss and
rebuilt. Only frames a reader accepted are stored, so a bad file raises the same error every time.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> data = folder / "ruc.csv"
>>> _ = data.write_text("lsoa21_code,ruc21_code,classification,ruc\\nE01000001,UN1,Urban: Nearer,Urban\\n")
>>> from geo.sources.lookups import read_rural_urban
>>> first = read_parsed("rural_urban", data, read_rural_urban, folder / "cache")
>>> again = read_parsed("rural_urban", data, read_rural_urban, folder / "cache")  # from Parquet
>>> again.equals(first), again.attrs == first.attrs
(True, True)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq

FORMAT = 1  # bump when the entry layout changes


#: sha256 of the files this process has hashed or looked up, by path and stamp (see :func:`file_sha256`).
_SUMS: dict[tuple, str] = {}


def file_sha256(path: Path, memo_dir: Path | None = None) -> str:
    """Return the sha256 of a file, memoised by its path and stamp (size, modification and change times in ns, inode
    and device).

    The memo is kept under ``memo_dir`` (so a cold build on a set-up machine hashes nothing) and in this process
    (so the atlas key and each parsed entry look it up once). The trade-off: a file rewritten in place to the same
    size and both times would keep its old checksum; the change time (``st_ctime_ns``) is set by the kernel on every
    write or metadata change and no user tool can set it back (``touch -d`` to the old modification time still
    moves it), so that takes a clock set back. An edit, a copy over it or a fresh download changes the stamp and is
    hashed again. Every build still validates whatever it parses, and a parsed frame is only ever served for the
    file (checksum) it was parsed from.
    """
    stat = path.stat()
    stamp = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)
    if stamp in _SUMS:
        return _SUMS[stamp]
    memo_key = hashlib.sha256("|".join(map(str, stamp)).encode()).hexdigest()[:32]
    memo = memo_dir / "checksums" / memo_key if memo_dir else None
    if memo and memo.exists():
        value = memo.read_text().strip()
        if len(value) == 64:  # a damaged memo is hashed again
            _SUMS[stamp] = value
            return value
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    _SUMS[stamp] = value
    if memo:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=memo.name + ".", dir=memo.parent)
            with os.fdopen(handle, "w") as out:
                out.write(value)
            os.replace(tmp, memo)  # whole or not at all: a reader never sees half a checksum
        except OSError:
            pass  # a read-only cache folder costs a re-hash next time, never the answer
    return value


@lru_cache(maxsize=1)
def reader_version() -> str:
    """Hash of the reader code, so a changed reader never serves a frame parsed by the old one."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entry(dataset: str, path: Path, cache_dir: Path) -> Path:
    """The Parquet file that holds (or will hold) the parsed frame of ``path`` read as ``dataset``."""
    key = hashlib.sha256(
        f"{FORMAT}|{reader_version()}|{dataset}|{file_sha256(Path(path), cache_dir)}".encode()
    ).hexdigest()[:24]
    return cache_dir / "sources" / f"{dataset}-{key}.parquet"


def _load(where: Path, filters=None) -> pd.DataFrame | None:
    if not where.is_file():
        return None
    try:
        if b"geo" in (pq.read_schema(where).metadata or {}):
            return gpd.read_parquet(where, filters=filters)
        return pd.read_parquet(where, filters=filters)
    except (OSError, ValueError, KeyError):
        return None  # a damaged entry is a miss: the file is parsed again


def _save(frame: pd.DataFrame, where: Path) -> None:
    where.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=where.name + ".", dir=where.parent)
    os.close(handle)
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, where)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_parsed(
    dataset: str, path: Path, reader: Callable[[Path], pd.DataFrame], cache_dir: Path | None
) -> pd.DataFrame:
    """Return ``reader(path)``, from the cache under ``cache_dir`` when the file and the readers are unchanged.

    Without ``cache_dir`` the file is parsed every time (nothing is written).
    """
    if cache_dir is None:
        return reader(path)
    where = entry(dataset, path, cache_dir)
    cached = _load(where)
    if cached is not None:
        return cached
    frame = reader(path)
    try:
        _save(frame, where)
    except (OSError, ValueError):
        pass  # a read-only or full cache folder costs speed, never the answer
    return frame


def read_rows(
    dataset: str, path: Path, column: str, values: Iterable[str], cache_dir: Path | None
) -> pd.DataFrame | None:
    """Only the rows of the cached frame whose ``column`` is in ``values`` (None when there is no cache entry).

    The filter runs in the Parquet reader, so rows outside the area are never materialised; the caller falls back
    to the whole frame when there is no entry yet.
    """
    if cache_dir is None:
        return None
    return _load(entry(dataset, path, cache_dir), filters=[(column, "in", list(values))])
