"""Synthetic extracts of the kind an ICB holds, with planted UEC hotspot clusters, analysed once per session."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.testing import grid_atlas
from geo.uec import planted_lsoas, read_uec_extract, synthetic_extract, write_extract

CENTRES = ["G0105", "G0290"]  # (5, 5) and (10, 14): two 3 x 3 clusters well apart


@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    from geo.hotspots import find_hotspots

    atlas = grid_atlas(20, 20)
    path = write_extract(
        synthetic_extract(atlas, seed=11, hotspots=CENTRES, relative_risk=2.5),
        tmp_path_factory.mktemp("uec") / "extract.csv",
    )
    layer = read_uec_extract(path, atlas)
    result = find_hotspots(atlas, layer, alpha=0.05)
    return atlas, layer, result, set(planted_lsoas(atlas, CENTRES))


@pytest.fixture(scope="session")
def icb_like(tmp_path_factory):
    """Monthly counts by LSOA and age band, LSOA populations from 30 to 3,000 so that some LSOAs have 1-7
    attendances a year, a 1.8x cluster planted around two centres and a 0.5x one around a third."""
    from geo.hotspots import find_hotspots

    rng = np.random.default_rng(5)
    population = np.where(rng.random(576) < 0.08, rng.integers(15, 40, 576), rng.integers(900, 3000, 576))
    atlas = grid_atlas(24, 24, population=population)
    extract = synthetic_extract(atlas, seed=8, hotspots=["G0075", "G0400"], relative_risk=1.8, lsoa_effect_sd=0.1)
    cold = set(planted_lsoas(atlas, ["G0230"]))
    low = synthetic_extract(atlas, seed=9, hotspots=["G0230"], relative_risk=0.5, lsoa_effect_sd=0.1)
    extract = pd.concat([extract[~extract.lsoa_code.isin(cold)], low[low.lsoa_code.isin(cold)]], ignore_index=True)
    path = write_extract(extract, tmp_path_factory.mktemp("icb") / "monthly.csv")
    layer = read_uec_extract(path, atlas)
    result = find_hotspots(atlas, layer, alpha=0.05)
    hot = set(planted_lsoas(atlas, ["G0075", "G0400"]))
    return atlas, layer, result, hot, cold
