"""England comparators for the profiles: national totals of the QOF registers, the practice age bands and TS021.

The atlas holds its own area only, so England's figures are read from the national files the atlas was built
from: the file of the same name in the data folder (default ``NHP_DATA_DIR``), read by the same validated
reader, and refused when the atlas recorded a checksum the file does not match, so the comparator is the same
edition as the figures beside it. A figure whose file is absent is
missing, and the profile says England is omitted for it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
from geo.sources.ethnicity import read_ethnicity_census2021


@dataclass
class England:
    """National totals: ``qof`` (register -> patients, list_size), ``ages`` (sex, age_band -> patients) and
    ``ethnicity`` (``ethnicity_*`` -> residents, with ``ethnicity_total``); empty where the file was not found."""

    qof: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["patients", "list_size"]))
    ages: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    ethnicity: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    missing: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _national(dataset: str, path: str, stamp: tuple) -> pd.DataFrame | pd.Series:
    """The national totals of one file (cached per file and modification time: the files are large)."""
    if dataset == "qof_prevalence":
        from geo.sources.practice_profiles import read_qof_prevalence  # lazy: imported only on this branch

        return read_qof_prevalence(path).groupby("register")[["patients", "list_size"]].sum().astype(float)
    if dataset == "practice_ages":
        from geo.sources.practice_profiles import read_practice_ages  # lazy: imported only on this branch

        return read_practice_ages(path).groupby(["sex", "age_band"], sort=False).patients.sum().astype(float)

    frame = read_ethnicity_census2021(path)
    england = frame[frame.lsoa_code.astype(str).str.startswith("E")]
    return england[[c for c in england.columns if c.startswith("ethnicity_")]].sum().astype(float)


def england_totals(atlas, data_dir: str | Path | None = None) -> England:
    """Return England's totals for the datasets of ``atlas`` whose national file is in ``data_dir``.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> england_totals(grid_atlas(2, 2)).missing  # a synthetic atlas has none of the three datasets
    ['qof_prevalence', 'practice_ages', 'ethnicity_census2021']
    """
    if data_dir is None:
        from geo.settings import get_settings  # lazy: imported only on this branch

        data_dir = get_settings().data_dir
    out = England()
    for dataset in ("qof_prevalence", "practice_ages", "ethnicity_census2021"):
        source = atlas.sources.get(dataset)
        path = Path(data_dir) / source.file if (source and data_dir and source.file) else None
        if path is None or not path.is_file() or (source.sha256 and _sha256(path) != source.sha256):
            out.missing.append(dataset)
            continue
        stat = path.stat()
        totals = _national(dataset, str(path), (stat.st_size, stat.st_mtime_ns))
        if dataset == "qof_prevalence":
            out.qof = totals
        elif dataset == "practice_ages":
            out.ages = totals
        else:
            out.ethnicity = totals
    return out
