"""Exports of a plan version chosen by extension, neighbourhood profiles, and the plan's interactive map.

``export.csv`` is the ``lsoa_code,neighbourhood`` lookup; ``export.geojson`` (EPSG:4326) and ``export.gpkg``
(EPSG:27700) hold the footprints (or the LSOAs with ``layer=lsoas``); ``export.xlsx`` and ``export.html`` are
the neighbourhood profiles for Health and Wellbeing Board papers. Every count in them has passed through
``geo.disclosure`` inside ``geo``. Files are built in a temporary folder and sent from memory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.etags import version_etag
from api.limits import heavy_work
from geo import export
from geo.export import FORMATS
from geo.writers import layer_name
from api.deps import DbId, MAX_ID, State, Viewer
from geo.maps import plan_map as build_map

router = APIRouter(tags=["exports"])

#: Media type of each extension, from the one export table (``geo.export.FORMATS``).
MEDIA = {ext.lstrip("."): fmt.media_type for (_, ext), fmt in FORMATS.items()}
Version = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Version to export (default: the latest).")]


def _file(body: bytes, ext: str, name: str, etag: str, *, inline: bool = False) -> Response:
    disposition = "inline" if inline else f'attachment; filename="{name}.{ext}"'
    return Response(body, media_type=MEDIA[ext], headers={"Content-Disposition": disposition, "ETag": etag})


def _build(kind: str, value, ext: str, *, stem: str = "export", **options) -> bytes:
    """Build a file in a temporary folder and return its bytes; ``stem`` names it (GeoJSON and GIS tools show the
    file's stem as the layer's name)."""
    with tempfile.TemporaryDirectory(prefix="nhp-export-") as folder:
        return export.write(kind, value, Path(folder) / f"{stem}.{ext}", **options).read_bytes()


def _layer_name(plan, row) -> str:
    """A layer name (and file stem) naming the plan, its version and area, in characters every file system and GIS
    accepts (:func:`geo.writers.layer_name`)."""
    title = getattr(getattr(row, "plan", None), "name", None) or plan.name
    return layer_name(title, f"v{row.version}", plan.atlas.area.label)


def _cached(state: State, actor, row, kind: str, ext: str, make, *options) -> bytes:
    """The file ``make()`` builds for a saved version, built once per version (versions are immutable); building
    takes a place of the caller's caps like any heavy request (429 when none is free), waiting for it does not."""

    def limited() -> bytes:
        with heavy_work(state.db, actor, "export"):
            return make()

    return state.plans.files.get_or_make((version_etag(row), kind, ext, *options), limited)


def _profiles(state: State, actor, plan_id: DbId, version: int | None, ext: str):
    from geo.profiles import (
        neighbourhood_profiles,
    )  # lazy: looked up per call (tests patch geo.profiles.neighbourhood_profiles)

    row, plan = state.plans.load(plan_id, version, actor=actor)

    def build() -> bytes:
        profiles = neighbourhood_profiles(plan)
        profiles.version, profiles.state = str(row.version), row.state  # the pack's cover names them
        return _build("profiles", profiles, ext)

    body = _cached(state, actor, row, "profiles", ext, build)
    name = f"plan-{plan_id}-v{row.version}-profiles"
    return _file(body, ext, name, version_etag(row), inline=ext == "html")


@router.get(
    "/plans/{plan_id}/export.{ext}",
    response_class=Response,
    responses={200: {"content": {m.split(";")[0]: {} for m in MEDIA.values()}}},
)
def export_plan(
    plan_id: DbId,
    ext: Literal["csv", "geojson", "gpkg", "xlsx", "html"],
    actor: Viewer,
    state: State,
    version: Version = None,
    layer: Annotated[Literal["neighbourhoods", "lsoas"], Query()] = "neighbourhoods",
):
    """A plan version as a file; the format follows the extension."""
    if ext in ("xlsx", "html"):
        return _profiles(state, actor, plan_id, version, ext)
    row, plan = state.plans.load(plan_id, version, actor=actor)
    body = _cached(
        state,
        actor,
        row,
        "plan",
        ext,
        lambda: _build("plan", plan, ext, stem=_layer_name(plan, row), layer=layer, title=_layer_name(plan, row)),
        layer,
    )
    return _file(body, ext, f"plan-{plan_id}-v{row.version}", version_etag(row))


@router.get(
    "/plans/{plan_id}/profiles.{ext}",
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "text/csv": {}, MEDIA["xlsx"]: {}}}},
)
def plan_profiles(
    plan_id: DbId, ext: Literal["html", "csv", "xlsx", "pdf"], actor: Viewer, state: State, version: Version = None
):
    """Neighbourhood profiles (population, age, deprivation, practices, rural-urban mix) for HWB papers."""
    return _profiles(state, actor, plan_id, version, ext)


@router.get("/plans/{plan_id}/map.html", response_class=Response, responses={200: {"content": {"text/html": {}}}})
def plan_map(plan_id: DbId, actor: Viewer, state: State, version: Version = None):
    """The interactive Folium map of a plan version: footprints, deprivation, practices, population."""

    row, plan = state.plans.load(plan_id, version, actor=actor)
    name = getattr(getattr(row, "plan", None), "name", None) or plan.name
    title = f"{name}: {plan.atlas.area.label}, version {row.version} ({row.state})"
    body = _cached(
        state, actor, row, "map", "html", lambda: _build("map", build_map(plan.atlas, plan, title=title), "html")
    )
    return _file(body, "html", f"plan-{plan_id}-v{row.version}-map", version_etag(row), inline=True)
