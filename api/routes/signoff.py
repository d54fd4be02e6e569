"""Sign-off: what agreeing a version means (its unmet rules, whether the caller may agree it) and the versions
awaiting the caller's sign-off.

The page's sign-off box reads ``GET /plans/{id}/signoff`` to list each unmet rule for the approver to confirm;
``POST /plans/{id}/agree`` (:mod:`api.routes.lifecycle`) refuses an agreement that leaves one unconfirmed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.etags import version_etag
from api.four_eyes import awaiting_signoff, four_eyes_blocks, submission
from api.plan_versions import get_version
from api.deps import DbId, MAX_ID, State, Viewer
from api.schemas import AwaitingPublic, SignoffPublic

router = APIRouter(tags=["lifecycle"])


@router.get("/plans/{plan_id}/signoff", response_model=SignoffPublic)
def signoff(
    plan_id: DbId,
    actor: Viewer,
    state: State,
    response: Response,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A version (default: the latest).")] = None,
):
    """A version's unmet rules (each to be confirmed when agreeing it) and whether the caller may agree it."""
    read = state.plans.row(plan_id, version)
    unmet = state.plans.unmet(read, actor)
    with state.db.read() as session:
        row = get_version(session, plan_id, read.version, assignment=False)
        authored = four_eyes_blocks(session, row, actor)
        submitted = submission(session, row.plan_id, row.version) if row.state != "draft" else {}
        latest = row.plan.latest_version
    response.headers["ETag"] = version_etag(row)
    return {
        "plan_id": row.plan_id,
        "name": row.plan.name,
        "area": row.plan.area,
        "version": row.version,
        "state": row.state,
        "etag": version_etag(row),
        "unmet": unmet,
        "authored_versions": authored,
        "can_agree": row.state == "proposed" and row.version == latest and actor.can("approver") and not authored,
        "submitted_by": submitted.get("by"),
        "submitted_at": submitted.get("at"),
    }


@router.get("/signoff/awaiting", response_model=list[AwaitingPublic])
def awaiting(actor: Viewer, state: State, limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Plans whose latest version is proposed and that the caller may agree (four-eyes applied), newest
    submission first, each with how many rules it leaves unmet (the rules ``GET /plans/{id}/signoff`` lists, from
    the same :meth:`api.plans.PlanStore.unmet`). Empty for a caller who cannot agree (below approver)."""
    if not actor.can("approver"):
        return []
    with state.db.read() as session:
        rows = awaiting_signoff(session, actor, limit=limit)
        listed = [
            {
                "plan_id": row.plan_id,
                "name": row.plan.name,
                "area": row.plan.area,
                "version": row.version,
                "etag": version_etag(row),
                "submitted_by": submitted.get("by"),
                "submitted_at": submitted.get("at"),
            }
            for row, submitted in rows
        ]
    for item in listed:  # after the session: the metrics of a version not yet cached read its assignment
        item["unmet_rules"] = len(state.plans.unmet(state.plans.row(item["plan_id"], item["version"]), actor))
    return listed
