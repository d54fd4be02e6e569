"""SQLAlchemy 2 models of the plans database: API keys, plans, plan versions, proposals and the audit log.

The tables are created by the Alembic migrations in ``api/migrations`` (never by ``create_all``), so a database
made by one release upgrades cleanly to the next. A plan version stores the whole assignment (LSOA code to
neighbourhood), zlib-compressed, and the parameters it was made with, so any version can be rebuilt as a
:class:`geo.plan.Plan` without replaying history; the moves that produced it are kept too, for the audit trail
and diffs. Compression (not a diff from the parent) keeps a moved version readable on its own: a move costs about
a tenth of the assignment's JSON instead of all of it. A rename changes no LSOA, so it stores only a pointer to its
parent (its renames are its moves; :func:`api.rename_storage.stored_assignment` replays at most a short chain of them).
"""

from __future__ import annotations

from datetime import datetime, timezone

import json
import zlib

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

#: Roles in increasing order of power; a key may do everything a lower role may do.
ROLES = ("viewer", "planner", "approver", "admin")

#: Lifecycle states of a plan version.
STATES = ("draft", "proposed", "agreed")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (stored with its time zone on PostgreSQL)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp that always comes back time-zone aware (SQLite stores it without its zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class CompressedJSON(TypeDecorator):
    """JSON stored zlib-compressed as bytes; reads back as the same value.

    Examples
    --------
    >>> kind = CompressedJSON()
    >>> kind.process_result_value(kind.process_bind_param({"E01000001": "N1"}, None), None)
    {'E01000001': 'N1'}
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return zlib.compress(json.dumps(value, separators=(",", ":")).encode("utf-8"), 6)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(zlib.decompress(value).decode("utf-8"))


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {datetime: UTCDateTime()}


class ApiKey(Base):
    """An API key: only the SHA-256 of the secret is stored, so a stolen database reveals no usable key.

    ``prefix`` (the first characters of the secret, which carry no useful entropy on their own) lets a person
    tell keys apart in ``nhp keys list`` without the secret ever being shown again.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PlanRecord(Base):
    """A named plan for one study area; its content lives in its versions.

    ``latest_version`` is updated with a compare-and-set (``WHERE latest_version = n``) by every change, which is
    what makes two concurrent moves from the same version impossible: one wins, the other gets 412.
    """

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str] = mapped_column(String(100), index=True)
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.version", cascade="all, delete-orphan"
    )


class PlanVersion(Base):
    """One version of a plan: the full assignment, its parameters and its lifecycle state.

    An agreed version is immutable: the repository refuses moves on it and records who agreed it, when, and at
    which Health and Wellbeing Board meeting.
    """

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_versions_plan_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    parent_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str] = mapped_column(String(32))
    #: Stored compressed in the ``assignment_z`` column (migration 0002); reads as a plain dict.
    assignment: Mapped[dict] = mapped_column("assignment_z", CompressedJSON())
    params: Mapped[dict] = mapped_column(JSON)
    moves: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    agreed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hwb_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)

    plan: Mapped[PlanRecord] = relationship(back_populates="versions")


class Proposal(Base):
    """A proposal computed for an area; a plan can be created from it later (it survives a restart)."""

    __tablename__ = "proposals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    area: Mapped[str] = mapped_column(String(100), index=True)
    params: Mapped[dict] = mapped_column(JSON)
    assignment: Mapped[dict] = mapped_column(JSON)
    unmet: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class ServiceSetting(Base):
    """A switch only an admin may change at run time (four-eyes sign-off, explicit local mode); each change is
    audited. A missing row means the safe default."""

    __tablename__ = "service_settings"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))


class AuditEvent(Base):
    """One change: who (key id and name, never the secret), what, when, and which plan version.

    There is no foreign key to ``api_keys`` so the trail outlives any key, and none is ever updated or deleted.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_plan_id_id", "plan_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(50))
    actor_key_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
