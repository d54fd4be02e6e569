"""Four-eyes sign-off: who may agree a version, and the proposed versions awaiting a given approver.

The key that agrees a version must not have authored any version since the plan was last agreed (created,
imported, moved, renamed or submitted it), unless an admin has switched the rule off (audited).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, defer

from api.auth import SETTINGS, Principal
from api.models import AuditEvent, PlanRecord, PlanVersion, ServiceSetting
from api.problems import Problem

#: Audit actions on a version that do not make it: agreeing it, and returning a proposed one to draft in place
#: (a return from agreed starts a new version, so its key is an author). Every other action on a version counts
#: as authorship (created, imported, moved, renamed, submitted and any action added later): fail closed.
_NOT_AUTHORSHIP = ("plan.agreed",)


def setting(session: Session, name: str):
    """An admin switch read inside the current transaction (its safe default when never set)."""
    row = session.get(ServiceSetting, name)
    return SETTINGS[name] if row is None else row.value.get("value", SETTINGS[name])


def authored_versions(session: Session, current: PlanVersion, actor: Principal) -> list[int]:
    """The versions since the plan was last agreed, up to ``current``, that ``actor`` made or put forward.

    What is agreed is the sum of every change since the plan was last agreed, so the authors are the keys of every
    event that made or put forward any version after the last agreed one, up to ``current``: created or imported,
    moved, renamed, submitted, or a new draft returned from an agreed version. In local mode the one anonymous user
    is all of them.
    """
    since = (
        session.scalar(
            select(func.max(PlanVersion.version)).where(
                PlanVersion.plan_id == current.plan_id,
                PlanVersion.state == "agreed",
                PlanVersion.version < current.version,
            )
        )
        or 0
    )
    events = session.execute(
        select(
            AuditEvent.action, AuditEvent.actor_key_id, AuditEvent.actor_name, AuditEvent.version, AuditEvent.detail
        ).where(
            AuditEvent.plan_id == current.plan_id,
            AuditEvent.version > since,
            AuditEvent.version <= current.version,
            AuditEvent.action.not_in(_NOT_AUTHORSHIP),
        )
    ).all()
    me = (actor.key_id, None if actor.key_id is not None else actor.name)
    return sorted(
        {
            version
            for action, key_id, name, version, detail in events
            if (key_id, None if key_id is not None else name) == me
            and (action != "plan.returned" or (detail or {}).get("from_state") == "agreed")
        }
    )


def submission(session: Session, plan_id: int, version: int) -> dict:
    """Who submitted a version for sign-off and when (``{"by", "at", "note"}``; empty if never submitted)."""
    event = session.execute(
        select(AuditEvent.actor_name, AuditEvent.at, AuditEvent.detail)
        .where(AuditEvent.plan_id == plan_id, AuditEvent.version == version, AuditEvent.action == "plan.submitted")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return {"by": event[0], "at": event[1], "note": (event[2] or {}).get("note", "")} if event else {}


def four_eyes_blocks(session: Session, current: PlanVersion, actor: Principal) -> list[int]:
    """The versions that stop ``actor`` agreeing ``current`` (empty when they may, or four-eyes is off)."""
    return authored_versions(session, current, actor) if setting(session, "four_eyes") else []


def check_four_eyes(session: Session, current: PlanVersion, actor: Principal) -> None:
    """Raise 403 when ``actor`` authored any version since the last agreed one (unless an admin switched four-eyes
    off); see :func:`authored_versions`."""
    authored = four_eyes_blocks(session, current, actor)
    if authored:
        which = ", ".join(str(v) for v in authored[:10]) + (" ..." if len(authored) > 10 else "")
        raise Problem(
            403,
            "Forbidden",
            f"'{actor.name}' changed or submitted version{'s' if len(authored) > 1 else ''}"
            f" {which} since the plan was last agreed, so version {current.version} needs another "
            "approver's agreement (four-eyes sign-off)",
            slug="four-eyes",
            extra={"rule": "four_eyes", "authored_versions": authored},
        )


def awaiting_signoff(session: Session, actor: Principal, *, limit: int = 100) -> list[tuple[PlanVersion, dict]]:
    """The latest versions in the proposed state that ``actor`` may agree (four-eyes), newest submission first,
    each with its submission audit event (``{"by": name, "at": time, "note": text}``)."""
    rows = session.scalars(
        select(PlanVersion)
        .join(PlanVersion.plan)
        .options(contains_eager(PlanVersion.plan), defer(PlanVersion.assignment))
        .where(PlanVersion.version == PlanRecord.latest_version, PlanVersion.state == "proposed")
        .order_by(PlanRecord.id.desc())
        .limit(limit)
    ).all()
    out = []
    for row in rows:
        if four_eyes_blocks(session, row, actor):
            continue
        out.append((row, submission(session, row.plan_id, row.version)))
    out.sort(key=lambda item: item[1].get("at") or item[0].created_at, reverse=True)
    return out
