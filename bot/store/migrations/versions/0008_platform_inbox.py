"""Platform messages kept from the webhook's 200 until they are answered.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_inbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("platform_message_id", sa.String(128), nullable=False),
        sa.Column("sender", sa.String(255), nullable=False),
        sa.Column("event", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("channel", "platform_message_id", name="uq_platform_inbox_message"),
    )
    op.create_index("ix_platform_inbox_unanswered", "platform_inbox", ["channel", "answered_at", "claimed_until"])
    op.create_index("ix_platform_inbox_received_at", "platform_inbox", ["received_at"])


def downgrade() -> None:
    op.drop_table("platform_inbox")
