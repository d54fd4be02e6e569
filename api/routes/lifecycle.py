"""Plan lifecycle and audit: submit (draft → proposed), agree (approvers only), return to draft; the audit log.

Each transition needs ``If-Match`` with the current ETag, so an approver agrees exactly the version they read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.etags import version_etag
from api.deps import Approver, DbId, IfMatch, MAX_ID, Planner, State, Viewer
from api.schemas import AgreeRequest, AuditEventPublic, TransitionRequest, VersionPublic
from api.serialize import version_public

router = APIRouter(tags=["lifecycle"])


def _done(row, response: Response) -> dict:
    response.headers["ETag"] = version_etag(row)
    return version_public(row)


@router.post("/plans/{plan_id}/submit", response_model=VersionPublic)
def submit(
    plan_id: DbId,
    actor: Planner,
    state: State,
    response: Response,
    if_match: IfMatch = None,
    body: TransitionRequest | None = None,
):
    """Propose the latest draft for agreement (draft → proposed); it can no longer be edited."""
    row = state.plans.transition(plan_id, "submit", if_match=if_match, actor=actor, note=(body.note if body else ""))
    return _done(row, response)


@router.post("/plans/{plan_id}/agree", response_model=VersionPublic)
def agree(
    plan_id: DbId, body: AgreeRequest, actor: Approver, state: State, response: Response, if_match: IfMatch = None
):
    """Record agreement of the proposed version (proposed → agreed) at a Health and Wellbeing Board meeting.

    ``confirmed`` must name every rule the version does not meet (``GET /plans/{id}/signoff``), else 409
    ``unconfirmed-rules`` naming the missing ones; the audit event records each confirmed rule as it was shown.
    """
    row = state.plans.transition(
        plan_id,
        "agree",
        if_match=if_match,
        actor=actor,
        hwb_reference=body.hwb_reference,
        note=body.note,
        confirmed=body.confirmed,
    )
    return _done(row, response)


@router.post("/plans/{plan_id}/return", response_model=VersionPublic)
def return_to_draft(
    plan_id: DbId,
    actor: Planner,
    state: State,
    response: Response,
    if_match: IfMatch = None,
    body: TransitionRequest | None = None,
):
    """Return a proposed version to draft, or start a new draft from an agreed one (which stays as it is)."""
    row = state.plans.transition(plan_id, "return", if_match=if_match, actor=actor, note=(body.note if body else ""))
    return _done(row, response)


@router.get("/plans/{plan_id}/audit", response_model=list[AuditEventPublic])
def audit_log(
    plan_id: DbId,
    actor: Viewer,
    state: State,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="Only events with a larger id (paging).")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
):
    """Every change to a plan: who (key id and name), what, when and which version, oldest first."""
    return Response(state.plans.audit_json(plan_id, after=after, limit=limit), media_type="application/json")
