"""Turn stored rows into response bodies; domain values become JSON through the one :func:`geo.jsonable.jsonable`.

Routes stay thin by handing whatever ``geo`` returns to :func:`geo.jsonable.jsonable`, and stored rows to the
``*_public`` helpers here, which also compute each version's ETag.
"""

from __future__ import annotations

import numpy as np

from api.models import PlanRecord, PlanVersion
from api.etags import version_etag
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


def neighbour_pairs(plan) -> list[list[str]]:
    """Each pair of neighbourhoods that share a boundary on the atlas graph, once, sorted (for the page's colours).

    Examples
    --------
    >>> from geo.testing import grid_atlas
    >>> from geo.plan import Plan
    >>> neighbour_pairs(Plan(grid_atlas(3, 1), {"G0000": "A", "G0001": "B", "G0002": "C"}))
    [['A', 'B'], ['B', 'C']]
    """
    edges = plan.arrays.edges
    if not len(edges):
        return []
    ends = plan.label_index[edges]
    cut = ends[ends[:, 0] != ends[:, 1]]
    pairs = np.unique(np.sort(cut, axis=1), axis=0) if len(cut) else cut
    labels = plan.labels
    return sorted(sorted((labels[a], labels[b])) for a, b in pairs.tolist())


def plan_metrics(plan) -> dict:
    """Metrics, neighbourhood table and validation of a Plan, as JSON (the same for every reader of a version)."""
    violations = plan.validate()
    summary = plan.summary()
    # The denominator of "N of M practices are split": the GP practices sited in the study area.
    summary["practices"] = int(plan.arrays.practice_in_area.sum())
    return {
        "summary": jsonable(summary),
        "provenance": jsonable(plan.provenance.to_dict()),
        "neighbourhoods": jsonable(neighbourhood_records(plan)),
        "neighbours": neighbour_pairs(plan),
        "valid": not violations,
        "violations": jsonable(violations),
    }


def metrics_body(row: PlanVersion, metrics: dict) -> dict:
    """The metrics answer of one stored version: its identity and ETag, then :func:`plan_metrics`."""
    return {"plan_id": row.plan_id, "version": row.version, "etag": version_etag(row), "params": row.params, **metrics}
