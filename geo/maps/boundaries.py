"""Context layers for the planner page: local authority and ward boundaries dissolved from the atlas's LSOAs, and
the source and vintage of every context layer, for the page's legend.

Boundaries are dissolved from the simplified LSOA coverage (:mod:`geo.maps._geometry`), so they fit the LSOAs
drawn on the page exactly, and are as official as the lookup that assigns each LSOA: the ONS LSOA -> LAD lookup
for local authorities, the ONS LSOA 2021 -> electoral ward 2024 best-fit lookup for wards (LSOA 2021 atlases
only; a best fit, so a ward drawn here is the set of LSOAs mostly inside it, not the ward's own boundary).
Each unit's resident population is a margin of its LSOAs, published through :func:`geo.disclosure.publish_totals`.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.atlas.model import Atlas
from geo.disclosure import publish_totals
from geo.errors import DataError
from geo.maps._geometry import dissolve, simplify_for_display
from geo.maps.scales import DECILE_COLOURS

#: level -> (code column, name column, title)
LEVELS = {
    "lad": ("lad_code", "lad_name", "Local authority boundaries"),
    "ward": ("ward_code", "ward_name", "Electoral wards (best fit of LSOAs)"),
}
#: Source keys of the atlas that each context layer comes from, in order of preference.
LAYER_SOURCES = {
    "lad": ["lsoa11_lsoa21_lookup", "lsoa21_ward_lad_lookup", "lsoa21_boundaries", "lsoa11_boundaries"],
    "ward": ["lsoa21_ward_lad_lookup"],
    "imd": ["imd2025", "imd2019"],
    "practices": ["gp_registrations", "practice_map"],
}
#: (source, vintage) of a layer whose file the atlas does not list among its sources.
FALLBACK = {
    "lad": ("ONS LSOA to local authority lookup", None),
    "ward": ("ONS LSOA (2021) to electoral ward to LAD best-fit lookup", "wards 2024"),
    "imd": ("English Indices of Deprivation (MHCLG)", None),
    "practices": ("NHS Digital GP practice registrations", None),
}
LAYER_TITLES = {
    "lad": "Local authority boundaries",
    "ward": "Electoral ward boundaries and names",
    "imd": "National IMD decile (1 = most deprived 10% of England)",
    "practices": "GP practices, sized by registered list",
}


def has_level(atlas: Atlas, level: str) -> bool:
    """True when the atlas names a unit of ``level`` for at least one LSOA (wards: LSOA 2021 atlases only).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> has_level(grid_atlas(2, 1), "lad"), has_level(grid_atlas(2, 1), "ward")
    (True, False)
    """
    code = LEVELS[level][0]
    return code in atlas.lsoas.columns and bool(atlas.lsoas[code].notna().any())


def unit_boundaries(atlas: Atlas, level: str) -> gpd.GeoDataFrame:
    """Return one polygon per local authority (``"lad"``) or ward (``"ward"``) of the atlas, in EPSG:27700.

    Columns ``code, name, lsoas, lsoa_codes, resident_population, rounded_to``; the population is the unit's published
    total (exact unless one of its LSOAs is a small count). No rows when the atlas has no such units.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> units = unit_boundaries(grid_atlas(4, 2, lad_width=2), "lad")
    >>> units[["code", "lsoas", "resident_population"]].to_dict("list")
    {'code': ['E07009000', 'E07009001'], 'lsoas': [4, 4], 'resident_population': [6000.0, 6000.0]}
    >>> unit_boundaries(grid_atlas(2, 1), "ward").empty
    True
    >>> unit_boundaries(grid_atlas(2, 1), "county")
    Traceback (most recent call last):
    ...
    geo.errors.DataError: column 'level': unknown boundary level 'county' (expected 'lad' or 'ward')
    """
    if level not in LEVELS:
        raise DataError(f"unknown boundary level {level!r}", column="level", expected="'lad' or 'ward'")
    code_col, name_col, _ = LEVELS[level]
    empty = gpd.GeoDataFrame(
        {"code": [], "name": [], "lsoas": [], "lsoa_codes": [], "resident_population": [], "rounded_to": []},
        geometry=[],
        crs=27700,
    )
    if not has_level(atlas, level):
        return empty
    lsoas = atlas.lsoas
    codes = lsoas[code_col].astype("string")
    shapes = dissolve(simplify_for_display(lsoas[[lsoas.geometry.name]]), codes.rename("code"))
    names = lsoas.groupby(codes)[name_col].first() if name_col in lsoas.columns else pd.Series(dtype=str)
    totals = publish_totals(lsoas["resident_population"], codes)
    out = gpd.GeoDataFrame(
        {
            "code": shapes.index.astype(str),
            "name": names.reindex(shapes.index)
            .fillna(pd.Series(shapes.index, index=shapes.index))
            .astype(str)
            .to_numpy(),
            "lsoas": codes.value_counts().reindex(shapes.index).astype(int).to_numpy(),
            "lsoa_codes": [
                sorted(map(str, members))
                for members in pd.Series(lsoas.index, index=lsoas.index).groupby(codes).agg(list).reindex(shapes.index)
            ],
            "resident_population": totals["total"].reindex(shapes.index).to_numpy(),
            "rounded_to": totals["rounded_to"].reindex(shapes.index).astype(int).to_numpy(),
        },
        geometry=shapes.geometry.to_numpy(),
        crs=27700,
    )
    return out.sort_values("code", ignore_index=True)


def layer_sources(atlas: Atlas) -> list[dict]:
    """The context layers of an atlas for a legend: ``id, title, source, vintage, available``.

    ``source`` and ``vintage`` are those of the file the atlas read (or the kind of file it needs when absent).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> [(layer["id"], layer["available"]) for layer in layer_sources(grid_atlas(2, 1))]
    [('lad', True), ('ward', False), ('imd', True), ('practices', True)]
    """
    out = []
    for key, wanted in LAYER_SOURCES.items():
        info = next((atlas.sources[k] for k in wanted if k in atlas.sources), None)
        if info is None and key != "ward":  # the synthetic grid has one catch-all source
            info = next(iter(atlas.sources.values()), None)
        if key in LEVELS:
            available = has_level(atlas, key)
        elif key == "imd":
            available = "imd_decile" in atlas.lsoas.columns and bool(atlas.lsoas["imd_decile"].notna().any())
        else:
            available = len(atlas.practices) > 0
        source, vintage = (info.label, info.vintage) if info else FALLBACK[key]
        layer = {"id": key, "title": LAYER_TITLES[key], "source": source, "vintage": vintage, "available": available}
        if key == "imd":  # the one deprivation scale (dark = most deprived) of the maps, the packs and the page
            layer["colours"] = list(DECILE_COLOURS)
        out.append(layer)
    return out
