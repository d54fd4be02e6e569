"""Plans: create (from a proposal, an upload, or a starting layout), list, read, versions, moves, metrics, diff.

Every change answers with the new version's ``ETag``; a move needs ``If-Match`` with the ETag it was made from
(428 without it, 412 when stale) and creates a new version. The geography work happens in ``geo.plan``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from api.etags import version_etag
from api import plan_versions
from api.atlases import AREA_ID, MAX_AREA_ID
from api.deps import MAX_ID, area_atlas, DbId, IfMatch, Planner, State, Viewer
from api.limits import heavy_work
from api.models import Proposal
from api.plans import stored_params
from api.problems import NotFound
from api.schemas import MovesCreate, PlanCreate, PlanPublic, Population, VersionDetail, VersionPublic
from api.serialize import plan_public, version_public
from geo.jsonable import jsonable
from api.uploads import described, read_upload
from geo.errors import PlanError
from geo.plan.params import PlanParams, Provenance
from geo.names import name_from_file
from geo.plan.reader import load_plan

router = APIRouter(tags=["plans"])


def _params(state: State, base: dict | None = None, **given) -> PlanParams:
    """The plan's parameters: those given, else the base's (a proposal's), else the settings."""
    base_params = {k: v for k, v in (base or {}).items() if k in PlanParams.model_fields}
    return PlanParams.from_settings(
        state.settings, **{**base_params, **{k: v for k, v in given.items() if v is not None}}
    )


def _answer(state: State, response: Response, plan_id: DbId, status_path: str = "") -> dict:
    latest = state.plans.row(plan_id)  # one query, with its plan
    response.headers["ETag"] = version_etag(latest)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}{status_path}"
    return plan_public(latest.plan, latest)


@router.post("/plans", status_code=201, response_model=PlanPublic)
def create_plan(body: PlanCreate, actor: Planner, state: State, response: Response):
    """Create a plan from a stored proposal, or with every LSOA in one neighbourhood, or one per authority."""
    given = body.model_dump(include=set(PlanParams.model_fields))
    params, provenance, detail = _params(state, **given), Provenance("manual"), {}
    if body.start == "proposal":
        if not body.proposal_id:
            raise PlanError("start 'proposal' needs a proposal_id", column="proposal_id", expected="a proposal id")
        with state.db.read() as session:
            proposal = session.get(Proposal, body.proposal_id)
        if proposal is None or state.atlases.canonical(proposal.area) != state.atlases.canonical(body.area):
            raise NotFound(f"no proposal {body.proposal_id} for area {body.area}")
        assignment, detail = proposal.assignment, {"proposal_id": proposal.id}
        practices = proposal.params.get("practice_assignment")
        # The plan keeps the proposal's target, tolerance and population basis unless the request overrides them.
        params = _params(state, proposal.params, **given)
        made = proposal.params.get("provenance") or {}
        provenance = Provenance.from_dict(
            {
                **made,
                # The request's options, and what the proposal itself recorded beyond them (its building blocks,
                # its access pass), so the plan names the MSOAs or wards it is made of as the proposal did.
                "params": {**(made.get("params") or {}), **proposal.params},
                "source": f"proposal {proposal.id}",
            }
        )
    else:
        atlas = area_atlas(state, body.area, actor)
        if body.start == "one":
            assignment = {code: body.neighbourhood for code in atlas.codes}
        else:
            assignment = atlas.lsoas["lad_code"].astype(str).to_dict()
    stored = stored_params(params, provenance, practices if body.start == "proposal" else None)
    row = state.plans.create(
        name=body.name,
        area=body.area,
        assignment=assignment,
        params=stored,
        source=body.start,
        actor=actor,
        note=body.note,
        detail=detail,
    )
    return _answer(state, response, row.plan_id)


