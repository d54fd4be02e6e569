"""Hub sites and their catchments on a plan map (:func:`geo.access.siting.choose_sites`).

Two switchable layers: each catchment outlined (the LSOAs a site serves, dissolved from the same simplified
geometry as the footprints, so the lines coincide), and each chosen site as a marked point with its figures.
Counts of people go through the same small-count rule as every other map figure.
"""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.maps._geometry import dissolve, to_leaflet
from geo.maps._layers import _features, _tooltip, outline_layer
from geo.maps._style import Legend, count_text, esc, number_text

SITE_COLOUR = "#005EB8"  # NHS blue
CATCHMENT_COLOUR = "#41B6E6"  # NHS light blue


def add_sites(m: folium.Map, simplified: gpd.GeoDataFrame, result) -> None:
    """Add the catchments and the chosen sites of ``result`` (a :class:`geo.access.siting.Sites`) to ``m``.

    Examples
    --------
    >>> import pandas as pd
    >>> from geo.access.siting import choose_sites
    >>> from geo.maps import plan_map
    >>> from geo.maps._safety import render_page
    >>> from geo.plan import Plan
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 2, practice_every=2)
    >>> plan = Plan(atlas, {c: "A" for c in atlas.codes})
    >>> result = choose_sites(plan, total=2, need=pd.DataFrame({"need_score": 0.0}, index=atlas.codes))
    >>> page = render_page(plan_map(atlas, plan, sites=result))
    >>> "Hub sites (chosen)" in page and "Hub catchments" in page
    True
    """
    sites = result.sites
    catchment = result.catchment["catchment"].reindex(simplified.index)
    placed = simplified[catchment.notna().to_numpy()]
    shapes = dissolve(placed, catchment.dropna().astype(str).rename("catchment"))
    by_catchment = sites.reset_index().set_index(sites["catchment"].astype(str).to_numpy())
    shapes["site"] = [esc(by_catchment.loc[c, "site_name"]) if c in by_catchment.index else "" for c in shapes.index]
    shapes["people"] = [
        count_text(by_catchment.loc[c, "people"]) if c in by_catchment.index else "" for c in shapes.index
    ]
    method = getattr(result, "method", None) or "p-median, solved exactly"
    outline_layer(
        m,
        shapes,
        name="Hub catchments",
        tooltip={"site": "Hub site", "people": "People served"},
        colour=CATCHMENT_COLOUR,
        weight=2,
        dash="4 4",
        source=f"LSOAs nearest each chosen site ({method})",
        legend_label="Catchment of a hub site",
    )
    points = gpd.GeoDataFrame(
        {
            "site_code": [esc(c) for c in sites.index],
            "site_name": sites["site_name"].map(esc),
            "neighbourhood": sites["neighbourhood"].map(esc) if "neighbourhood" in sites else "",
            "people": sites["people"].map(count_text),
            "mean_km": sites["mean_km"].map(lambda v: number_text(v, 2) + " km"),
            "p90_km": sites["p90_km"].map(lambda v: number_text(v, 2) + " km"),
            "km_method": sites["km_method"].map(esc) if "km_method" in sites else "",
            "opening_order": sites["opening_order"].map(lambda v: number_text(v, 0)),
        },
        geometry=gpd.points_from_xy(sites.x, sites.y),
        crs="EPSG:27700",
        index=sites.index.astype(str),
    )
    fields = {
        "site_name": "Hub site",
        "site_code": "Code",
        "neighbourhood": "Neighbourhood",
        "people": "People served",
        "mean_km": "Mean distance (straight line)",
        "p90_km": "90th percentile distance",
        "km_method": "Distances measured",
        "opening_order": "Order of opening (by need)",
    }
    group = folium.FeatureGroup(name=esc("Hub sites (chosen)"), show=True)
    folium.GeoJson(
        _features(to_leaflet(points), list(fields)),
        marker=folium.CircleMarker(),
        style_function=lambda f: {
            "radius": 8,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": SITE_COLOUR,
            "fillOpacity": 1.0,
        },
        tooltip=_tooltip(fields),
    ).add_to(group)
    group.add_to(m)
    m.add_child(
        Legend(
            group,
            "Hub sites (chosen)",
            [(("circle", SITE_COLOUR), "Chosen hub site")],
            "today's practice sites as candidates; distances "
            + ((result.notes.get("points") or {}).get("label") or "straight line from LSOA centroids"),
            position="bottomleft",
        )
    )
