"""Compressed plan assignments and the admin's service settings.

A plan version's assignment moves from the JSON column ``assignment`` to the zlib-compressed ``assignment_z``
(existing rows are converted), so five moves of a large plan no longer store five full copies of its JSON.
``service_settings`` holds the switches only an admin may change (four-eyes sign-off, explicit local mode).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _compress(value) -> bytes:
    if isinstance(value, str):  # SQLite hands JSON back as text on a plain select
        value = json.loads(value)
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode("utf-8"), 6)


def upgrade() -> None:
    op.create_table(
        "service_settings",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("assignment_z", sa.LargeBinary, nullable=True))
    bind = op.get_bind()
    versions = sa.table("plan_versions", sa.column("id", sa.Integer), sa.column("assignment", sa.JSON),
                        sa.column("assignment_z", sa.LargeBinary))
    for row_id, assignment in bind.execute(sa.select(versions.c.id, versions.c.assignment)).all():
        bind.execute(versions.update().where(versions.c.id == row_id).values(assignment_z=_compress(assignment)))
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("assignment")
        batch.alter_column("assignment_z", existing_type=sa.LargeBinary, nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_versions") as batch:
        batch.add_column(sa.Column("assignment", sa.JSON, nullable=True))
    bind = op.get_bind()
    versions = sa.table("plan_versions", sa.column("id", sa.Integer), sa.column("assignment", sa.JSON),
                        sa.column("assignment_z", sa.LargeBinary))
    for row_id, packed in bind.execute(sa.select(versions.c.id, versions.c.assignment_z)).all():
        value = json.loads(zlib.decompress(packed).decode("utf-8"))
        bind.execute(versions.update().where(versions.c.id == row_id).values(assignment=value))
    with op.batch_alter_table("plan_versions") as batch:
        batch.drop_column("assignment_z")
        batch.alter_column("assignment", existing_type=sa.JSON, nullable=False)
    op.drop_table("service_settings")
