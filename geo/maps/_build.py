"""The atlas map and the plan map of one study area: which layers, their sources and their text.

Both maps share one display geometry per call (simplified once as a coverage, see ``_geometry``), so the LSOA
choropleths, local authority outlines and neighbourhood footprints line up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd

from geo.atlas.model import Atlas, source_for
from geo.atlas.summary import published_patients_in_area
from geo.errors import PlanError
from geo.maps import _access, _layers
from geo.maps._compare import add_compare
from geo.maps._geometry import DEFAULT_TOLERANCE_M, bounds_latlon, dissolve, simplify_for_display, to_leaflet
from geo.maps._sites import add_sites
from geo.maps._style import (
    HOTSPOT_COLOURS,
    HOTSPOT_LABELS,
    MISSING_COLOUR,
    Caption,
    add_page_style,
    count_text,
    decile_colour,
    decile_items,
    esc,
    number_text,
    radius_for,
    rate_classes,
)
from geo.plan import Plan
from geo.plan.labels import label_lines
from geo.plan.params import BASIS_WORDS
from geo.plan.report import basis_note

DEFAULT_LAYERS = ("imd_decile", "local_decile", "practices", "lads")
LAYER_KEYS = ("imd_decile", "local_decile", "uec_rate", "hotspots", "practices", "lads")
LAYER_NAMES = {
    "imd_decile": "IMD national decile",
    "local_decile": "Local deprivation decile",
    "uec_rate": "UEC attendances per 1,000",
    "hotspots": "UEC hotspots (Gi*)",
    "practices": "GP practices",
    "lads": "Local authority boundaries",
    "footprints": "Neighbourhood footprints",
}


# Words that pick each layer's datasets out of ``atlas.sources`` (keys are dataset names chosen by the loader).
def new_map(frame: gpd.GeoDataFrame, *, title: str | None, tiles: str | None) -> folium.Map:
    """An empty map fitted to ``frame`` with the page style, title and OGL/OS/NHS attribution.

    ``tiles=None`` (the default everywhere) draws no basemap, so the map works offline on a light background;
    ``tiles="OpenStreetMap"`` adds OSM tiles with their attribution.
    """
    m = folium.Map(tiles=tiles, control_scale=True, zoom_start=10)
    add_page_style(m)
    m.add_child(Caption(title))
    m.fit_bounds(bounds_latlon(frame))
    return m


def atlas_map(
    atlas: Atlas,
    *,
    layers: Sequence[str] = DEFAULT_LAYERS,
    hotspots: pd.DataFrame | None = None,
    title: str | None = None,
    tiles: str | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
) -> folium.Map:
    """Return an interactive map of a study area's atlas: deprivation, practices, boundaries and UEC layers.

    Parameters
    ----------
    atlas
        The study area's atlas.
    layers
        Layers to draw, from ``imd_decile, local_decile, uec_rate, hotspots, practices, lads``. The UEC rate and
        hotspot layers are added whenever ``hotspots`` is given.
    hotspots
        A ``geo.hotspots.HotspotResult`` (its published view is used) or a hotspot table (``lsoa_code,
        attendances, rate_per_1000, ratio, gi_z, gi_p, hotspot``) with small counts already suppressed; its
        source is ``attrs["source"]`` or a ``source`` column when present.
    title
        Title shown on the map (default: the study area's name).
    tiles
        ``None`` for no basemap (works offline) or ``"OpenStreetMap"``.
    tolerance_m
        Simplification tolerance for display, in metres.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> m = atlas_map(grid_atlas(4, 4))
    >>> "IMD national decile" in m.get_root().render()
    True
    """
    m, _ = _draw(atlas, layers, hotspots, title, tiles, tolerance_m, assignment=None, table=None)
    return m


def plan_map(
    atlas: Atlas,
    plan,
    *,
    hotspots: pd.DataFrame | None = None,
    layers: Sequence[str] = DEFAULT_LAYERS,
    title: str | None = None,
    tiles: str | None = None,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    compare=None,
    sites=None,
) -> folium.Map:
    """Return the atlas map with a plan's neighbourhood footprints: outlines, labels, population and deviation.

    Parameters
    ----------
    atlas
        The study area's atlas.
    plan
        A :class:`geo.plan.Plan`: the tooltips show its own metrics (populations, deviation from its target,
        LSOAs, practices, Core20), so they agree with ``nhp score`` and the profiles. A Series
        ``lsoa_code -> neighbourhood`` is made into a plan with the settings' parameters first.
    hotspots, layers, title, tiles, tolerance_m
        As for :func:`atlas_map`.
    compare
        A :class:`geo.plan.geography.Geography` to overlay, with the LSOAs not coterminous with it highlighted
        (see :mod:`geo.maps._compare`).
    sites
        Hub sites chosen for the plan (:func:`geo.access.siting.choose_sites`): their catchments and points.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> atlas = grid_atlas(4, 4)
    >>> hoods = pd.Series(["North" if c >= "G0008" else "South" for c in atlas.codes], index=atlas.codes)
    >>> html = plan_map(atlas, hoods).get_root().render()
    >>> "Neighbourhood footprints" in html and "North" in html
    True
    """
    plan = _as_plan(atlas, plan)
    series = plan.assignment.astype(str)
    table = plan.neighbourhood_table().set_index("name", drop=False)
    table.attrs["population_basis"] = plan.population
    table.attrs["basis_note"] = basis_note(plan)
    m, simplified = _draw(atlas, layers, hotspots, title, tiles, tolerance_m, assignment=series, table=table, plan=plan)
    if compare is not None:  # after the LayerControl: it lists the map's layers when the page is rendered
        add_compare(m, plan, simplified, compare)
    if sites is not None:
        add_sites(m, simplified, sites)
    return m


def _as_plan(atlas: Atlas, plan):
    """Return ``plan`` as a :class:`geo.plan.Plan` of ``atlas`` (a Series becomes one, checked against it)."""

    if isinstance(plan, Plan):
        if plan.atlas is not atlas and not plan.atlas.lsoas.index.equals(atlas.lsoas.index):
            raise PlanError("the plan is of another study area", expected=f"a plan of {atlas.area.label}")
        return plan
    series = pd.Series(plan).dropna()
    series.index = series.index.astype(str)
    unknown = series.index.difference(atlas.lsoas.index)
    if len(unknown):
        raise PlanError(
            f"{len(unknown)} LSOA codes in the plan are not in the study area, e.g. {', '.join(unknown[:3])}",
            column="lsoa_code",
            expected=f"codes of the {len(atlas.lsoas)} LSOAs of {atlas.area.label}",
        )
    return Plan(atlas, series.astype(str))


def _draw(atlas, layers, hotspots, title, tiles, tolerance_m, *, assignment, table, plan=None):
    hotspots, hotspot_source = _layers.hotspot_input(hotspots)
    unknown = set(layers) - set(LAYER_KEYS)
    if unknown:
        raise ValueError(f"unknown map layers {sorted(unknown)}; choose from {', '.join(LAYER_KEYS)}")
    wanted = [k for k in LAYER_KEYS if k in layers or (hotspots is not None and k in ("uec_rate", "hotspots"))]
    simplified = simplify_for_display(atlas.lsoas[["lad_code", "lad_name", "geometry"]], tolerance_m)
    m = new_map(simplified, title=title or atlas.area.label, tiles=tiles)
    shapes = _lsoa_text(atlas, to_leaflet(simplified), assignment)
    tooltip = {"lsoa_code": "LSOA", "lsoa_name": "Name", "lad_name": "Local authority", "residents": "Residents"}
    if assignment is not None:
        tooltip["neighbourhood"] = "Neighbourhood"
    choropleths = [k for k in wanted if k in ("imd_decile", "local_decile", "uec_rate", "hotspots")]
    for key in choropleths:
        _add_choropleth(m, atlas, key, shapes, hotspots, hotspot_source, tooltip, show=key == choropleths[0])
    if "lads" in wanted:
        lads = dissolve(simplified, atlas.lsoas.lad_code.rename("lad_code"))
        lads["lad_name"] = atlas.lsoas.groupby("lad_code").lad_name.first().reindex(lads.index).map(esc)
        lads["lad_code"] = lads.index.map(esc)
        _layers.outline_layer(
            m,
            lads,
            name=LAYER_NAMES["lads"],
            tooltip={"lad_name": "Local authority", "lad_code": "Code"},
            colour="#252525",
            weight=2.5,
            dash="6 4",
            source=source_for(atlas, "boundaries"),
            legend_label="Local authority (dissolved from LSOAs)",
        )
    if assignment is not None:
        access = _access.access_layer_or_none(atlas) if plan is not None else None
        _add_footprints(m, atlas, simplified, assignment, table, plan=plan, access=access)
    if "practices" in wanted and len(atlas.practices):
        _add_practices(m, atlas)
    folium.LayerControl(collapsed=False).add_to(m)
    return m, simplified


def _lsoa_text(atlas: Atlas, shapes: gpd.GeoDataFrame, assignment) -> gpd.GeoDataFrame:
    """Escaped, formatted tooltip text of each LSOA (the only properties the page receives)."""
    lsoas = atlas.lsoas
    shapes = shapes[[shapes.geometry.name]].copy()
    shapes["lsoa_code"] = [esc(c) for c in lsoas.index]
    shapes["lsoa_name"] = lsoas.lsoa_name.map(esc)
    shapes["lad_name"] = lsoas.lad_name.map(esc)
    shapes["residents"] = lsoas.resident_population.map(count_text)
    shapes["imd_decile"] = lsoas.imd_decile.map(lambda v: number_text(v, 0))
    shapes["local_decile"] = lsoas.local_decile.map(lambda v: number_text(v, 0))
    if assignment is not None:
        shapes["neighbourhood"] = assignment.reindex(lsoas.index).map(esc).fillna("not assigned")
    return shapes


def _add_choropleth(m, atlas, key, shapes, hotspots, hotspot_source, tooltip, *, show):
    name = LAYER_NAMES[key]
    if key in ("imd_decile", "local_decile"):
        colours = atlas.lsoas[key].map(decile_colour)
        if key == "imd_decile":
            legend = f"IMD {atlas.imd_edition}: national decile"
        else:
            legend = f"IMD {atlas.imd_edition}: decile within {atlas.area.label}"
        fields = {**tooltip, key: "IMD decile (England)" if key == "imd_decile" else "Decile within area"}
        _layers.choropleth(
            m,
            shapes,
            colours,
            name=name,
            legend_title=legend,
            items=decile_items(),
            source=source_for(atlas, "deprivation"),
            tooltip=fields,
            show=show,
        )
        return
    table = _layers.hotspot_table(hotspots, atlas.lsoas.index)
    shapes = shapes.join(table)
    source = hotspot_source or source_for(atlas, "uec", fallback="UEC attendances as supplied with the hotspot table")
    fields = {
        **tooltip,
        "attendances_text": "UEC attendances",
        "rate_text": "Rate per 1,000",
        "ratio_text": "Ratio to area rate",
        "class_text": "Gi* class",
    }
    if key == "uec_rate":
        classes, palette, labels = rate_classes(table.rate_per_1000)
        colours = classes.map(lambda c: palette[c] if c >= 0 else MISSING_COLOUR)
        items = [*zip(palette, labels), (MISSING_COLOUR, "suppressed (small count) or no data")]
        legend = "UEC attendances per 1,000 residents (Fisher-Jenks classes)"
    else:
        colours = table.hotspot.map(lambda h: HOTSPOT_COLOURS.get(h, MISSING_COLOUR))
        items = [(HOTSPOT_COLOURS[h], HOTSPOT_LABELS[h]) for h in ("high", "", "low")]
        legend = "UEC hot and cold spots (Getis-Ord Gi*, FDR-controlled)"
    _layers.choropleth(
        m, shapes, colours, name=name, legend_title=legend, items=items, source=source, tooltip=fields, show=show
    )


def _add_footprints(m, atlas, simplified, assignment, table, *, plan=None, access=None):
    outlines = dissolve(simplified, assignment.rename("neighbourhood"))
    table = table.reindex(outlines.index)
    outlines["label"] = table["name"].map(esc)
    # drawn on the map on up to three lines, never cut inside a word (geo.plan.labels.label_lines); full in tooltips
    outlines["short"] = table["name"].map(lambda name: "<br>".join(esc(line) for line in label_lines(name)))
    outlines["residents"] = table.resident_population.map(count_text)
    outlines["registered"] = table.registered_population.map(count_text)
    # The plan's table publishes populations as margins (a list population with a practice list of 1 to 7 is
    # rounded to 10, or suppressed), and the deviation from the published figure: shown as published.
    outlines["list_population"] = table.list_population.map(lambda v: count_text(v, missing="suppressed"))
    outlines["deviation"] = table.deviation_pct.map(
        lambda v: "suppressed" if v is None or pd.isna(v) else number_text(v, 1, signed=True) + "%"
    )
    fields = {
        "label": "Neighbourhood",
        "residents": "Residents",
        "registered": "Registered patients",
        "list_population": "List population (its practices)",
        "deviation": "Deviation from target",
    }
    # The deviation is from the plan's counted population (its basis: residents, registered patients or lists),
    # named beside it; the footprint's Core20 share is of its residents (registered residents for registered and
    # list plans), the list's of its practices' patients: two figures, each labelled.
    counted = table.attrs.get("population_basis", "resident")
    fields["deviation"] = f"Deviation from target ({BASIS_WORDS[counted]})"
    if table.attrs.get("basis_note"):
        outlines["basis_note"] = esc(table.attrs["basis_note"])
        fields["basis_note"] = "Population basis"
    footprint = "residents" if counted == "resident" else "registered patients"
    for column, alias, digits in (
        ("lsoas", "LSOAs", 0),
        ("practices", "Practices", 0),
        ("core20_pct", f"Core20 % of the footprint's {footprint}", 1),
        ("core20_pct_list", "Core20 % of its practices' patients", 0),
    ):
        if column in table.columns:
            values = table[column].map(lambda v: len(v) if isinstance(v, (list, tuple, set)) else v)
            outlines[column] = values.map(
                lambda v, d=digits: "not published" if v is None or pd.isna(v) else number_text(v, d)
            )
            fields[column] = alias
    if plan is not None:  # distances and times of its residents, each with source, vintage and method
        fields = _access.add_footprint_fields(outlines, plan, access, fields)
    _layers.outline_layer(
        m,
        outlines,
        name=LAYER_NAMES["footprints"],
        tooltip=fields,
        colour="#000000",
        weight=3,
        dash=None,
        source=f"this plan; populations from {source_for(atlas, 'population')}",
        labels="short",
        legend_label="Neighbourhood (dissolved from its LSOAs)",
    )


def _add_practices(m, atlas):
    practices = atlas.practices
    points = gpd.GeoDataFrame(
        {
            "practice_code": [esc(c) for c in practices.index],
            "practice_name": practices.practice_name.map(esc),
            "pcn": practices.pcn_name.map(esc).str.cat(practices.pcn_code.map(esc), sep=" (") + ")",
            "list_size_text": practices.list_size.map(count_text),
            # A margin of its registrations by LSOA: the exact count less the list would give those elsewhere.
            "patients_text": published_patients_in_area(atlas).map(lambda v: count_text(v, missing="suppressed")),
            "in_area": practices.in_area.fillna(False).astype(bool),
        },
        geometry=practices.geometry,
        crs=practices.crs,
        index=practices.index,
    )
    _layers.practice_layer(m, points, radius_for(practices.list_size), source=source_for(atlas, "practices"))
