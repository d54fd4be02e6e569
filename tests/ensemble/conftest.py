"""Small grid atlases and start plans shared by the ensemble tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.testing import grid_atlas

NX, NY = 8, 6


def checker_grid():
    """An 8 x 6 grid in two authorities (columns 0-3 and 4-7), populations 1,200 / 1,800 in a checkerboard (so
    every 4 x 2 block holds 12,000 people), and wards of 2 x 2 cells."""
    cols, rows = np.tile(np.arange(NX), NY), np.repeat(np.arange(NY), NX)
    atlas = grid_atlas(NX, NY, lad_width=4, population=np.where((cols + rows) % 2, 1200, 1800))
    atlas.lsoas["ward_code"] = [f"W{c // 2}{r // 2}" for c, r in zip(cols, rows)]
    return atlas


def block_start(atlas) -> pd.Series:
    """Six neighbourhoods of 4 x 2 cells, three in each authority (12,000 people each)."""
    cols, rows = np.tile(np.arange(NX), NY), np.repeat(np.arange(NY), NX)
    return pd.Series([f"N{c // 4}{r // 2}" for c, r in zip(cols, rows)], index=atlas.codes)


@pytest.fixture(scope="module")
def grid():
    return checker_grid()
