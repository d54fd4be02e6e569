"""Cache built atlases as GeoParquet, keyed by the checksums of the input files, so a second start is quick.

File checksums are remembered by (path, size, modification time, inode) so a cached start does not re-read hundreds
of megabytes just to learn that nothing changed; any edit to a file changes its size or time and so its key
(:func:`geo.sources.parsed.file_sha256` says what that stamp can miss).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from geo.atlas.model import Atlas, BridgeReport, SourceInfo, StudyArea, normalise_dtypes
from geo.sources.parsed import file_sha256  # one checksum memo for atlases and parsed sources

CACHE_FORMAT = 5  # bump when the atlas columns or build rules change


def code_version() -> str:
    """Hash of the code that builds atlases, so a changed build rule never serves an atlas built by the old one."""
    here = Path(__file__).parent  # geo/atlas
    digest = hashlib.sha256()
    for path in sorted([*here.glob("*.py"), *(here.parent / "sources").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_key(files: dict[str, Path], request: dict, memo_dir: Path | None) -> str:
    """Return a key for the atlas built from ``files`` (dataset -> path) for ``request`` (area, vintage, ...)."""
    payload = {
        "format": CACHE_FORMAT,
        "code": code_version(),
        "request": request,
        "files": {name: file_sha256(Path(p), memo_dir) for name, p in sorted(files.items())},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:24]


def save(atlas: Atlas, folder: Path) -> None:
    """Write ``atlas`` to ``folder`` atomically (a half-written cache is never read)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        tables = [
            (atlas.lsoas, "lsoas", None),
            (atlas.practices, "practices", None),
            (atlas.registrations, "registrations", False),
            (atlas.qof, "qof", False),
            (atlas.practice_ages, "practice_ages", False),
            (atlas.closed_registrations, "closed_registrations", False),
        ]
        # Side by side: Parquet encoding and compression (and shapely's WKB) run outside the GIL.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="nhp-save") as pool:
            written = [
                pool.submit(frame.to_parquet, tmp / f"{name}.parquet", index=index) for frame, name, index in tables
            ]
            # Uncompressed: zlib cost England's cold build ~0.09 s of CPU to save ~0.8 MB.
            sparse.save_npz(tmp / "adjacency.npz", atlas.adjacency.astype(np.int8), compressed=False)
            for future in written:
                future.result()
        meta = {
            "area": asdict(atlas.area),
            "vintage": atlas.vintage,
            "imd_edition": atlas.imd_edition,
            "bridges": atlas.bridges,
            "sources": {k: asdict(v) for k, v in atlas.sources.items()},
            "bridge_report": asdict(atlas.bridge_report),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(folder: Path) -> Atlas | None:
    """Return the atlas cached in ``folder``, or ``None`` when there is none (or it cannot be read)."""
    if not (folder / "meta.json").exists():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text())
        area = meta["area"]
        return Atlas(
            area=StudyArea(area["kind"], tuple(area["codes"]), area["name"]),
            vintage=meta["vintage"],
            imd_edition=meta["imd_edition"],
            lsoas=normalise_dtypes(gpd.read_parquet(folder / "lsoas.parquet")),
            practices=normalise_dtypes(gpd.read_parquet(folder / "practices.parquet")),
            registrations=normalise_dtypes(pd.read_parquet(folder / "registrations.parquet")),
            adjacency=sparse.load_npz(folder / "adjacency.npz").astype(bool).tocsr(),
            bridges=[tuple(b) for b in meta["bridges"]],
            sources={k: SourceInfo(**v) for k, v in meta["sources"].items()},
            bridge_report=BridgeReport(**meta["bridge_report"]),
            qof=normalise_dtypes(pd.read_parquet(folder / "qof.parquet")),
            practice_ages=normalise_dtypes(pd.read_parquet(folder / "practice_ages.parquet")),
            closed_registrations=normalise_dtypes(pd.read_parquet(folder / "closed_registrations.parquet")),
        )
    except (OSError, ValueError, KeyError):
        return None  # a stale or damaged cache is rebuilt, never trusted
