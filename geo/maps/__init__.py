"""Interactive Folium/Leaflet maps of the planner: the atlas, a plan's footprints and the England overview.

Every map has a LayerControl, a legend per layer stating its source and vintage, the OGL/OS/NHS England
attribution, HTML-escaped text and suppressed small counts. Geometry is simplified in metres as one coverage
and sent to the page in WGS84 with 5 decimals. Without ``tiles`` a map draws on a light background, offline.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from geo.maps import plan_map, save_map
>>> from geo.testing import grid_atlas
>>> atlas = grid_atlas(4, 4)
>>> hoods = atlas.lsoas.lad_code.where(atlas.lsoas.index < "G0008", "north")
>>> path = save_map(plan_map(atlas, hoods), Path(tempfile.mkdtemp()) / "plan.html")
>>> path.stat().st_size < 1_000_000
True
"""

from importlib import import_module

#: Where each public name lives. Imported on first use (PEP 562): a route that only simplifies geometry
#: (``geo.maps._geometry``) does not pay for folium, matplotlib and mapclassify.
_HOME = {
    "ATTRIBUTION_LINES": "_style",
    "count_text": "_style",
    "DEFAULT_LAYERS": "_build",
    "LAYER_KEYS": "_build",
    "LAYER_NAMES": "_build",
    "atlas_map": "_build",
    "plan_map": "_build",
    "DEFAULT_TOLERANCE_M": "_geometry",
    "simplify_for_display": "_geometry",
    "england_overview": "_overview",
    "inline_assets": "_overview",
    "save_map": "_overview",
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'geo.maps' has no attribute {name!r}")
    value = getattr(import_module(f"geo.maps.{_HOME[name]}"), name)
    globals()[name] = value
    return value
