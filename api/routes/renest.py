"""Re-nesting a stored plan in an uploaded geography (proposed unitaries, say), moving as few people as possible.

``POST /plans/{id}/renest`` (multipart: ``file``, an ``lsoa_code,unit`` lookup or polygons in any format of the
reader's ``geography`` kind, checked like every upload: covers the area, no overlaps; ``rebalance``; ``note``;
header ``If-Match``) re-nests the latest version (:mod:`geo.propose.renest`) and saves the result as the next
version, a draft whose ``source`` is ``renest``; a plan of whole practices moves whole practices (each nested by its
site's LSOA). A draft is edited as a move is; an agreed version is never changed: the re-nested plan is a new draft
after it, as returning it would make. A version under review (proposed) is refused (409). The answer lists every
moved LSOA or practice (from, to, unit, people) and the people moved against the lower bound any re-nesting must
move; the event is audited as ``plan.renested`` with the file's name and those figures. Counts of 1 to 7 people are
suppressed (:mod:`geo.disclosure`): the per-LSOA people and, when any is, the total is rounded.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from api.etags import check_if_match, version_etag
from api.deps import DbId, IfMatch, Planner, State
from api.limits import heavy_work
from api.problems import Conflict
from api.schemas import VersionPublic
from api.serialize import version_public
from api.uploads import described, read_upload
from geo.errors import PlanError
from geo.disclosure import suppress
from geo.propose.renest import renest, renested_plan
from geo.plan.geography import read_geography

router = APIRouter(tags=["plans"])


class Moved(BaseModel):
    """One moved LSOA (or practice, in a plan of whole practices): the neighbourhood it left and joined, its unit
    in the new geography, its people (a practice's list)."""

    model_config = ConfigDict(populate_by_name=True)

    lsoa_code: str | None = None
    practice_code: str | None = None
    from_: str = Field(alias="from")
    to: str
    unit: str
    unit_name: str
    people: float | None


class RenestPublic(BaseModel):
    """The new version, what moved, and the people moved against the lower bound."""

    version: VersionPublic
    into: str
    moved: list[Moved]
    people_moved: float | None
    people_moved_rounded_to: int
    lower_bound: float | None
    lower_bound_rounded_to: int
    notes: list[str]


@router.post("/plans/{plan_id}/renest", status_code=201, response_model=RenestPublic)
def renest_plan(
    plan_id: DbId,
    actor: Planner,
    state: State,
    response: Response,
    file: Annotated[UploadFile, File(description=described("geography", "The new geography"))],
    rebalance: Annotated[bool, Form(description="also move within units to bring neighbourhoods into the band")] = True,
    note: Annotated[str, Form(max_length=2000)] = "",
    if_match: IfMatch = None,
):
    """Re-nest the latest version in an uploaded geography, creating the next version. Needs ``If-Match``."""

    current = state.plans.row(plan_id)
    check_if_match(current, if_match)
    if current.state == "proposed":
        raise Conflict(
            f"version {current.version} is proposed and under review: return it to draft first", state=current.state
        )
    parent = state.plans.plan_for(current, actor)  # after the preconditions: a stale request never rebuilds a plan
    with heavy_work(state.db, actor, "import"):  # parsing and re-nesting count against the caps of jobs (429)
        into, upload_name = read_upload(file, "geography", lambda source: read_geography(source, parent.atlas))
        result = renest(parent, into, rebalance=rebalance)
    if not len(result.moved):
        raise PlanError(
            f"the plan already nests in {upload_name}: nothing moves",
            column="file",
            expected="a geography the plan crosses",
        )
    child = renested_plan(parent, into, result, name=f"plan-{plan_id}")
    key = "practice_code" if "practice_code" in result.moved.columns else "lsoa_code"
    moves = {str(c): str(t) for c, t in zip(result.moved[key], result.moved["to"])}
    shown = _published(result, into.names)
    row = state.plans.save_child(
        plan_id,
        child,
        moves=moves,
        if_match=if_match,
        actor=actor,
        note=note,
        source="renest",
        action="plan.renested",
        from_agreed=True,
        detail={
            "file": upload_name,
            "from_state": current.state,  # If-Match names the state too, so the saved parent is in this state
            ("practices_moved" if key == "practice_code" else "lsoas_moved"): len(moves),
            "people_moved": shown["people_moved"],
            "lower_bound": shown["lower_bound"],
        },
    )
    response.headers["ETag"] = version_etag(row)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/versions/{row.version}"
    return {"version": version_public(row), "into": upload_name, "notes": list(result.notes), **shown}


def _published(result, names: dict) -> dict:
    """The moved LSOAs and the totals, with counts of 1 to 7 people suppressed and each total a margin of its parts
    with the base it is rounded to (:meth:`geo.propose.renest.Renested.published`, whose keys the answer's schema
    names), so no small count is derivable from the others."""
    moved = result.moved
    key = "practice_code" if "practice_code" in moved.columns else "lsoa_code"
    people = suppress(moved["population"].astype(float)).tolist()
    shown = result.published()
    return {
        "moved": [
            {
                key: str(c),
                "from": str(f),
                "to": str(t),
                "unit": str(u),
                "unit_name": str(names.get(u, u)),
                "people": None if p != p else float(p),
            }
            for c, f, t, u, p in zip(moved[key], moved["from"], moved["to"], moved["unit"], people)
        ],
        **shown,  # every published figure with the base it is rounded to, as the CLI prints them
    }
