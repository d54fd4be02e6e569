"""Fixtures for proposal tests: small grid atlases with known populations."""

from __future__ import annotations

import numpy as np
import pytest

from geo.testing import grid_atlas


@pytest.fixture(scope="module")
def grid():
    """A 12 x 12 grid, three authorities of 4 columns, uneven populations (48 LSOAs, about 72,000 people each)."""
    pop = np.random.default_rng(7).integers(1000, 2000, 144)
    return grid_atlas(12, 12, lad_width=4, population=pop)
