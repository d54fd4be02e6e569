"""Background jobs in the database, and (on PostgreSQL) the schema of the durable job queue.

``jobs`` holds what ``GET /api/v1/jobs/{id}`` shows (status, progress, result) plus what a job worker on any
machine needs to run it (kind, area, parameters, owner), so every API process reads the same job and a job
outlives the process that accepted it. On PostgreSQL the same revision installs the tables and functions of
procrastinate (the queue `nhp worker` takes jobs from), once, with the rest of the schema.

Revision ID: 0003
Revises: 0002
Create Date: 2027-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("area", sa.String(100), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("time_budget", sa.Float, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("owner_key_id", sa.Integer, nullable=True),
        sa.Column("owner_role", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("queue_job_id", sa.BigInteger, nullable=True),
        sa.Column("result_id", sa.String(36), nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        present = bind.execute(sa.text("select to_regclass('procrastinate_jobs')")).scalar()
        if present is None:
            from procrastinate.schema import SchemaManager  # lazy: the job queue only on PostgreSQL

            # The schema is many statements with $$-quoted bodies: sent as one simple query by the driver.
            bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    op.drop_table("jobs")
