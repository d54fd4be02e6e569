"""The audit log of plans: one event per change, added to the change's own transaction (read back by
:func:`api.plan_versions.audit_events`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from api.models import AuditEvent, utcnow

if TYPE_CHECKING:  # api.auth writes its own events here (keys, settings): no import back
    from api.auth import Principal


def audit_event(actor: "Principal", action: str, plan_id: int | None, version: int | None, detail: dict) -> AuditEvent:
    """One audit event by ``actor``, stamped now (a plan's, or the service's with no plan: keys, settings)."""
    return AuditEvent(
        plan_id=plan_id,
        version=version,
        action=action,
        actor_key_id=actor.key_id,
        actor_name=actor.name,
        actor_role=actor.role,
        at=utcnow(),
        detail=detail,
    )


def audit(
    session: Session, actor: "Principal", action: str, plan_id: int | None, version: int | None, **detail
) -> None:
    """Add one audit event to the current transaction."""
    session.add(audit_event(actor, action, plan_id, version, detail))
