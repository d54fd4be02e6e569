"""UEC hotspots of a study area (modelled from open data, or from an uploaded local extract) and per neighbourhood.

Only the published tables leave the service: counts of 1 to 7 attendances, and the rates and ratios built on them,
are suppressed inside ``geo`` before they reach a route. Uploaded patient-level extracts are aggregated on import
and never stored. The modelled layer of a large area can be computed as a background job
(``POST /areas/{area}/hotspot-jobs``, see :mod:`api.hotspots`); its answer is the GET's, rendered by the same code.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Response, UploadFile

from api import caches, hotspots
from api.caches import atlas_fingerprint
from api.deps import MAX_ID, area_atlas, DbId, Planner, State, Viewer
from api.limits import heavy_work
from api.schemas import HotspotJobCreate, JobPublic
from api.uploads import described, read_upload
from geo.hotspots import find_hotspots
from geo.uec import uec_layer_for
from geo.hotspots import by_neighbourhood

router = APIRouter(tags=["hotspots"])
ANSWERS = {200: {"content": {"application/json": {}, "text/csv": {}, "application/geo+json": {}}}}


def _data_dir(state, atlas):
    """The folder the atlas came from: the demo region's own files, or the service's official data folder."""
    return hotspots.data_folder(atlas, state.settings.data_dir)


def _modelled(state, atlas):
    """Hotspots of the modelled layer, computed once per loaded atlas (analytic Gi*: well under a second)."""
    return caches.HOTSPOTS.get_or_make(
        (atlas_fingerprint(atlas), "modelled"), lambda: hotspots.modelled(atlas, state.settings.data_dir)
    )


def _answer(result, fmt: str) -> Response:
    return Response(hotspots.render(result, fmt), media_type=hotspots.MEDIA_TYPES[fmt])


Format = Annotated[Literal["json", "csv", "geojson"], Query(description="Answer as JSON, CSV or GeoJSON.")]


@router.get("/areas/{area}/hotspots", response_class=Response, responses=ANSWERS)
def area_hotspots(area: str, actor: Viewer, state: State, format: Format = "json"):
    """Areas of high EXPECTED need: Gi* on the MODELLED UEC layer (NHS England ICB A&E totals shared out by IoD2025
    acute morbidity; not observed attendances, so no funnel or intervals). Computed in the request: for a large
    area use ``POST /areas/{area}/hotspot-jobs``, which gives the same answer as a background job."""
    return _answer(_modelled(state, area_atlas(state, area, actor)), format)


@router.post("/areas/{area}/hotspots", response_class=Response, responses=ANSWERS)
def extract_hotspots(
    area: str,
    actor: Planner,
    state: State,
    file: Annotated[
        UploadFile, File(description=described("uec_extract", "Local UEC extract (aggregated or patient-level)"))
    ],
    format: Format = "json",
    strict: Annotated[bool, Query(description="Stop at the first bad row instead of rejecting it.")] = False,
):
    """Gi* hotspots of an uploaded local UEC extract (size limited by ``NHP_MAX_UPLOAD_MB``: 413)."""

    atlas = area_atlas(state, area, actor)
    with heavy_work(state.db, actor, "extract"):  # parsing and Gi* count against the caps of jobs (429)
        layer, _ = read_upload(
            file,
            "uec_extract",
            lambda path: uec_layer_for(
                atlas, _data_dir(state, atlas), extract=path, strict=strict, label=file.filename
            ),
        )
        return _answer(find_hotspots(atlas, layer), format)


@router.post(
    "/areas/{area}/hotspot-jobs",
    status_code=202,
    response_model=JobPublic,
    responses={202: {"description": "Accepted: computing as a background job"}},
)
def create_hotspot_job(
    area: str, actor: Planner, state: State, response: Response, body: HotspotJobCreate | None = None
):
    """The GET's modelled-layer hotspots as a background job (planner; at most 2 unfinished jobs per key: 429).

    Answers 202 with the job; poll ``GET /jobs/{id}`` until ``status`` is ``done``, then read the answer (the
    GET's, in the format asked for) at ``GET /hotspot-results/{result_id}``; ``DELETE /jobs/{id}`` cancels. With
    ``NHP_JOBS=queue`` an ``nhp worker`` on any machine runs it, and it is run again if that worker dies. Only
    the server-held layer: an uploaded extract is analysed in its request (``POST /areas/{area}/hotspots``)."""
    params = (body or HotspotJobCreate()).model_dump()
    job = state.jobs.submit("hotspots", state.atlases.canonical(area), actor, params, time_budget=hotspots.TIME_BUDGET)
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return job.view()


@router.get("/hotspot-results/{result_id}", response_class=Response, responses=ANSWERS)
def hotspot_result(result_id: Annotated[str, Path(max_length=36)], actor: Viewer, state: State):
    """The answer of a finished hotspot job (``result_id`` of the job), as the GET would have given it."""
    row = hotspots.load(state.db, result_id)
    return Response(row.body, media_type=hotspots.MEDIA_TYPES[row.format])


@router.get("/plans/{plan_id}/hotspots")
def plan_hotspots(
    plan_id: DbId, actor: Viewer, state: State, version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> dict:
    """UEC attendances, rate and ratio against the study area per neighbourhood (modelled layer).

    ``population`` is the plan's counted population on its basis (``population_basis``), the figure
    ``/plans/{id}/metrics`` gives, and the rate is per 1,000 of it: both read the plan's metrics."""

    _, plan = state.plans.load(plan_id, version, actor=actor)
    result = _modelled(state, plan.atlas)
    table = by_neighbourhood(result, plan)
    return {
        "uec_kind": result.layer.kind,
        "population_basis": plan.population,
        "source": result.source_note,
        "hotspot_meaning": result.hotspot_meaning,
        "neighbourhoods": json.loads(table.reset_index().to_json(orient="records")),
    }
