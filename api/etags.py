"""Optimistic concurrency for plan versions: ETags, the ``If-Match`` check and the compare-and-set behind it.

Each version has an ETag, and a change names the ETag it was made from in ``If-Match``. The check is backed by a
compare-and-set on ``plans.latest_version`` (``UPDATE ... WHERE latest_version = n``): of two writers starting from
the same version exactly one updates a row, the other gets 412, on SQLite and PostgreSQL alike. ``If-Match: *`` is
refused: a change names the exact version read.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.models import PlanRecord, PlanVersion
from api.problems import PreconditionFailed, PreconditionRequired


def etag(plan_id: int, version: int, state: str) -> str:
    """Return the strong ETag of a plan version in a state.

    Examples
    --------
    >>> etag(3, 2, "draft")
    '"plan-3-v2-draft"'
    """
    return f'"plan-{plan_id}-v{version}-{state}"'


def version_etag(row: PlanVersion) -> str:
    """The ETag of a stored version."""
    return etag(row.plan_id, row.version, row.state)


def check_if_match(current: PlanVersion, if_match: str | None) -> None:
    """Raise 428 without ``If-Match`` (or with ``*``) and 412 unless it names the current ETag (strong comparison).

    ``*`` would let a caller change (or agree) a version they never read, so it counts as no precondition.
    """
    tags = {tag.strip() for tag in (if_match or "").split(",") if tag.strip()}
    if not tags or "*" in tags:
        raise PreconditionRequired(
            f"send If-Match with the exact ETag of the version you read (now {version_etag(current)}) to change it"
            + ("; 'If-Match: *' is not accepted" if "*" in tags else "")
        )
    if version_etag(current) not in tags:
        raise PreconditionFailed(
            f"the plan changed since you read it: it is now version {current.version} ({current.state}); "
            "reload it and try again",
            version_etag(current),
        )


def claim(session: Session, current: PlanVersion, new_latest: int) -> None:
    """Compare-and-set ``latest_version``: lose (412) if another writer moved the plan on meanwhile."""
    result = session.execute(
        update(PlanRecord)
        .where(PlanRecord.id == current.plan_id, PlanRecord.latest_version == current.version)
        .values(latest_version=new_latest)
    )
    if result.rowcount != 1:
        latest = session.scalar(select(PlanRecord.latest_version).where(PlanRecord.id == current.plan_id))
        state = session.scalar(
            select(PlanVersion.state).where(PlanVersion.plan_id == current.plan_id, PlanVersion.version == latest)
        )
        raise PreconditionFailed(
            f"the plan changed meanwhile: it is now version {latest}", etag(current.plan_id, latest, state or "draft")
        )
