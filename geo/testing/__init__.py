"""Test support, kept out of production modules: tiny synthetic atlases, plan assertions, a disclosure checker.

Examples
--------
>>> from geo.testing import grid_atlas
>>> len(grid_atlas(3, 3).lsoas)
9
"""

from geo.testing.grid import grid_atlas

__all__ = ["grid_atlas"]
