"""Interactive Folium/Leaflet maps of the planner: the atlas, a plan's footprints and the England overview.

Every map has a LayerControl, a legend per layer stating its source and vintage, the OGL/OS/NHS England
attribution, HTML-escaped text and suppressed small counts. Geometry is simplified in metres as one coverage
and sent to the page in WGS84 with 5 decimals. Without ``tiles`` a map draws on a light background, offline.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from geo.testing import grid_atlas
>>> atlas = grid_atlas(4, 4)
>>> hoods = atlas.lsoas.lad_code.where(atlas.lsoas.index < "G0008", "north")
>>> path = save_map(plan_map(atlas, hoods), Path(tempfile.mkdtemp()) / "plan.html")
>>> path.stat().st_size < 1_000_000
True
"""

from geo.maps._build import DEFAULT_LAYERS, LAYER_KEYS, LAYER_NAMES, atlas_map, plan_map
from geo.maps._geometry import DEFAULT_TOLERANCE_M, simplify_for_display
from geo.maps._overview import england_overview, inline_assets, save_map
from geo.maps._style import ATTRIBUTION_LINES, count_text

__all__ = [
    "ATTRIBUTION_LINES",
    "DEFAULT_LAYERS",
    "DEFAULT_TOLERANCE_M",
    "LAYER_KEYS",
    "LAYER_NAMES",
    "atlas_map",
    "count_text",
    "england_overview",
    "inline_assets",
    "plan_map",
    "save_map",
    "simplify_for_display",
]
