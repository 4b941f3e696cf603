"""Outbox jobs of one sequence (a conversation's deliveries) are done one at a time, in order.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.add_column(sa.Column("sequence", sa.String(64), nullable=True))
        table.create_index("ix_outbox_sequence_state_id", ["sequence", "state", "id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_index("ix_outbox_sequence_state_id")
        table.drop_column("sequence")