@router.post("/plans/import", status_code=201, response_model=PlanPublic)
def import_plan(
    actor: Planner,
    state: State,
    response: Response,
    file: Annotated[UploadFile, File(description=described("plan", "The plan"))],
    area: Annotated[str, Form(min_length=1, max_length=MAX_AREA_ID, pattern=AREA_ID.pattern)],
    name: Annotated[str | None, Form(max_length=200)] = None,
    target: Annotated[float | None, Form()] = None,
    tolerance: Annotated[float | None, Form()] = None,
    population: Annotated[Population | None, Form()] = None,
):
    """Import a plan from an uploaded lookup or polygons, in any format of the reader's ``plan`` kind (size limited
    by ``NHP_MAX_UPLOAD_MB`` and a plan's own cap: 413)."""

    params = _params(state, target=target, tolerance=tolerance, population=population)  # bounds: PlanParams
    atlas = area_atlas(state, area, actor)

    def read(path):
        # The basis given, else resident for an LSOA lookup; a practice_code table counts its practices' lists.
        given = {"population": population} if population else {}
        return load_plan(
            path,
            atlas,
            params,
            provenance=Provenance("imported", source=file.filename),
            # Only the fields given: a file that records its band is judged on it, one that differs is refused
            # (geo.plan.band.settled), as nhp score does; the settings' defaults fill a file without one.
            target=target,
            tolerance=tolerance,
            **given,
        )

    with heavy_work(state.db, actor, "import"):  # parsing counts against the caps of jobs (429)
        plan, upload_name = read_upload(file, "plan", read)
    row = state.plans.create(
        name=(name or "").strip() or name_from_file(upload_name),
        area=area,
        plan=plan,
        source="import",
        actor=actor,
        detail={"file": upload_name},
    )
    return _answer(state, response, row.plan_id)


@router.get("/plans", response_model=list[PlanPublic])
def list_plans(
    actor: Viewer,
    state: State,
    area: Annotated[str | None, Query(max_length=MAX_AREA_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
):
    """List plans, newest first."""
    with state.db.read() as session:
        return [
            plan_public(p, plan_versions.get_version(session, p.id))
            for p in plan_versions.list_plans(session, area=area, limit=limit, offset=offset)
        ]


@router.get("/plans/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: DbId, actor: Viewer, state: State, response: Response):
    """A plan with the state and ETag of its latest version."""
    return _answer(state, response, plan_id)


@router.get("/plans/{plan_id}/versions", response_model=list[VersionPublic])
def list_versions(plan_id: DbId, actor: Viewer, state: State):
    """Every version of a plan, oldest first (without assignments)."""
    return Response(state.plans.versions_json(plan_id), media_type="application/json")


@router.get("/plans/{plan_id}/versions/{version}", response_model=VersionDetail)
def get_version(plan_id: DbId, version: DbId, actor: Viewer, state: State, response: Response):
    """One version with its assignment; its ETag is in the ``ETag`` header."""
    with state.db.read() as session:
        row = plan_versions.get_version(session, plan_id, version)
    response.headers["ETag"] = version_etag(row)
    return version_public(row, assignment=True)


@router.post("/plans/{plan_id}/moves", status_code=201, response_model=VersionPublic)
def move_lsoas(
    plan_id: DbId, body: MovesCreate, actor: Planner, state: State, response: Response, if_match: IfMatch = None
):
    """Move LSOAs to other (or new) neighbourhoods, creating the next version. Needs ``If-Match``."""
    row = state.plans.move(plan_id, dict(body.moves), if_match=if_match, actor=actor, note=body.note)
    response.headers["ETag"] = version_etag(row)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/versions/{row.version}"
    return version_public(row)


# The metrics answers are encoded once per version and state (api.plans.PlanService.metrics_json).
@router.get("/plans/{plan_id}/versions/{version}/metrics", response_model=dict)
def version_metrics(plan_id: DbId, version: DbId, actor: Viewer, state: State) -> Response:
    """Plan metrics, one row per neighbourhood, and every failed constraint with its offending LSOAs."""
    row, body = state.plans.metrics_json(plan_id, version, actor=actor)
    return Response(body, media_type="application/json", headers={"ETag": version_etag(row)})


@router.get("/plans/{plan_id}/metrics", response_model=dict)
def latest_metrics(plan_id: DbId, actor: Viewer, state: State) -> Response:
    """Metrics of the latest version (same body as the versioned route)."""
    row, body = state.plans.metrics_json(plan_id, actor=actor)
    return Response(body, media_type="application/json", headers={"ETag": version_etag(row)})


@router.get("/plans/{plan_id}/diff")
def diff_versions(
    plan_id: DbId,
    actor: Viewer,
    state: State,
    a: Annotated[int, Query(ge=1, le=MAX_ID, description="First version.")],
    b: Annotated[int, Query(ge=1, le=MAX_ID, description="Second version.")],
) -> dict:
    """What changed between two versions: LSOAs moved and the metrics of each."""
    return jsonable(state.plans.compare(plan_id, a, b, actor=actor))
