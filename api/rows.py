"""The version lookup nearly every request makes, on a Core connection: one prepared query, no ORM objects.

:func:`version_row` answers what :func:`api.plan_versions.get_version` does without the assignment, as a frozen
:class:`VersionRow` with its :class:`PlanRow`. The statements are built once: building a 20-column select costs
more than running it, and reusing one statement object lets SQLAlchemy reuse its compiled form and result map.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from api.models import PlanRecord, PlanVersion
from api.problems import NotFound


@dataclass(frozen=True)
class PlanRow:
    """The columns of a plan, read without the ORM (see :func:`version_row`)."""

    id: int
    name: str
    area: str
    latest_version: int
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class VersionRow:
    """A stored version without its assignment, with its plan: what most reads need, read without the ORM."""

    id: int
    plan_id: int
    version: int
    parent_version: int | None
    state: str
    source: str
    params: dict
    moves: dict
    note: str
    created_at: datetime
    created_by: str
    agreed_by: str | None
    agreed_at: datetime | None
    hwb_reference: str | None
    plan: PlanRow


_VERSION_COLUMNS = [getattr(PlanVersion, f.name) for f in fields(VersionRow) if f.name != "plan"]
_PLAN_COLUMNS = [getattr(PlanRecord, f.name).label(f"p_{f.name}") for f in fields(PlanRow)]
# Built once: building a 20-column select costs more than running it.
_ROW = (
    select(*_VERSION_COLUMNS, *_PLAN_COLUMNS)
    .join(PlanRecord, PlanRecord.id == PlanVersion.plan_id)
    .where(PlanRecord.id == bindparam("plan_id"))
)
_LATEST_ROW = _ROW.where(PlanVersion.version == PlanRecord.latest_version)
_VERSION_ROW = _ROW.where(PlanVersion.version == bindparam("version"))


def version_row(connection: Connection, plan_id: int, version: int | None = None) -> VersionRow:
    """:func:`get_version` without the assignment, on a Core connection: one query and no ORM objects, for the
    lookup that nearly every request makes (404 as there).

    Examples
    --------
    >>> from api.db import Database
    >>> from api.auth import LOCAL
    >>> from api.etags import version_etag
    >>> from api.plan_versions import create_plan
    >>> db = Database("sqlite://")
    >>> with db.write() as session:
    ...     _ = create_plan(session, name="p", area="Q99", assignment={"E01": "N1"}, params={}, source="one",
    ...                     actor=LOCAL)
    >>> with db.read_connection() as connection:
    ...     row = version_row(connection, 1)
    >>> version_etag(row), row.plan.area
    ('"plan-1-v1-draft"', 'Q99')
    """
    statement = _LATEST_ROW if version is None else _VERSION_ROW
    found = connection.execute(
        statement, {"plan_id": plan_id} if version is None else {"plan_id": plan_id, "version": version}
    ).one_or_none()
    if found is None:
        latest = connection.execute(select(PlanRecord.latest_version).where(PlanRecord.id == plan_id)).scalar()
        if latest is None:
            raise NotFound(f"plan {plan_id} does not exist")
        raise NotFound(f"plan {plan_id} has no version {version} (latest is {latest})")
    values = found._mapping
    plan = PlanRow(**{f.name: values[f"p_{f.name}"] for f in fields(PlanRow)})
    return VersionRow(**{c.key: values[c.key] for c in _VERSION_COLUMNS}, plan=plan)
