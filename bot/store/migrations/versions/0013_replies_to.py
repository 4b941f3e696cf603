"""Which citizen's message a bot reply answers, so a message is answered once
even when two processes take it (one died mid-turn, or its lease lapsed).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("in_reply_to", sa.Integer, nullable=True))
        batch.create_index("ix_messages_in_reply_to", ["in_reply_to"])


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_in_reply_to")
        batch.drop_column("in_reply_to")
