"""The lifecycle of a plan version: ``draft`` → ``proposed`` (submit) → ``agreed`` (agree, approvers only, with
the Health and Wellbeing Board meeting reference) or back to ``draft`` (return).

Only a draft can be edited. Returning an agreed plan to draft starts a new draft version and leaves the agreed version
untouched. Agreeing takes four eyes (:mod:`api.four_eyes`). Each move is a compare-and-set (:func:`api.etags.claim`)
audited in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from api.audit_log import audit
from api.auth import Principal
from api.etags import claim, version_etag
from api.four_eyes import check_four_eyes
from api.models import PlanVersion, utcnow
from api.plan_versions import add_version
from api.problems import Conflict, PreconditionFailed

#: Lifecycle actions: the states each applies to, the state it leads to, and its audit action.
TRANSITIONS = {
    "submit": ({"draft"}, "proposed", "plan.submitted"),
    "agree": ({"proposed"}, "agreed", "plan.agreed"),
    "return": ({"proposed", "agreed"}, "draft", "plan.returned"),
}


def transition(
    session: Session,
    current: PlanVersion,
    action: str,
    *,
    actor: Principal,
    hwb_reference: str | None = None,
    note: str = "",
    confirmed: list[dict] | None = None,
) -> PlanVersion:
    """Move the latest version through the lifecycle (the caller has checked If-Match and the role).

    Parameters
    ----------
    action
        ``submit`` (draft → proposed), ``agree`` (proposed → agreed, needs ``hwb_reference``) or ``return``
        (proposed → draft in place; agreed → a new draft version, the agreed one kept as it is).
    confirmed
        For ``agree``: the unmet rules the approver confirmed knowingly (``{rule, title, count, text}``,
        :func:`api.signoff.check_confirmed`), recorded in the audit event.
    """
    allowed, target, audit_action = TRANSITIONS[action]
    from_state = current.state  # read now: the UPDATE below refreshes ``current`` in the session
    if from_state not in allowed:
        raise Conflict(
            f"cannot {action} version {current.version}: it is {from_state}, "
            f"and {action} applies to a {' or '.join(sorted(allowed))} version",
            state=from_state,
        )
    if action == "agree":
        check_four_eyes(session, current, actor)
    if action == "return" and from_state == "agreed":  # a new draft after it: the agreed version stays as it is
        return add_version(
            session,
            current,
            assignment=dict(current.assignment),
            moves={},
            actor=actor,
            note=note,
            source="revision",
            action="plan.returned",
            from_agreed=True,
            detail={"from_state": "agreed", "to_state": "draft", "agreed_version": current.version},
        )
    # Re-claim the same version number: on PostgreSQL this locks the plan row, so a concurrent move waits and
    # then fails its own compare-and-set instead of editing a version that was just submitted.
    claim(session, current, current.version)
    values: dict = {"state": target}
    if action == "agree":
        values.update(agreed_by=actor.name, agreed_at=utcnow(), hwb_reference=hwb_reference)
    result = session.execute(
        update(PlanVersion).where(PlanVersion.id == current.id, PlanVersion.state == from_state).values(**values)
    )
    if result.rowcount != 1:
        raise PreconditionFailed("the plan's state changed meanwhile; reload it", version_etag(current))
    audit(
        session,
        actor,
        audit_action,
        current.plan_id,
        current.version,
        from_state=from_state,
        to_state=target,
        **({"hwb_reference": hwb_reference, "confirmed_unmet": confirmed or []} if action == "agree" else {}),
        note=note,
    )
    session.flush()
    session.refresh(current)
    return current
