"""Answers of hotspot jobs (the modelled UEC layer computed in the background).

``hotspot_results`` holds the published text (JSON, CSV or GeoJSON, zlib-compressed) of each finished hotspot
job, saved in the transaction that marks the job done; ``jobs.result_id`` names the row. Only disclosure-controlled
answers of the server-held layer are stored: uploaded extracts are never written to the database.

Revision ID: 0004
Revises: 0003
Create Date: 2027-01-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hotspot_results",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("job_id", sa.String(36), nullable=False, index=True),
        sa.Column("area", sa.String(100), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("uec_kind", sa.String(20), nullable=False),
        sa.Column("body_z", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hotspot_results")
