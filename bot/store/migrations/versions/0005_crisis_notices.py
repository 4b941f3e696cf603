"""The incident notice of a crisis.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crisis_notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=False, server_default=""),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_crisis_notices_ended_at", "crisis_notices", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_crisis_notices_ended_at", "crisis_notices")
    op.drop_table("crisis_notices")
