"""Access and need per neighbourhood of a plan, and hub sites (neighbourhood health centres) for it.

``GET /plans/{plan_id}/access`` answers the table of ``nhp access`` as JSON (each figure's source, vintage and
method in ``notes``); ``POST /plans/{plan_id}/sites`` chooses hub sites among today's practice sites as
``nhp sites`` does, in the request, for plans of at most :data:`MAX_SITES_LSOAS` LSOAs (whole-area siting at most
:data:`MAX_WHOLE_AREA_LSOAS`); larger ones are refused with 413 naming the limit (use ``nhp sites``); siting holds a place of the
caller's caps of jobs while it runs (429 beyond them: :func:`api.limits.heavy_work`). Counts have
passed through ``geo.disclosure`` inside ``geo``. The access and need layers are kept per loaded atlas.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.caches import BoundedCache, atlas_fingerprint
from api.deps import MAX_ID, DbId, Planner, State, Viewer
from api.limits import heavy_work
from api.problems import Problem
from geo import export
from geo.access.layer import access_layer
from geo.access.need import need_layer
from geo.access.report import access_and_need, document
from geo.access.output import sites_frame

router = APIRouter(tags=["access"])

#: Largest plan (LSOAs) whose sites are chosen in the request, and the largest for one whole-area problem.
MAX_SITES_LSOAS = 2_500
MAX_WHOLE_AREA_LSOAS = 1_000
#: Seconds HiGHS may take in a request; past it the answer reports its proven gap.
TIME_LIMIT = 60.0
LAYERS: BoundedCache = BoundedCache(8)
Version = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Version (default: the latest).")]


class SitesRequest(BaseModel):
    """How many hub sites, and how people are weighted (unset: one per neighbourhood, by population)."""

    per_neighbourhood: int | None = Field(None, ge=1, le=20, description="Sites in each neighbourhood.")
    total: int | None = Field(
        None, ge=1, le=500, description="Sites for the whole area (instead of per neighbourhood)."
    )
    weight: Literal["population", "need"] = "population"
    threshold_km: float = Field(2.0, gt=0, le=100, description="Distance counted as beyond (km).")


def _layers(state, atlas):
    """The access and need layers of ``atlas``, made once per loaded atlas."""

    data_dir = state.settings.data_dir or ""  # the service's folder only: never NHP_DATA_DIR behind its back
    return LAYERS.get_or_make(
        (atlas_fingerprint(atlas), "access"), lambda: (access_layer(atlas, data_dir), need_layer(atlas, data_dir))
    )


@router.get("/plans/{plan_id}/access")
def plan_access(plan_id: DbId, actor: Viewer, state: State, version: Version = None) -> dict:
    """Access (km to a GP practice, modelled road minutes to a hospital with a stroke unit, IoD2025
    connectivity, people beyond 2 km and 30 minutes) and need (health-domain proxy for healthy life,
    patient-to-GP ratio, Core20, 65+, QOF long-term conditions, need index) per neighbourhood, least healthy
    life first; ``notes`` gives each figure's source, vintage and method."""

    row, plan = state.plans.load(plan_id, version, actor=actor)
    access, need = _layers(state, plan.atlas)
    table, notes = access_and_need(plan, access=access, need=need)
    return {"plan_id": plan_id, "version": row.version, **document(table, notes)}


@router.post(
    "/plans/{plan_id}/sites",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}, "text/csv": {}, "application/geo+json": {}}},
        413: {"description": "The plan is larger than the service sites in a request"},
    },
)
def plan_sites(
    plan_id: DbId,
    actor: Planner,
    state: State,
    body: SitesRequest | None = None,
    version: Version = None,
    format: Annotated[Literal["json", "csv", "geojson"], Query()] = "json",
):
    """Hub sites among today's practice sites, minimising resident- (or need-) weighted distance, solved exactly
    (planner). One row per site: neighbourhood, people, mean and 90th-percentile km, people beyond the threshold,
    catchment need index and order of opening; ``geojson`` gives the catchments."""
    from geo.access.report import document  # lazy: another function binds document to something else
    from geo.access.siting import choose_sites  # lazy: looked up per call (tests patch geo.access.siting.choose_sites)

    body = body or SitesRequest()
    if body.per_neighbourhood is not None and body.total is not None:
        raise Problem(422, "Invalid request", "give per_neighbourhood or total, not both", slug="invalid-request")
    row, plan = state.plans.load(plan_id, version, actor=actor)
    lsoas = len(plan.atlas.lsoas)
    limit = MAX_WHOLE_AREA_LSOAS if body.total is not None else MAX_SITES_LSOAS
    if lsoas > limit:
        raise Problem(
            413,
            "Too large for a request",
            f"the plan covers {lsoas:,} LSOAs; sites are chosen in a request for at most {limit:,} "
            f"LSOAs{' for the whole area' if body.total is not None else ''} (use nhp sites)",
            slug="too-large",
            extra={"limit_lsoas": limit, "lsoas": lsoas},
        )
    per = body.per_neighbourhood or (1 if body.total is None else None)
    with heavy_work(state.db, actor, "sites"):  # up to TIME_LIMIT of HiGHS: counts against the caps of jobs (429)
        access, need = _layers(state, plan.atlas)  # siting measures from the access layer's own points
        result = choose_sites(
            plan,
            per_neighbourhood=per,
            total=body.total,
            weight=body.weight,
            threshold_km=body.threshold_km,
            need=need,
            time_limit=TIME_LIMIT,
            points=access,
        )
    if format != "json":
        with tempfile.TemporaryDirectory(prefix="nhp-sites-") as folder:
            data = export.write("sites", result, Path(folder) / f"sites.{format}").read_bytes()
        media = export.FORMATS["sites", f".{format}"].media_type
        return Response(
            data,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}-v{row.version}-sites.{format}"'},
        )
    table = sites_frame(result).set_index("neighbourhood")
    answer = {
        "plan_id": plan_id,
        "version": row.version,
        "sites": document(table, {})["neighbourhoods"],
        "solver": json.loads(result.problems.to_json(orient="records")),
        "max_gap": result.max_gap,
        "notes": result.notes,
    }
    return Response(json.dumps(answer), media_type="application/json")
