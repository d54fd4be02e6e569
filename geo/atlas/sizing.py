"""How many LSOAs a study area has, from the lookups alone: a second or two, against minutes to build its atlas.

The API sizes an area before a planner may have it built (:mod:`api.atlases`), so this is the real path a
request takes and is tested on the official files (``tests/atlas/test_sizing.py``).
"""

from __future__ import annotations

from pathlib import Path

from geo.atlas.area import resolve_area
from geo.atlas.lookups import lsoa_geography
from geo.atlas.vintages import vintage_for
from geo.sources import discover


def area_lsoa_count(area: str | list[str], data_dir: str | Path, vintage: int) -> int:
    """Return the number of LSOAs of ``area`` in ``vintage``; raises :class:`geo.errors.AreaError` for no such area.

    Examples
    --------
    >>> from geo.demo import DEMO_AREA, demo_data_dir
    >>> area_lsoa_count(DEMO_AREA, demo_data_dir(), 2021) > 0
    True
    """

    geography = lsoa_geography(discover(Path(data_dir)), vintage_for(vintage))
    return len(resolve_area(area, geography)[1])
