"""Study areas and their layers as GeoJSON (RFC 7946: EPSG:4326, simplified for display, small counts suppressed).

The GeoJSON of an area is built once per loaded atlas and kept, because simplifying and reprojecting several
hundred polygons takes far longer than sending the result.
"""

from __future__ import annotations

import geopandas as gpd
from fastapi import APIRouter, Response

from api import caches
from api.caches import atlas_fingerprint
from api.deps import area_atlas, State, Viewer
from api.schemas import AreaPublic
from geo.atlas.model import Atlas
from geo.atlas.summary import published_patients_in_area
from geo.disclosure import suppress
from geo.maps._geometry import simplify_for_display, to_leaflet

router = APIRouter(tags=["areas"])

GEOJSON = "application/geo+json"
LSOA_FIELDS = [
    "lsoa_name",
    "lad_code",
    "lad_name",
    "resident_population",
    "registered_population",
    "imd_score",
    "imd_rank",
    "imd_decile",
    "local_decile",
    "plurality_practice",
    "plurality_share",
    "ruc_class",
]
PRACTICE_FIELDS = ["practice_name", "postcode", "pcn_code", "pcn_name", "list_size", "patients_in_area", "in_area"]
#: Columns counting people; suppressed where they would show as 1..threshold.
COUNT_FIELDS = {"resident_population", "registered_population", "list_size", "patients_in_area"}


def geojson_layer(frame: gpd.GeoDataFrame, fields: list[str], *, polygons: bool) -> bytes:
    """Return a layer as RFC 7946 GeoJSON bytes: simplified in metres, then WGS84, counts suppressed.

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> import json
    >>> body = json.loads(geojson_layer(grid_atlas(2, 1).lsoas, ["resident_population"], polygons=True))
    >>> body["type"], body["features"][0]["properties"]["resident_population"]
    ('FeatureCollection', 1500.0)
    """

    keep = [c for c in fields if c in frame.columns]
    table = frame[[*keep, frame.geometry.name]].copy()
    for column in COUNT_FIELDS & set(keep):
        table[column] = suppress(table[column].astype(float))
    table = simplify_for_display(table) if polygons else table.to_crs(27700)
    return to_leaflet(table).to_json(drop_id=False, na="null").encode("utf-8")


def _cached(atlas: Atlas, kind: str) -> bytes:
    def make() -> bytes:
        if kind == "lsoas":
            return geojson_layer(atlas.lsoas, LSOA_FIELDS, polygons=True)
        # Patients in the area as a margin of their registrations by LSOA: the exact count beside the public list
        # would give those living elsewhere (often 1 to 7), and two areas one LSOA apart a registration cell.
        practices = atlas.practices.assign(patients_in_area=published_patients_in_area(atlas))
        return geojson_layer(practices, PRACTICE_FIELDS, polygons=False)

    return caches.LAYERS.get_or_make((atlas_fingerprint(atlas), kind), make)


def _synthetic(area: str, atlas: Atlas | None) -> bool:
    """The demo region (or a test atlas): made-up data, which the page opens only when nothing real is offered."""
    from api.atlases import _demo  # lazy: looked up per call (tests patch api.atlases._demo)

    return area == _demo()[0] or (atlas is not None and "synthetic" in str(atlas.area.label).lower())


def _area_public(area: str, atlas: Atlas | None) -> dict:
    if atlas is None:
        return {
            "id": area,
            "name": None,
            "loaded": False,
            "synthetic": _synthetic(area, None),
            "lsoas": None,
            "vintage": None,
            "sources": None,
        }
    return {
        "id": area,
        "synthetic": _synthetic(area, atlas),
        "name": atlas.area.label,
        "loaded": True,
        "lsoas": len(atlas.lsoas),
        "vintage": atlas.vintage,
        "sources": [f"{s.label} ({s.vintage})" for s in atlas.sources.values()],
    }


@router.get("/areas", response_model=list[AreaPublic])
def list_areas(actor: Viewer, state: State):
    """Study areas the service offers (the demo region always; real areas when a data folder is set)."""
    return [_area_public(area, state.atlases.loaded(area)) for area in state.atlases.areas()]


@router.get("/areas/{area}", response_model=AreaPublic)
def get_area(area: str, actor: Viewer, state: State):
    """One study area, loading its atlas if needed."""
    return _area_public(area, area_atlas(state, area, actor))


@router.get(
    "/areas/{area}/lsoas",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "LSOAs as a GeoJSON FeatureCollection"}},
)
def lsoa_layer(area: str, actor: Viewer, state: State):
    """The LSOAs of an area with population, deprivation and practice attribution (EPSG:4326, simplified)."""
    return Response(_cached(area_atlas(state, area, actor), "lsoas"), media_type=GEOJSON)


@router.get(
    "/areas/{area}/practices",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "GP practices as a GeoJSON FeatureCollection"}},
)
def practice_layer(area: str, actor: Viewer, state: State):
    """GP practices serving the area, with list sizes and patients living in the area (EPSG:4326)."""
    return Response(_cached(area_atlas(state, area, actor), "practices"), media_type=GEOJSON)
