"""Heavy work running inside a request (a proposal computed inline, an upload being parsed).

``work_slots`` holds one row per such request while it runs, so it counts against the same per-key and service
caps as unfinished jobs (:mod:`api.limits`); the row is deleted when the work ends.

Revision ID: 0005
Revises: 0004
Create Date: 2027-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_slots",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("owner_key_id", sa.Integer, nullable=True, index=True),
        sa.Column("owner_name", sa.String(100), nullable=False),
        sa.Column("owner_role", sa.String(16), nullable=False),
        sa.Column("worker", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("work_slots")
