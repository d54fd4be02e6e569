"""Coterminosity of stored plans with the geographies other services use.

``GET /plans/{id}/coterminosity?with=wards,pcns,las`` scores the latest version (or ``version=``) against built-in
geographies (the registry metric :mod:`geo.metrics.coterminosity`, through :mod:`geo.plan.coterminosity`); a user's
own geography is compared through the CLI or Python.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.etags import version_etag
from api.deps import MAX_ID, DbId, State, Viewer
from geo.jsonable import jsonable
from geo.errors import PlanError
from geo.plan.coterminosity import align_all

router = APIRouter(tags=["plans"])

#: Geographies the API compares with (files are not read from the server's disk on a client's say-so).
BUILT_IN = ("wards", "pcns", "las")


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
    row, plan = state.plans.load(plan_id, version, actor=actor)
    response.headers["ETag"] = version_etag(row)
    return jsonable(
        {"plan_id": plan_id, "version": row.version, "coterminosity": [c.to_dict() for c in align_all(plan, specs)]}
    )
