"""Plan versions, their lifecycle and the audit log, on one database session (no geography here).

Every function that changes something runs inside the caller's write transaction (``Database.write()``) and
writes its audit event in that same transaction, so a change and its record are saved together or not at all.

Concurrency is optimistic: each version has an ETag, and a change names the ETag it was made from in
``If-Match``. The check is backed by a compare-and-set on ``plans.latest_version`` (``UPDATE ... WHERE
latest_version = n``): of two writers starting from the same version exactly one updates a row, the other
gets 412, on SQLite and PostgreSQL alike.

Lifecycle of a version: ``draft`` → ``proposed`` (submit) → ``agreed`` (agree, approvers only, with the Health and
Wellbeing Board meeting reference) or back to ``draft`` (return). Only a draft can be edited. Returning an agreed
plan to draft starts a new draft version and leaves the agreed version untouched. Sign-off takes four eyes: the key
that agrees a version must not have authored any version since the plan was last agreed (created, imported, moved,
renamed or submitted it), unless an admin has switched the rule off (audited). ``If-Match: *`` is refused: a change
names the exact version read.

Every plan and neighbourhood name passes :func:`geo.names.check_name` here, the one door every route goes through.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, contains_eager, defer
from sqlalchemy.orm.attributes import set_committed_value

from api.atlases import canonical_area
from api.auth import SETTINGS, Principal
from api.models import AuditEvent, PlanRecord, PlanVersion, ServiceSetting, utcnow
from api.problems import Conflict, NotFound, PreconditionFailed, PreconditionRequired, Problem
from geo.names import check_name


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


def create_plan(
    session: Session,
    *,
    name: str,
    area: str,
    assignment: dict[str, str],
    params: dict,
    source: str,
    actor: Principal,
    note: str = "",
    detail: dict | None = None,
) -> PlanVersion:
    """Save a new plan with its first version (a draft) and audit it; returns the version."""
    name = check_name(name, what="plan name", column="name")
    check_labels(assignment.values())
    area = canonical_area(area)
    plan = PlanRecord(name=name, area=area, latest_version=1, created_at=utcnow(), created_by=actor.name)
    session.add(plan)
    session.flush()
    row = PlanVersion(
        plan_id=plan.id,
        version=1,
        parent_version=None,
        state="draft",
        source=source,
        assignment=assignment,
        params=params,
        moves={},
        note=note,
        created_at=utcnow(),
        created_by=actor.name,
    )
    session.add(row)
    audit(
        session,
        actor,
        "plan.created",
        plan.id,
        1,
        name=name,
        area=area,
        source=source,
        neighbourhoods=len(set(assignment.values())),
        **(detail or {}),
    )
    session.flush()
    return row


def check_labels(labels) -> None:
    """Raise PlanError (422) for the first neighbourhood name that breaks the name rule."""
    for label in dict.fromkeys(labels):
        check_name(label, what="neighbourhood name", column="neighbourhood")


def get_plan(session: Session, plan_id: int) -> PlanRecord:
    """Return a plan or raise 404."""
    plan = session.get(PlanRecord, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} does not exist")
    return plan


def list_plans(session: Session, *, area: str | None = None, limit: int = 100, offset: int = 0) -> list[PlanRecord]:
    """Return plans, newest first, optionally of one area."""
    query = select(PlanRecord).order_by(PlanRecord.id.desc()).limit(limit).offset(offset)
    if area:
        query = query.where(PlanRecord.area == area)
    return list(session.scalars(query))


def get_version(session: Session, plan_id: int, version: int | None = None, *, assignment: bool = True) -> PlanVersion:
    """Return one version of a plan (the latest when ``version`` is None) or raise 404.

    ``assignment=False`` leaves the (large) assignment unloaded, for callers that find the Plan in a cache.
    """
    # One query for the version and its plan (``row.plan`` is loaded with it): reads run on every request.
    number = PlanRecord.latest_version if version is None else version
    query = (
        select(PlanVersion)
        .join(PlanVersion.plan)
        .options(contains_eager(PlanVersion.plan))
        .where(PlanRecord.id == plan_id, PlanVersion.version == number)
    )
    if not assignment:
        query = query.options(defer(PlanVersion.assignment))
    row = session.scalar(query)
    if row is None:
        plan = get_plan(session, plan_id)
        raise NotFound(f"plan {plan_id} has no version {version} (latest is {plan.latest_version})")
    if assignment and is_delta(row.assignment):  # shown as the full assignment, never written back
        set_committed_value(row, "assignment", stored_assignment(session, row.plan_id, row.version))
    return row


#: A rename stores no assignment, only a pointer to its parent (its renames are its ``moves``): a version's
#: assignment is the parent's with the renames applied. At most this many such versions follow each other before
#: one stores its whole assignment again, so a read replays a bounded chain.
MAX_DELTA_CHAIN = 16
_DELTA = "$renamed_from"  # never an LSOA code


def is_delta(stored) -> bool:
    """True when a stored assignment is a rename's pointer to its parent rather than an assignment.

    Examples
    --------
    >>> is_delta({"$renamed_from": 3, "$depth": 1}), is_delta({"E01000001": "N1"})
    (True, False)
    """
    return isinstance(stored, dict) and _DELTA in stored


def stored_assignment(session: Session, plan_id: int, version: int) -> dict[str, str]:
    """The full assignment of a stored version: its own, or its parent's with its renames applied (a chain of at
    most :data:`MAX_DELTA_CHAIN` renames back to a version that stores its assignment)."""
    renames = []
    while True:
        stored, moves = session.execute(
            select(PlanVersion.assignment, PlanVersion.moves).where(
                PlanVersion.plan_id == plan_id, PlanVersion.version == version
            )
        ).one()
        if not is_delta(stored):
            break
        renames.append(moves or {})
        version = int(stored[_DELTA])
    for names in reversed(renames):
        stored = {code: names.get(label, label) for code, label in stored.items()}
    return stored


def rename_storage(session: Session, current: PlanVersion, renames: dict[str, str], assignment: dict[str, str]) -> dict:
    """What to store as the assignment of a rename of ``current`` giving ``assignment``: a pointer to ``current``
    (a few bytes) while the chain of such pointers is short and replaying ``renames`` gives exactly
    ``assignment``; else the assignment itself."""
    parent = session.scalar(
        select(PlanVersion.assignment).where(
            PlanVersion.plan_id == current.plan_id, PlanVersion.version == current.version
        )
    )
    depth = int(parent.get("$depth", 1)) + 1 if is_delta(parent) else 1
    base = stored_assignment(session, current.plan_id, current.version)
    if depth > MAX_DELTA_CHAIN or {code: renames.get(label, label) for code, label in base.items()} != assignment:
        return assignment
    return {_DELTA: current.version, "$depth": depth}


def list_versions(session: Session, plan_id: int) -> list[PlanVersion]:
    """Return every version of a plan, oldest first, without loading the assignments."""
    get_plan(session, plan_id)
    query = (
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan_id)
        .order_by(PlanVersion.version)
        .options(defer(PlanVersion.assignment))
    )
    return list(session.scalars(query))


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


def _claim(session: Session, current: PlanVersion, new_latest: int) -> None:
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


def add_version(
    session: Session,
    current: PlanVersion,
    *,
    assignment: dict[str, str],
    moves: dict[str, str],
    actor: Principal,
    note: str = "",
    source: str = "moves",
    action: str = "plan.moved",
    params: dict | None = None,
    from_agreed: bool = False,
    detail: dict | None = None,
) -> PlanVersion:
    """Save the next version of a plan made from ``current`` (which must be the latest, checked by the caller).

    A rename (``source="rename"``, ``moves`` the renames) stores its assignment as a pointer to ``current`` when it
    can (:func:`rename_storage`). Raises 409 when ``current`` is not a draft; ``from_agreed`` also takes an agreed
    one (a re-nesting), which stays as it is: the new version is a draft after it. ``detail`` is added to the
    audit event.
    """
    if not (from_agreed and current.state == "agreed"):
        check_editable(current)
    check_labels(moves.values())
    stored = rename_storage(session, current, moves, assignment) if source == "rename" else assignment
    _claim(session, current, current.version + 1)
    row = PlanVersion(
        plan_id=current.plan_id,
        version=current.version + 1,
        parent_version=current.version,
        state="draft",
        source=source,
        assignment=stored,
        params=dict(current.params if params is None else params),
        moves=moves,
        note=note,
        created_at=utcnow(),
        created_by=actor.name,
    )
    session.add(row)
    audit(
        session,
        actor,
        action,
        current.plan_id,
        row.version,
        parent_version=current.version,
        moves=moves,
        note=note,
        **(detail or {}),
    )
    session.flush()
    return row


def check_editable(current: PlanVersion) -> None:
    """Raise 409 unless ``current`` is a draft (an agreed version is immutable; a proposed one is under review)."""
    if current.state != "draft":
        raise Conflict(
            f"version {current.version} is {current.state} and cannot be edited"
            + (
                "; an agreed version is immutable: return it to draft to start a new version"
                if current.state == "agreed"
                else "; return it to draft first"
            ),
            state=current.state,
        )


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
    if action == "return" and from_state == "agreed":
        _claim(session, current, current.version + 1)
        row = PlanVersion(
            plan_id=current.plan_id,
            version=current.version + 1,
            parent_version=current.version,
            state="draft",
            source="revision",
            assignment=dict(current.assignment),
            params=dict(current.params),
            moves={},
            note=note,
            created_at=utcnow(),
            created_by=actor.name,
        )
        session.add(row)
        audit(
            session,
            actor,
            "plan.returned",
            current.plan_id,
            row.version,
            from_state="agreed",
            to_state="draft",
            agreed_version=current.version,
            note=note,
        )
        session.flush()
        return row
    # Re-claim the same version number: on PostgreSQL this locks the plan row, so a concurrent move waits and
    # then fails its own compare-and-set instead of editing a version that was just submitted.
    _claim(session, current, current.version)
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


def audit_events(session: Session, plan_id: int, *, limit: int = 500, after_id: int = 0) -> list[AuditEvent]:
    """Return a plan's audit events, oldest first, after the event id ``after_id`` (for paging)."""
    get_plan(session, plan_id)
    query = (
        select(AuditEvent)
        .where(AuditEvent.plan_id == plan_id, AuditEvent.id > after_id)
        .order_by(AuditEvent.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_versions(session: Session, plan_id: int) -> int:
    """Return how many versions a plan has."""
    return int(session.scalar(select(func.count()).where(PlanVersion.plan_id == plan_id)) or 0)
