"""The platform's id of each message sent, for its later delivery reports (WhatsApp statuses).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_messages",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("platform_id", sa.String(255), primary_key=True),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_platform_messages_delivery_id", "platform_messages", ["delivery_id"])
    op.create_index("ix_platform_messages_conversation_id", "platform_messages", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("platform_messages")
