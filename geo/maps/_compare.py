"""The compared footprint on a plan map: its units' outlines, and the LSOAs where plan and footprint disagree.

:func:`add_compare` draws the units of a :class:`geo.plan.geography.Geography` (wards, PCNs, local authorities or
a user's file) dissolved from the same simplified LSOAs as the footprints, so the lines coincide where the two
agree, and fills the LSOAs the coterminosity score (:mod:`geo.plan.coterminosity`) counts as not agreeing.
"""

from __future__ import annotations

import folium

from geo.maps._geometry import dissolve, to_leaflet
from geo.maps._layers import _features, _tooltip, outline_layer
from geo.maps._style import Legend, esc
from geo.plan.coterminosity import coterminosity

HIGHLIGHT = "#ED8B00"  # NHS orange
OUTLINE = "#7C2855"  # NHS plum


def add_compare(m: folium.Map, plan, simplified, compared) -> None:
    """Add the compared units and the non-coterminous LSOAs of ``plan`` to ``m`` (two switchable layers).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.maps import plan_map
    >>> from geo.plan import Plan
    >>> from geo.plan.geography import geography
    >>> atlas = grid_atlas(6, 1, lad_width=3)
    >>> plan = Plan(atlas, dict(zip(atlas.codes, "AAAABB")))
    >>> html = plan_map(atlas, plan, compare=geography(atlas, "las")).get_root().render()
    >>> "Compared: local authorities" in html and "Not coterminous with local authorities" in html
    True
    """

    result = coterminosity(plan, compared)
    units = compared.units.reindex(simplified.index)
    placed = simplified[units.notna().to_numpy()]
    shapes = dissolve(placed, units[units.notna()].astype(str).rename("unit"))
    shapes["unit_name"] = [esc(compared.names.get(u, u)) for u in shapes.index]
    shapes["unit"] = shapes.index.map(esc)
    title = compared.title
    outline_layer(
        m,
        shapes,
        name=f"Compared: {title}",
        tooltip={"unit_name": "Unit", "unit": "Code"},
        colour=OUTLINE,
        weight=2.5,
        dash="2 6",
        source=f"{compared.key} (dissolved from LSOAs)",
        legend_label=f"{title} (index {result.index:.2f})",
    )
    off = simplified[~result.agree.reindex(simplified.index).to_numpy(dtype=bool)].copy()
    off["lsoa_code"] = off.index.map(esc)
    off["neighbourhood"] = plan.assignment.reindex(off.index).map(esc).to_numpy()
    off["unit"] = [esc(compared.name_of(u)) for u in compared.units.reindex(off.index)]
    name = f"Not coterminous with {title}"
    group = folium.FeatureGroup(name=esc(name), show=True)
    if len(off):
        folium.GeoJson(
            _features(to_leaflet(off), ["lsoa_code", "neighbourhood", "unit"]),
            style_function=lambda f: {"color": HIGHLIGHT, "weight": 1, "fillColor": HIGHLIGHT, "fillOpacity": 0.55},
            tooltip=_tooltip({"lsoa_code": "LSOA", "neighbourhood": "Neighbourhood", "unit": "Unit"}),
        ).add_to(group)
    group.add_to(m)
    split = len(result.split)
    m.add_child(
        Legend(
            group,
            name,
            [(HIGHLIGHT, f"{len(off)} LSOAs; {split} unit{'s' * (split != 1)} split")],
            "coterminosity score (geo.plan.coterminosity)",
            position="bottomleft",
        )
    )
