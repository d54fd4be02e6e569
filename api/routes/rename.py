"""Neighbourhood names of stored plans.

``POST /plans/{id}/rename`` with ``{"names": {old: new}}`` and ``If-Match`` saves the renamed plan as the next
version (audited as ``plan.renamed``, the renames kept as the version's moves).
"""

from __future__ import annotations


from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.etags import version_etag
from api.deps import IfMatch, DbId, Planner, State
from api.schemas import Label, VersionPublic
from api.serialize import version_public

router = APIRouter(tags=["plans"])


class RenameRequest(BaseModel):
    """New names for neighbourhoods: ``{old name: new name}``; others keep theirs."""

    model_config = ConfigDict(extra="forbid")

    names: dict[Label, Label] = Field(..., min_length=1, max_length=5_000)
    note: str = Field("", max_length=2000)


@router.post("/plans/{plan_id}/rename", status_code=201, response_model=VersionPublic)
def rename_neighbourhoods(
    plan_id: DbId, body: RenameRequest, actor: Planner, state: State, response: Response, if_match: IfMatch = None
):
    """Rename neighbourhoods, creating the next version. Needs ``If-Match``."""
    row = state.plans.rename(plan_id, dict(body.names), if_match=if_match, actor=actor, note=body.note)
    response.headers["ETag"] = version_etag(row)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/versions/{row.version}"
    return version_public(row)
