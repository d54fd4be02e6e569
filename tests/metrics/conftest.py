"""Tiny named atlases and plans for plan tests.

``grid3`` is a 3x3 grid of 1 km square LSOAs with 1,500 residents each, all in one local authority::

    G0006 G0007 G0008
    G0003 G0004 G0005
    G0000 G0001 G0002

``west_east`` splits it into W (the left column, 4,500 people) and E (the rest, 9,000), with a target of 6,750.
"""

from __future__ import annotations

import pytest

from geo.plan import Plan
from geo.testing import grid_atlas

WEST = {"G0000", "G0003", "G0006"}


@pytest.fixture(scope="session")
def grid3():
    return grid_atlas(3, 3)


@pytest.fixture
def west_east(grid3):
    return Plan(grid3, {c: "W" if c in WEST else "E" for c in grid3.codes}, target=6750, name="west-east")
