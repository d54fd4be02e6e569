"""Proposals for an area and the background jobs that compute large ones (progress, cancel).

``POST /areas/{area}/proposals`` answers 201 with the proposal when the area is small, or 202 with a job when it
is large (or ``background`` is true); either way it counts against the caps of jobs (429 beyond them). Poll ``GET /jobs/{id}`` until ``status`` is ``done`` and read
``result_id``, or ``DELETE /jobs/{id}`` to cancel.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api import proposals
from api.deps import area_atlas, Planner, State, Viewer
from api.limits import heavy_work
from api.models import Proposal
from api.problems import NotFound
from api.schemas import JobPublic, ProposalCreate, ProposalPublic
from geo.propose import ProposalParams

router = APIRouter(tags=["proposals"])


@router.post(
    "/areas/{area}/proposals",
    status_code=201,
    response_model=ProposalPublic | JobPublic,
    responses={202: {"model": JobPublic, "description": "Accepted: computing as a background job"}},
)
def create_proposal(area: str, body: ProposalCreate, actor: Planner, state: State, response: Response):
    """Propose neighbourhoods for an area (target, tolerance, nesting, practices, compactness, seed, time)."""

    atlas = area_atlas(state, area, actor)
    # Checked now (a bad one is 422 rather than a failed job); unset values come from the service's settings.
    params = ProposalParams.from_settings(state.settings, **body.model_dump(exclude={"background"})).to_dict()
    background = body.background if body.background is not None else len(atlas.lsoas) > proposals.BACKGROUND_ABOVE_LSOAS
    if not background:
        # Computed in this request thread: it holds one place of the same caps as a job (429 beyond them).
        with heavy_work(state.db, actor, "proposal"):
            result = proposals.compute(atlas, params)
        row = proposals.save(state.db, area, params, result, actor)
        response.headers["Location"] = f"/api/v1/proposals/{row.id}"
        return proposals.public(row)
    job = state.jobs.submit("proposal", area, actor, params, time_budget=params["time_budget"])
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/jobs/{job.id}"
    return job.view()


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def get_proposal(proposal_id: Annotated[str, Path(max_length=36)], actor: Viewer, state: State):
    """A stored proposal with its assignment."""
    with state.db.read() as session:
        row = session.get(Proposal, proposal_id)
    if row is None:
        raise NotFound(f"proposal {proposal_id} does not exist")
    return proposals.public(row, with_assignment=True)


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(job_id: Annotated[str, Path(max_length=36)], actor: Viewer, state: State):
    """A job's status and progress; once it is done ``result_id`` names its proposal (``GET /proposals/{id}``)
    or, for a ``hotspots`` job, its answer (``GET /hotspot-results/{id}``)."""
    return state.jobs.get(job_id).view()


@router.delete("/jobs/{job_id}", response_model=JobPublic)
def cancel_job(job_id: Annotated[str, Path(max_length=36)], actor: Planner, state: State):
    """Cancel a queued or running job at once (owner or admin only; its worker is stopped, nothing is saved)."""
    return state.jobs.cancel(job_id, actor).view()
