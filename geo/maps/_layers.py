"""Folium layers of the planner's maps: LSOA choropleths, GP practices, footprints and boundaries.

Each builder adds one ``FeatureGroup`` (the unit the LayerControl switches) and its legend to a map. Data reach
the page as GeoJSON properties that are already formatted and HTML-escaped strings: folium's tooltips and popups
write properties with ``innerHTML``, so escaping here is what keeps a practice called ``<script>`` as text.
"""

from __future__ import annotations

import json

import folium
import geopandas as gpd
import pandas as pd

from geo.disclosure import suppress_frame
from geo.maps._geometry import label_points, to_leaflet
from geo.maps._style import HOTSPOT_LABELS, Labels, Legend, count_text, esc, number_text

LSOA_EDGE = {"color": "#ffffff", "weight": 0.4, "fillOpacity": 0.75}


def _features(frame: gpd.GeoDataFrame, columns: list[str]) -> dict:
    """GeoJSON of ``frame`` with only ``columns`` as properties and the index as feature id (no bboxes)."""
    sub = frame[[*columns, frame.geometry.name]]
    return json.loads(sub.to_json(drop_id=False, show_bbox=False))


def _tooltip(fields: dict[str, str], **options) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(fields=list(fields), aliases=[esc(a) for a in fields.values()], sticky=True, **options)


def choropleth(
    m: folium.Map,
    shapes: gpd.GeoDataFrame,
    colours: pd.Series,
    *,
    name: str,
    legend_title: str,
    items: list[tuple[str, str]],
    source: str,
    tooltip: dict[str, str],
    show: bool,
) -> folium.FeatureGroup:
    """Add an LSOA choropleth: ``shapes`` (EPSG:4326, escaped text columns) filled with ``colours`` by index.

    Examples
    --------
    >>> import folium, geopandas as gpd
    >>> from shapely.geometry import box
    >>> shapes = gpd.GeoDataFrame({"lsoa_code": ["A"]}, geometry=[box(0, 50, 0.01, 50.01)], index=["A"], crs=4326)
    >>> m = folium.Map(tiles=None)
    >>> layer = choropleth(m, shapes, pd.Series({"A": "#ff0000"}), name="Test", legend_title="T",
    ...                    items=[("#ff0000", "one")], source="S (2025)", tooltip={"lsoa_code": "LSOA"}, show=True)
    >>> layer.layer_name
    'Test'
    """
    fills = colours.reindex(shapes.index).to_dict()
    group = folium.FeatureGroup(name=esc(name), show=show)
    folium.GeoJson(
        _features(shapes, list(tooltip)),
        name=esc(name),
        style_function=lambda f: {**LSOA_EDGE, "fillColor": fills.get(f["id"], "#bdbdbd")},
        tooltip=_tooltip(tooltip),
        smooth_factor=0.5,
    ).add_to(group)
    group.add_to(m)
    m.add_child(Legend(group, legend_title, items, source))
    return group


def practice_layer(m: folium.Map, points: gpd.GeoDataFrame, radius: pd.Series, *, source: str) -> folium.FeatureGroup:
    """Add GP practices as circles (area proportional to list size) with an escaped popup.

    ``points`` carries the escaped display columns ``practice_code, practice_name, pcn, list_size_text,
    patients_text`` and a boolean ``in_area``.
    """
    frame = to_leaflet(points)
    styles = {
        code: {
            "radius": float(radius[code]),
            "color": "#3f007d" if inside else "#636363",
            "weight": 1,
            "fillColor": "#6a51a3" if inside else "#ffffff",
            "fillOpacity": 0.8 if inside else 0.6,
        }
        for code, inside in frame["in_area"].items()
    }
    fields = {
        "practice_code": "Practice code",
        "practice_name": "Practice",
        "pcn": "PCN",
        "list_size_text": "List size",
        "patients_text": "Patients living in the area",
    }
    group = folium.FeatureGroup(name="GP practices", show=True)
    folium.GeoJson(
        _features(frame, list(fields)),
        name="GP practices",
        marker=folium.CircleMarker(),
        style_function=lambda f: styles[f["id"]],
        popup=folium.GeoJsonPopup(fields=list(fields), aliases=list(fields.values())),
        tooltip=_tooltip({"practice_name": "Practice"}),
    ).add_to(group)
    group.add_to(m)
    items = [
        (("circle", "#6a51a3"), "Practice in the area (area of circle ∝ list size)"),
        (("circle", "#ffffff"), "Practice outside the area"),
    ]
    m.add_child(Legend(group, "GP practices", items, source, position="bottomleft"))
    return group


