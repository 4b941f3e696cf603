"""Web chat uploads tracked per session; the review key of each citizen message;
review decisions kept as hashes; citizens' words out of the audit log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

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
    # Older messages keep no key: the review queue and erasure compute it from
    # the text when they meet one (bot/learning/review.py, bot/privacy/citizens.py).
    connection = op.get_bind()
    _hash_decided_keys(connection)
    _scrub_audit_log(connection)


def _hash_decided_keys(connection: sa.engine.Connection) -> None:
    import hashlib

    for row in connection.execute(sa.text("SELECT id, group_key FROM review_decisions")).all():
        hashed = hashlib.sha256(row.group_key.encode()).hexdigest()
        connection.execute(
            sa.text("UPDATE review_decisions SET group_key = :key WHERE id = :id"), {"key": hashed, "id": row.id}
        )


def _scrub_audit_log(connection: sa.engine.Connection) -> None:
    """A review's subject was the question's text; a failed login's actor whatever was typed."""
    connection.execute(sa.text("UPDATE audit_log SET subject = '' WHERE action = 'review'"))
    connection.execute(
        sa.text(
            "UPDATE audit_log SET actor = '?'"
            " WHERE action = 'login_failed' AND actor NOT IN (SELECT username FROM staff)"
        )
    )


def downgrade() -> None:
    op.drop_column("messages", "review_key")
    op.drop_table("media_uploads")
