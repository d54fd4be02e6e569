"""Plans and their versions on one database session (no geography here): create, read, list, add a version, and read its audit log.

Every function that changes something runs inside the caller's write transaction (``Database.write()``) and
writes its audit event in that same transaction (:func:`api.audit_log.audit`), so a change and its record are saved
together or not at all; the ETag check and compare-and-set are :mod:`api.etags`. Only a draft can be edited.

Every plan and neighbourhood name passes :func:`geo.names.check_name` here, the one door every route goes through.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, defer
from sqlalchemy.orm.attributes import set_committed_value

from api.atlases import canonical_area
from api.audit_log import audit
from api.auth import Principal
from api.etags import claim
from api.models import AuditEvent, PlanRecord, PlanVersion, utcnow
from api.problems import Conflict, NotFound
from api.rename_storage import is_delta, rename_storage, stored_assignment
from geo.names import check_name


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
    can (:func:`api.rename_storage.rename_storage`). Raises 409 when ``current`` is not a draft; ``from_agreed`` also takes an agreed
    one (a re-nesting), which stays as it is: the new version is a draft after it. ``detail`` is added to the
    audit event.
    """
    if not (from_agreed and current.state == "agreed"):
        check_editable(current)
    check_labels(moves.values())
    stored = rename_storage(session, current, moves, assignment) if source == "rename" else assignment
    claim(session, current, current.version + 1)
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


def count_versions(session: Session, plan_id: int) -> int:
    """Return how many versions a plan has."""
    return int(session.scalar(select(func.count()).where(PlanVersion.plan_id == plan_id)) or 0)


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
