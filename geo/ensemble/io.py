"""Ensemble runs as Parquet: one row per step, what made them in the file's metadata (``nhp.ensemble``).

Written from plain arrays with a fixed schema and sorted-key JSON metadata, so the same ensemble gives the same
bytes. Reading checks the file is an ensemble of this tool with every score column, and refuses files of more
than :data:`geo.ensemble.chain.MAX_STEPS` rows before reading them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from geo.ensemble.chain import MAX_STEPS, Ensemble
from geo.ensemble.kernels import INFO, SCORES
from geo.errors import DataError
from geo.writers import check_folder

KEY = b"nhp.ensemble"


def write_runs(ensemble: Ensemble, path) -> Path:
    """Write the runs of ``ensemble`` to ``path`` (Parquet) with its metadata; return the path.

    Examples
    --------
    >>> import tempfile
    >>> from geo.testing import grid_atlas
    >>> from geo.ensemble import run_ensemble
    >>> atlas = grid_atlas(4, 2)
    >>> e = run_ensemble(atlas, {c: "AB"[i % 4 // 2] for i, c in enumerate(atlas.codes)}, steps=5, seed=1,
    ...                  target=6000, tolerance=0.3, nest="none")
    >>> path = write_runs(e, Path(tempfile.mkdtemp()) / "runs.parquet")
    >>> runs, meta = read_runs(path)
    >>> len(runs), meta["seed"], runs.equals(e.runs)
    (5, 1, True)
    """

    path = Path(path)
    check_folder(path)
    columns = {name: pa.array(ensemble.runs[name].to_numpy()) for name in ensemble.runs.columns}
    table = pa.table(columns).replace_schema_metadata({KEY: json.dumps(ensemble.metadata, sort_keys=True).encode()})
    pq.write_table(table, path, compression="zstd", write_statistics=False)
    return path


def read_runs(path) -> tuple[pd.DataFrame, dict]:
    """Read ensemble runs written by :func:`write_runs`: the rows and the metadata."""

    path = Path(path)
    expected = "a runs file written by nhp ensemble --out runs.parquet"
    if not path.is_file():
        raise DataError("no such file", file=str(path), expected=expected)
    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as error:
        raise DataError(f"not a Parquet file ({type(error).__name__})", file=str(path), expected=expected) from None
    meta = handle.schema_arrow.metadata or {}
    if KEY not in meta:
        raise DataError("not an ensemble: no nhp.ensemble metadata", file=str(path), expected=expected)
    if handle.metadata.num_rows > MAX_STEPS:
        raise DataError(
            f"{handle.metadata.num_rows:,} rows is more than an ensemble has",
            file=str(path),
            expected=f"at most {MAX_STEPS:,} steps",
        )
    try:
        metadata = json.loads(meta[KEY])
    except ValueError:
        raise DataError("the nhp.ensemble metadata is not JSON", file=str(path), expected=expected) from None
    if not isinstance(metadata, dict) or metadata.get("kind") != "nhp.ensemble":
        raise DataError("the nhp.ensemble metadata is not an ensemble's", file=str(path), expected=expected)
    missing = [c for c in ("step", *INFO, *SCORES) if c not in handle.schema_arrow.names]
    if missing:
        raise DataError(f"no column {missing[0]}", file=str(path), column=missing[0], expected=expected)
    runs = handle.read(columns=["step", *INFO, *SCORES]).to_pandas()
    for column in SCORES:
        if not pd.api.types.is_numeric_dtype(runs[column]):
            raise DataError("values are not numbers", file=str(path), column=column, expected=expected)
        bad = np.flatnonzero(~np.isfinite(runs[column].to_numpy(dtype=float)))
        if len(bad) and column != "alignment_pct":  # alignment is NaN only for an area with no registrations
            raise DataError(
                "a value is not a finite number", file=str(path), row=int(bad[0]) + 1, column=column, expected=expected
            )
    return runs, metadata
