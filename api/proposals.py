"""Proposals: run :func:`geo.propose.propose` (in the request for a small area, as a job for a large one) and
store the result so a plan can be created from it later, even after a restart.
"""

from __future__ import annotations

import uuid

from api.auth import Principal
from api.db import Database
from api.jobs import send_outcome
from api.models import Proposal, utcnow
from api.plans import assignment_dict
from geo.propose import ProposalParams, propose

#: Areas with more LSOAs than this run as a background job unless the request says otherwise.
BACKGROUND_ABOVE_LSOAS = 300


def compute(atlas, params: dict) -> dict:
    """Run the proposal and return what is stored: the assignment, what was not met, and its provenance."""
    plan = propose(atlas, ProposalParams(**params))
    made = plan.provenance
    result = {
        "assignment": assignment_dict(plan.assignment),
        "unmet": list(made.unmet),
        "algorithm": made.method,
        "seconds": round(float(made.seconds or 0), 3),
        "provenance": made.to_dict(),
    }
    if plan.practice_assignment is not None:  # a list-based proposal: its practices make the plan
        result["practice_assignment"] = assignment_dict(plan.practice_assignment)
    return result


def work(atlas, params: dict, conn) -> None:
    """Job body, run in a child process: sends ``("done", result)`` or ``("error", problem)`` over ``conn``."""
    send_outcome(conn, lambda: compute(atlas, params), "The proposal failed")


def save(db: Database | None, area: str, params: dict, result: dict, actor: Principal, *, session=None) -> Proposal:
    """Store a finished proposal and return it (in ``session`` when given: a job saves it in its own
    transaction, so the proposal and the job's ``done`` are committed together)."""
    row = Proposal(
        id=str(uuid.uuid4()),
        area=area,
        params={
            **params,
            "algorithm": result.get("algorithm"),
            "seconds": result.get("seconds"),
            "provenance": result.get("provenance"),
            **({"practice_assignment": result["practice_assignment"]} if "practice_assignment" in result else {}),
        },
        assignment=result["assignment"],
        unmet=result["unmet"],
        created_at=utcnow(),
        created_by=actor.name,
    )
    if session is not None:
        session.add(row)
        return row
    with db.write() as own:
        own.add(row)
    return row


def public(row: Proposal, *, with_assignment: bool = False) -> dict:
    """A stored proposal as the API shows it."""
    return {
        "id": row.id,
        "area": row.area,
        "params": row.params,
        "neighbourhoods": len(set(row.assignment.values())),
        "unmet": row.unmet,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "assignment": row.assignment if with_assignment else None,
    }
