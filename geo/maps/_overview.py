"""The England overview (one polygon per ICB with its summary figures) and writing maps to HTML files."""

from __future__ import annotations

import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from geo.errors import DataError
from geo.maps import _layers
from geo.maps._assets import inline_assets, offline_page
from geo.maps._build import new_map
from geo.maps._geometry import simplify_for_display, to_leaflet
from geo.maps._safety import render_page
from geo.maps._style import MISSING_COLOUR, count_text, esc, number_text, rate_classes

# Columns holding counts of people: these pass through the small-count guard before display.
_COUNT_COLUMNS = re.compile(r"population|patients|attendances|admissions|list_size|residents|count", re.I)
_NAME_COLUMNS = ("icb_name", "name")
ICB_SOURCE = "ONS Integrated Care Boards boundaries; figures as supplied"


def england_overview(
    icb_table: gpd.GeoDataFrame,
    *,
    value: str | None = None,
    title: str = "Integrated care boards in England",
    tiles: str | None = None,
    tolerance_m: float = 200.0,
) -> folium.Map:
    """Return a map of England with one polygon per ICB, shaded by ``value``, its figures in the tooltip.

    Parameters
    ----------
    icb_table
        One row per ICB with a geometry, a name column (``icb_name`` or ``name``) and summary figures.
        ``icb_table.attrs["source"]`` names the source and vintage for the legend.
    value
        Numeric column to shade by (Fisher-Jenks classes); default the first numeric column.
    tolerance_m
        Display simplification in metres (ICBs are large, so coarser than the LSOA maps).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> icbs = gpd.GeoDataFrame({"icb_name": ["North", "South"], "resident_population": [1_000_000, 800_000]},
    ...                         geometry=[box(400000, 300000, 500000, 400000), box(400000, 200000, 500000, 300000)],
    ...                         crs=27700)
    >>> "1,000,000" in england_overview(icbs).get_root().render()
    True
    """
    if not isinstance(icb_table, gpd.GeoDataFrame) or icb_table.crs is None:
        raise DataError("the ICB table has no geometry or no CRS", expected="a GeoDataFrame with ICB polygons")
    name_column = next((c for c in _NAME_COLUMNS if c in icb_table.columns), None)
    if name_column is None:
        raise DataError("the ICB table has no name column", column="icb_name", expected="icb_name or name")
    figures = icb_table.drop(columns=icb_table.geometry.name)
    numeric = [
        c
        for c in figures.columns
        if pd.api.types.is_numeric_dtype(figures[c]) and not pd.api.types.is_bool_dtype(figures[c])
    ]
    value = value or (numeric[0] if numeric else None)
    if value is not None and value not in numeric:
        raise DataError(f"cannot shade by {value!r}", column=value, expected=f"one of {', '.join(numeric)}")

    table = icb_table.reset_index(drop=True)
    simplified = simplify_for_display(table[[table.geometry.name]], tolerance_m)
    shapes = to_leaflet(simplified)
    fields = {}
    for column in figures.columns:
        key = f"f{len(fields)}"
        fields[key] = column.replace("_", " ").capitalize()
        shapes[key] = table[column].map(lambda v, c=column: _display(v, c))
    source = icb_table.attrs.get("source") or ICB_SOURCE
    m = new_map(simplified, title=title, tiles=tiles)
    if value is None:
        colours = pd.Series(MISSING_COLOUR, index=shapes.index)
        items, legend = [(MISSING_COLOUR, "ICB")], "Integrated care boards"
    else:
        classes, palette, labels = rate_classes(table[value].astype(float), scheme="FisherJenks")
        colours = classes.map(lambda c: palette[c] if c >= 0 else MISSING_COLOUR)
        items, legend = list(zip(palette, labels)), fields[f"f{list(figures.columns).index(value)}"]
    _layers.choropleth(
        m,
        shapes,
        colours,
        name="Integrated care boards",
        legend_title=legend,
        items=items,
        source=source,
        tooltip=fields,
        show=True,
    )
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _display(value, column: str) -> str:
    if _COUNT_COLUMNS.search(column) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return count_text(value)
    if isinstance(value, float):
        return number_text(value, 1)
    return esc(value)


def save_map(m: folium.Map, path: str | Path, *, assets_dir: str | Path | None = None, offline: bool = True) -> Path:
    """Write a map as one self-contained HTML file and return its path.

    The data, styles and scripts of the map are in the file, so it opens with no network: Leaflet is inlined
    from the vendored copy (``static/vendor``, see ``scripts/vendor-assets.sh``) and Folium's CDN defaults the
    map does not use are dropped (:func:`geo.maps._assets.offline_page`). ``assets_dir`` is searched first for
    same-named files; ``offline=False`` keeps Folium's CDN links (a smaller file that needs the internet).

    Examples
    --------
    >>> import tempfile
    >>> from geo.testing import grid_atlas
    >>> from geo.maps import atlas_map
    >>> out = save_map(atlas_map(grid_atlas(3, 3)), Path(tempfile.mkdtemp()) / "map.html")
    >>> text = out.read_text(encoding="utf-8")
    >>> text.startswith("<!DOCTYPE html>"), 'src="http' in text
    (True, False)
    """
    path = Path(path)
    page = render_page(m)
    if offline:
        page = offline_page(page, None if assets_dir is None else Path(assets_dir))
    elif assets_dir is not None:
        page = inline_assets(page, Path(assets_dir))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
