"""Web chat uploads tracked per session; the review key of each citizen message.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_uploads",
        sa.Column("media_id", sa.String(64), primary_key=True),
        sa.Column(
            "conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_media_uploads_conversation_id", "media_uploads", ["conversation_id"])
    op.create_index("ix_media_uploads_uploaded_at", "media_uploads", ["uploaded_at"])
    op.add_column("messages", sa.Column("review_key", sa.String(255), nullable=True))
    _backfill_review_keys()


def _backfill_review_keys() -> None:
    from bot.learning.review import group_key

    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, text FROM messages WHERE direction = 'in' AND text != ''")
    ).all()
    for row in rows:
        connection.execute(
            sa.text("UPDATE messages SET review_key = :key WHERE id = :id"), {"key": group_key(row.text), "id": row.id}
        )


def downgrade() -> None:
    op.drop_column("messages", "review_key")
    op.drop_table("media_uploads")
