"""Turn stored rows into response bodies; domain values become JSON through the one :func:`geo.jsonable.jsonable`.

Routes stay thin by handing whatever ``geo`` returns to :func:`geo.jsonable.jsonable`, and stored rows to the
``*_public`` helpers here, which also compute each version's ETag.
"""

from __future__ import annotations

from api.models import PlanRecord, PlanVersion
from api.repository import version_etag
from geo.jsonable import jsonable
from geo.plan.report import neighbourhood_records

__all__ = ["metrics_body", "plan_metrics", "plan_public", "version_public"]


def plan_public(plan: PlanRecord, latest: PlanVersion) -> dict:
    """A plan with the state and ETag of its latest version."""
    return {
        "id": plan.id,
        "name": plan.name,
        "area": plan.area,
        "latest_version": plan.latest_version,
        "state": latest.state,
        "etag": version_etag(latest),
        "created_at": plan.created_at,
        "created_by": plan.created_by,
    }


def version_public(row: PlanVersion, *, assignment: bool = False) -> dict:
    """A stored version (with its assignment when asked)."""
    body = {
        name: getattr(row, name)
        for name in (
            "plan_id",
            "version",
            "parent_version",
            "state",
            "source",
            "params",
            "moves",
            "note",
            "created_at",
            "created_by",
            "agreed_by",
            "agreed_at",
            "hwb_reference",
        )
    }
    body["etag"] = version_etag(row)
    if assignment:
        body["assignment"] = row.assignment
    return body


def plan_metrics(plan) -> dict:
    """Metrics, neighbourhood table and validation of a Plan, as JSON (the same for every reader of a version)."""
    violations = plan.validate()
    return {
        "summary": jsonable(plan.summary()),
        "provenance": jsonable(plan.provenance.to_dict()),
        "neighbourhoods": jsonable(neighbourhood_records(plan)),
        "valid": not violations,
        "violations": jsonable(violations),
    }


def metrics_body(row: PlanVersion, metrics: dict) -> dict:
    """The metrics answer of one stored version: its identity and ETag, then :func:`plan_metrics`."""
    return {"plan_id": row.plan_id, "version": row.version, "etag": version_etag(row), "params": row.params, **metrics}