def outline_layer(
    m: folium.Map,
    polygons: gpd.GeoDataFrame,
    *,
    name: str,
    tooltip: dict[str, str],
    colour: str,
    weight: float,
    dash: str | None,
    source: str,
    labels: str | None = None,
    legend_label: str | None = None,
) -> folium.FeatureGroup:
    """Add unfilled outlines (local authorities, neighbourhood footprints), optionally labelled.

    Outlines are not filled so the LSOA choropleth underneath keeps its tooltips; the outline's own tooltip
    shows on its edge. ``labels`` names an escaped column drawn as a permanent label at a point inside each
    polygon (``representative_point``, which unlike a centroid never falls outside a crescent-shaped area), the
    larger polygons' first: where two would overlap, the smaller one's is hidden (:class:`Labels`).
    """
    group = folium.FeatureGroup(name=esc(name), show=True)
    style = {"color": colour, "weight": weight, "fill": False, "dashArray": dash}
    folium.GeoJson(
        _features(to_leaflet(polygons), list(tooltip)),
        name=esc(name),
        style_function=lambda f: style,
        tooltip=_tooltip(tooltip),
    ).add_to(group)
    if labels:
        points = label_points(polygons.iloc[polygons.geometry.area.to_numpy().argsort()[::-1]])
        group.add_child(Labels([(p.y, p.x, text) for p, text in zip(points.geometry, points[labels])]))
    group.add_to(m)
    line = ("line", colour, "dashed" if dash else "solid")
    m.add_child(Legend(group, name, [(line, legend_label or name)], source, position="bottomleft"))
    return group


def hotspot_input(hotspots) -> tuple[pd.DataFrame | None, str | None]:
    """A hotspot table and its source note, from a DataFrame or a ``geo.hotspots.HotspotResult``."""
    if hotspots is None:
        return None, None
    if hasattr(hotspots, "published"):  # HotspotResult: only its published (suppressed) view may leave geo/
        return hotspots.published(), getattr(hotspots, "source_note", None)
    if "attendances" in hotspots.columns:
        # Tables from elsewhere may not be suppressed yet; a rate or ratio from a small count would reveal it.
        derived = {c: "attendances" for c in ("rate_per_1000", "rate_lci", "rate_uci", "ratio", "expected")}
        source_attr = hotspots.attrs.get("source")
        hotspots = suppress_frame(hotspots, ["attendances"], secondary=False, derived=derived)
        # Figures beside a count suppressed upstream (already missing) go too: they were derived from it.
        present = [c for c in derived if c in hotspots.columns]
        hotspots[present] = hotspots[present].where(hotspots["attendances"].notna(), axis=0)
        hotspots.attrs["source"] = source_attr
    source = hotspots.attrs.get("source")
    if not source and "source" in hotspots.columns and hotspots["source"].notna().any():
        source = str(hotspots["source"].dropna().iloc[0])
    return hotspots, source


def hotspot_table(hotspots: pd.DataFrame, codes: pd.Index) -> pd.DataFrame:
    """Hotspot figures on the atlas LSOAs, with the display text of each (suppressed values stay suppressed)."""
    frame = hotspots.set_index("lsoa_code") if "lsoa_code" in hotspots.columns else hotspots
    frame = frame.set_axis(frame.index.astype(str)).reindex(codes)
    hotspot = frame.get("hotspot", pd.Series("", index=codes)).fillna("").astype(str)
    return pd.DataFrame(
        {
            "rate_per_1000": frame.get("rate_per_1000", pd.Series(float("nan"), index=codes)).astype(float),
            "hotspot": hotspot,
            "attendances_text": frame.get("attendances", pd.Series(dtype=float))
            .reindex(codes)
            .map(lambda v: count_text(v, missing="suppressed")),
            "rate_text": frame.get("rate_per_1000", pd.Series(dtype=float))
            .reindex(codes)
            .map(lambda v: number_text(v, 1, missing="suppressed")),
            "ratio_text": frame.get("ratio", pd.Series(dtype=float))
            .reindex(codes)
            .map(lambda v: number_text(v, 2, missing="suppressed")),
            "class_text": hotspot.map(lambda h: esc(HOTSPOT_LABELS.get(h, h))),
        },
        index=codes,
    )
