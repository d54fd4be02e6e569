"""Context layers of a study area for the planner page's map: local authority and ward boundaries (GeoJSON), and
the source and vintage of every context layer, for the legend.

The LSOA layer (``/areas/{area}/lsoas``: IMD decile, names, populations), the practices (``/areas/{area}/practices``:
list sizes) and the UEC layer (``/areas/{area}/hotspots``) already carry the rest; this router adds only what the
page cannot derive from them. Boundaries are dissolved in ``geo.maps.boundaries`` (populations through
``geo.disclosure``) and kept per loaded atlas, like the LSOA layer.
"""

from __future__ import annotations

import json
from typing import Literal

from fastapi import APIRouter, Response

from api import caches
from api.caches import atlas_fingerprint
from api.deps import area_atlas, State, Viewer
from api.routes.areas import GEOJSON
from geo.atlas.model import Atlas
from geo.maps._geometry import label_points, to_leaflet
from geo.maps.boundaries import LEVELS, layer_sources, unit_boundaries

router = APIRouter(tags=["areas"])


def _boundaries(atlas: Atlas, level: str) -> bytes:

    def make() -> bytes:
        layer = next(item for item in layer_sources(atlas) if item["id"] == level)
        frame = unit_boundaries(atlas, level).set_index("code")
        if len(frame):  # a point inside each unit for its name on the map
            points = label_points(frame).geometry
            frame["label_lat"], frame["label_lon"] = points.y.round(5), points.x.round(5)
        collection = (
            json.loads(to_leaflet(frame).to_json(drop_id=False, na="null"))
            if len(frame)
            else {"type": "FeatureCollection", "features": []}
        )
        # RFC 7946 foreign members: what the layer is and where it comes from, for the legend.
        collection.update(title=LEVELS[level][2], source=layer["source"], vintage=layer["vintage"])
        return json.dumps(collection, separators=(",", ":")).encode("utf-8")

    return caches.LAYERS.get_or_make((atlas_fingerprint(atlas), "boundaries", level), make)


@router.get(
    "/areas/{area}/boundaries/{level}",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "Boundaries as a GeoJSON FeatureCollection"}},
)
def boundary_layer(area: str, level: Literal["lad", "ward"], actor: Viewer, state: State):
    """Local authority (``lad``) or electoral ward (``ward``) boundaries dissolved from the area's LSOAs: code,
    name, LSOAs, resident population and a label point inside the unit (EPSG:4326). No features when the atlas
    has no wards (LSOA 2011)."""
    return Response(_boundaries(area_atlas(state, area, actor), level), media_type=GEOJSON)


@router.get("/areas/{area}/layers")
def context_layers(area: str, actor: Viewer, state: State) -> list[dict]:
    """The context layers of an area's map with their title, source, vintage and whether the area has them."""
    from geo.maps.boundaries import layer_sources  # lazy: another function binds layer_sources to something else

    return layer_sources(area_atlas(state, area, actor))
