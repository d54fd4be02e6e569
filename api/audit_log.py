"""The audit log of plans: one event per change, added to the change's own transaction (read back by
:func:`api.plan_versions.audit_events`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.auth import Principal
from api.models import AuditEvent, utcnow


def audit(session: Session, actor: Principal, action: str, plan_id: int | None, version: int | None, **detail) -> None:
    """Add one audit event to the current transaction."""
    session.add(
        AuditEvent(
            plan_id=plan_id,
            version=version,
            action=action,
            actor_key_id=actor.key_id,
            actor_name=actor.name,
            actor_role=actor.role,
            at=utcnow(),
            detail=detail,
        )
    )
