"""Neighbourhood names and coterminosity of stored plans.

``POST /plans/{id}/rename`` with ``{"names": {old: new}}`` and ``If-Match`` saves the renamed plan as the next
version (audited as ``plan.renamed``, the renames kept as the version's moves). ``GET /plans/{id}/coterminosity
?with=wards,pcns,las`` scores the latest version (or ``version=``) against built-in geographies
(:mod:`geo.plan.coterminosity`); a user's own geography is compared through the CLI or Python.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api import repository as repo
from api.deps import IfMatch, DbId, MAX_ID, Planner, State, Viewer
from api.schemas import Label, VersionPublic
from api.serialize import jsonable, version_public
from geo.errors import PlanError
from geo.plan.coterminosity import align_all

router = APIRouter(tags=["plans"])

#: Geographies the API compares with (files are not read from the server's disk on a client's say-so).
BUILT_IN = ("wards", "pcns", "las")


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
    response.headers["ETag"] = repo.version_etag(row)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/versions/{row.version}"
    return version_public(row)


@router.get("/plans/{plan_id}/coterminosity")
def plan_coterminosity(
    plan_id: DbId,
    actor: Viewer,
    state: State,
    response: Response,
    with_: Annotated[
        str, Query(alias="with", max_length=100, description="comma-separated: wards, pcns, las")
    ] = "wards",
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict:
    """Coterminosity of a version with wards, PCNs and/or local authorities: per neighbourhood its best-matching
    unit and the share inside it, the population-weighted index and the units split between neighbourhoods."""

    specs = [s.strip().lower() for s in with_.split(",") if s.strip()]
    unknown = [s for s in specs if s not in BUILT_IN]
    if not specs or unknown:
        raise PlanError(
            f"cannot compare with {', '.join(unknown) or 'nothing'}",
            column="with",
            expected="one or more of " + ", ".join(BUILT_IN),
        )
    row, plan = state.plans.load(plan_id, version)
    response.headers["ETag"] = repo.version_etag(row)
    return jsonable(
        {"plan_id": plan_id, "version": row.version, "coterminosity": [c.to_dict() for c in align_all(plan, specs)]}
    )
