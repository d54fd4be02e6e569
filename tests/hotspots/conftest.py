"""A 20 x 20 grid with two planted UEC hotspot clusters, analysed once per session (Gi* compiles once)."""

from __future__ import annotations

import pytest

from geo.testing import grid_atlas
from geo.uec import planted_lsoas, read_uec_extract, synthetic_extract, write_extract

CENTRES = ["G0105", "G0290"]  # (5, 5) and (10, 14): two 3 x 3 clusters well apart


@pytest.fixture(scope="session")
def planted(tmp_path_factory):
    from geo.hotspots import find_hotspots

    atlas = grid_atlas(20, 20)
    path = write_extract(synthetic_extract(atlas, seed=11, hotspots=CENTRES, relative_risk=2.5),
                         tmp_path_factory.mktemp("uec") / "extract.csv")
    layer = read_uec_extract(path, atlas)
    result = find_hotspots(atlas, layer, alpha=0.05, permutations=999, seed=1)
    return atlas, layer, result, set(planted_lsoas(atlas, CENTRES))
