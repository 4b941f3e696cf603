"""The SQL schema. Alembic migrations in ``migrations/`` create exactly this."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC from every database: SQLite hands back naive datetimes,
    which cannot be compared with the aware ones the application makes."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("sender", sa.String(255), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # Set when the retention job or an erasure removed the content; the
    # conversation's shape (times, intents, hand-offs) stays for the KPIs.
    sa.Column("purged_at", UtcDateTime(), nullable=True),
    # "en" once the citizen writes English, until they write Dutch again; None is Dutch.
    sa.Column("language", sa.String(8), nullable=True),
    sa.UniqueConstraint("channel", "sender", name="uq_conversations_channel_sender"),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "conversation_id",
        sa.String(32),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("direction", sa.String(3), nullable=False),  # "in" or "out"
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False, default=""),
    sa.Column("payload", sa.Text, nullable=True),
    sa.Column("data", sa.JSON, nullable=True),
    sa.Column("intent", sa.String(64), nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("platform_message_id", sa.String(128), nullable=True),
    # The colleague who wrote an outgoing message; NULL for the bot's.
    sa.Column("staff_id", sa.Integer, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    # A citizen's text redacted and normalised once, when it is stored: the
    # review queue groups and decides by it (bot/learning/review.py). NULL on
    # messages stored before it existed; readers compute it from the text.
    sa.Column("review_key", sa.String(255), nullable=True),
    # The citizen's message a bot reply answers: a message whose replies are
    # stored is not answered again (bot/router.py).
    sa.Column("in_reply_to", sa.Integer, nullable=True),
    sa.Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    sa.Index("ix_messages_in_reply_to", "in_reply_to"),
)

# Photos uploaded in a web chat session, until a message sends them (used_at);
# unused ones are swept, and a session may keep only so many.
media_uploads = sa.Table(
    "media_uploads",
    metadata,
    sa.Column("media_id", sa.String(64), primary_key=True),
    sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    sa.Column("uploaded_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Index("ix_media_uploads_conversation_id", "conversation_id"),
    sa.Index("ix_media_uploads_uploaded_at", "uploaded_at"),
)

# Public-space reports, shaped after Open311 GeoReport v2 service requests.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=True, unique=True),
    sa.Column(
        "conversation_id",
        sa.String(32),
        sa.ForeignKey("conversations.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("service_code", sa.String(64), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("address", sa.String(255), nullable=True),
    sa.Column("media", sa.JSON, nullable=False),
    sa.Column("contact_email", sa.String(255), nullable=True),
    sa.Column("contact_phone", sa.String(32), nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("status_notes", sa.Text, nullable=True),
    sa.Column("external_id", sa.String(128), nullable=True),
    sa.Column("media_forwarded", sa.Integer, nullable=False, default=0),
    # pending → forwarded, or failed for a human to see; "kept" when there is no back end.
    sa.Column("forward_state", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_reports_conversation_id", "conversation_id"),
)

# Work that must survive a restart: claimed by one worker at a time, retried
# with backoff until done or marked failed.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # pending, done, failed
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # How many times the job was claimed: the fencing token of bot/store/outbox.py.
    sa.Column("claim", sa.Integer, nullable=False, default=0, server_default="0"),
    # Jobs of one sequence (a conversation's deliveries) are done one at a time, oldest first.
    sa.Column("sequence", sa.String(64), nullable=True),
    sa.Index("ix_outbox_kind_state_next_attempt_at", "kind", "state", "next_attempt_at"),
    sa.Index("ix_outbox_sequence_state_id", "sequence", "state", "id"),
)

# --- Webcare: staff, hand-offs to them, their notes and canned responses ---

staff = sa.Table(
    "staff",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(128), nullable=False),
    sa.Column("initials", sa.String(8), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # agent or admin
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
    # A colleague who left: kept, so old replies still show their initials.
    sa.Column("disabled_at", UtcDateTime(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# Only a hash of the cookie's token is kept: a copy of the database opens no session.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
)

# One row per hand-off: queued → assigned → resolved (back to the bot, or closed).
# At most one open (queued or assigned) hand-off per conversation.
handoffs = sa.Table(
    "handoffs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "conversation_id",
        sa.String(32),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("topic", sa.String(64), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("open", sa.Boolean, nullable=True),  # true while open, NULL after: unique per conversation
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=True),  # back_to_bot or closed
    sa.Column("satisfaction", sa.Integer, nullable=True),
    sa.Column("queued_at", UtcDateTime(), nullable=False),
    sa.Column("assigned_at", UtcDateTime(), nullable=True),
    sa.Column("first_reply_at", UtcDateTime(), nullable=True),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("conversation_id", "open", name="uq_handoffs_one_open"),
    sa.Index("ix_handoffs_state_queued_at", "state", "queued_at"),
)

staff_notes = sa.Table(
    "staff_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "conversation_id",
        sa.String(32),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Index("ix_staff_notes_conversation_id", "conversation_id"),
)

canned_responses = sa.Table(
    "canned_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(80), nullable=False, unique=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# --- Platform channels: messages on their way out, and what a channel remembers ---

# Messages for a platform, rendered in its format, sent in order by the outbox
# worker; ``sent`` counts the items the platform has accepted, so a retry
# continues after the last one and sends none twice.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "conversation_id",
        sa.String(32),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("items", sa.JSON, nullable=False),
    sa.Column("sent", sa.Integer, nullable=False, default=0),
    sa.Column("state", sa.String(16), nullable=False),  # pending, sent, failed
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_deliveries_conversation_id", "conversation_id"),
    sa.Index("ix_deliveries_state", "state"),
)

# The platform's id of each message a delivery sent, for the platform's later
# reports on it (WhatsApp's sent, delivered, read, failed). A WhatsApp id
# encodes the phone number: erased with the conversation.
platform_messages = sa.Table(
    "platform_messages",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("platform_id", sa.String(255), primary_key=True),
    sa.Column("delivery_id", sa.Integer, sa.ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "conversation_id",
        sa.String(32),
        sa.ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("status", sa.String(16), nullable=False),  # sent, delivered, read, failed
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_platform_messages_delivery_id", "delivery_id"),
    sa.Index("ix_platform_messages_conversation_id", "conversation_id"),
)

# Small values a channel keeps across restarts: X's newest mention seen, long
# Telegram button payloads by their short key.
channel_state = sa.Table(
    "channel_state",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# The incident notice an admin sets during a crisis; at most one has no ended_at.
crisis_notices = sa.Table(
    "crisis_notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("link", sa.String(500), nullable=False, server_default=""),
    sa.Column("started_by", sa.String(64), nullable=False),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    sa.Index("ix_crisis_notices_ended_at", "ended_at"),
)

# --- The learning loop, what staff did, and citizens' data over time ---

# An admin's decision on a group of logged questions, keyed by the group's
# normalised text: the group leaves the review queue, and an example becomes
# training data (redacted) when it got an intent.
review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_key", sa.String(255), nullable=False, unique=True),
    sa.Column("example", sa.Text, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),  # intent, new_intent, out_of_scope, dismissed
    sa.Column("intent", sa.String(64), nullable=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=False),
)

# A citizen's message a colleague sent to the review queue from the inbox.
message_flags = sa.Table(
    "message_flags",
    metadata,
    sa.Column("message_id", sa.Integer, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# A candidate model: trained, evaluated on the held-out messages and compared
# with the model in use; the newest promoted run names the model every
# gateway process serves.
training_runs = sa.Table(
    "training_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(16), nullable=False),  # running, ready, promoted, rejected, failed
    sa.Column("stage", sa.String(64), nullable=False),
    sa.Column("model", sa.String(128), nullable=True),
    sa.Column("baseline", sa.String(128), nullable=True),
    sa.Column("comparison", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("promoted_at", UtcDateTime(), nullable=True),
)

# What staff did, for accountability: who, when, what, to which subject.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(128), nullable=False, server_default=""),
    sa.Column("detail", sa.JSON, nullable=True),
    sa.Index("ix_audit_log_at", "at"),
)

# Platform messages as they arrived, committed before the webhook answers 200
# (bot/store/inbox.py): the unique platform id is the dedupe of redeliveries,
# and a message not yet answered is answered again after a crash.
platform_inbox = sa.Table(
    "platform_inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("platform_message_id", sa.String(128), nullable=False),
    sa.Column("sender", sa.String(255), nullable=False),
    sa.Column("event", sa.JSON, nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("claimed_until", UtcDateTime(), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("answered_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("channel", "platform_message_id", name="uq_platform_inbox_message"),
    sa.Index("ix_platform_inbox_unanswered", "channel", "answered_at", "claimed_until"),
    sa.Index("ix_platform_inbox_received_at", "received_at"),
)
