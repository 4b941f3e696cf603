"""One citizen's data on request: found, exported, erased.

Erasing keeps the shape of a conversation (when messages came, what the bot
understood, hand-offs and report categories) so the KPI figures stay true,
and removes everything that says who the citizen is or what they wrote:
texts, photos, platform ids, addresses, contact details, colleagues' notes,
messages still waiting to be sent, and the example words of review decisions
made on their questions. The retention job uses the same
erasure for conversations past their retention period.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import utcnow
from bot.learning.review import decision_key
from bot.media import MediaStore, photo_ids
from bot.privacy.redact import review_key
from bot.store.database import Database
from bot.store.tables import (
    conversations,
    deliveries,
    handoffs,
    media_uploads,
    messages,
    platform_inbox,
    platform_messages,
    reports,
    review_decisions,
    staff_notes,
)

ERASED_SENDER = "gewist:"


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _decision_keys(said: Iterable[sa.engine.Row]) -> set[str]:
    """How review decisions name what these messages said (older rows have no stored key)."""
    return {decision_key(row.review_key if row.review_key is not None else review_key(row.text)) for row in said}


class CitizenRecords:
    def __init__(self, database: Database, media: MediaStore) -> None:
        self._database = database
        self._media = media

    async def find(
        self,
        channel: Optional[str] = None,
        sender: Optional[str] = None,
        conversation_id: Optional[str] = None,
        report_reference: Optional[str] = None,
    ) -> list[str]:
        """The conversations of one citizen, by platform id, conversation or report."""
        if channel and sender:
            condition = sa.and_(conversations.c.channel == channel, conversations.c.sender == sender)
        elif conversation_id:
            condition = conversations.c.id == conversation_id
        elif report_reference:
            condition = conversations.c.id.in_(
                sa.select(reports.c.conversation_id).where(reports.c.reference == report_reference.upper())
            )
        else:
            raise ValueError("name the citizen: channel and sender, a conversation or a report reference")
        async with self._database.engine.connect() as connection:
            rows = await connection.execute(sa.select(conversations.c.id).where(condition))
            return [row.id for row in rows]

    async def export(self, conversation_ids: Iterable[str]) -> dict[str, Any]:
        """Everything Dorpspomp keeps of these conversations, as JSON-ready data."""
        ids = list(conversation_ids)
        async with self._database.engine.connect() as connection:
            return {
                "exported_at": utcnow().isoformat(),
                "conversations": [await self._export_one(connection, i) for i in ids],
            }

    async def _export_one(self, connection: AsyncConnection, conversation_id: str) -> dict[str, Any]:
        conversation = (
            await connection.execute(sa.select(conversations).where(conversations.c.id == conversation_id))
        ).one()

        async def rows(table: sa.Table, order: sa.Column) -> list[sa.engine.Row]:
            query = sa.select(table).where(table.c.conversation_id == conversation_id).order_by(order)
            return list((await connection.execute(query)).all())

        return {
            "id": conversation.id,
            "channel": conversation.channel,
            "sender": conversation.sender,
            "started_at": _iso(conversation.created_at),
            "erased_at": _iso(conversation.purged_at),
            "messages": [
                {
                    "at": _iso(m.created_at),
                    "from": "inwoner" if m.direction == "in" else ("medewerker" if m.staff_id else "bot"),
                    "text": m.text,
                    "photos": photo_ids((m.data or {}).get("attachments")),
                    "location": (m.data or {}).get("location"),
                }
                for m in await rows(messages, messages.c.id)
            ],
            "reports": [
                {
                    "reference": r.reference,
                    "category": r.service_code,
                    "description": r.description,
                    "address": r.address,
                    "latitude": r.latitude,
                    "longitude": r.longitude,
                    "contact_email": r.contact_email,
                    "contact_phone": r.contact_phone,
                    "photos": list(r.media or []),
                    "status": r.status,
                    "created_at": _iso(r.created_at),
                }
                for r in await rows(reports, reports.c.id)
            ],
            "handoffs": [
                {
                    "reason": h.reason,
                    "topic": h.topic,
                    "queued_at": _iso(h.queued_at),
                    "resolved_at": _iso(h.resolved_at),
                }
                for h in await rows(handoffs, handoffs.c.id)
            ],
            "staff_notes": [
                {"at": _iso(n.created_at), "text": n.text} for n in await rows(staff_notes, staff_notes.c.id)
            ],
        }

    async def erase(self, conversation_ids: Iterable[str]) -> int:
        """Remove the personal content of these conversations; returns how many."""
        ids = list(conversation_ids)
        if not ids:
            return 0
        async with self._database.transaction() as connection:
            photos = await self._photos(connection, ids)
            await self._erase(connection, ids)
        for media_id in photos:
            await self._media.delete(media_id)
        return len(ids)

    @staticmethod
    async def _photos(connection: AsyncConnection, ids: list[str]) -> list[str]:
        found: list[str] = []
        for row in await connection.execute(sa.select(messages.c.data).where(messages.c.conversation_id.in_(ids))):
            found.extend(photo_ids((row.data or {}).get("attachments")))
        for row in await connection.execute(sa.select(reports.c.media).where(reports.c.conversation_id.in_(ids))):
            found.extend(row.media or [])
        uploads = sa.select(media_uploads.c.media_id).where(media_uploads.c.conversation_id.in_(ids))
        found.extend((await connection.execute(uploads)).scalars())
        return found

    @staticmethod
    async def _erase(connection: AsyncConnection, ids: list[str]) -> None:
        now = utcnow()
        # A decided question keeps its decision (by hash) but not its example's words.
        said = await connection.execute(
            sa.select(messages.c.review_key, messages.c.text).where(
                messages.c.conversation_id.in_(ids), messages.c.direction == "in", messages.c.text != ""
            )
        )
        decided = await asyncio.to_thread(_decision_keys, said.all())
        if decided:
            await connection.execute(
                review_decisions.update().where(review_decisions.c.group_key.in_(decided)).values(example="")
            )
        # Messages a platform delivered are kept a while after their answer
        # (bot/store/inbox.py), by the citizen's id on that platform.
        senders = await connection.execute(
            sa.select(conversations.c.channel, conversations.c.sender).where(conversations.c.id.in_(ids))
        )
        for channel, sender in senders.all():
            await connection.execute(
                platform_inbox.delete().where(platform_inbox.c.channel == channel, platform_inbox.c.sender == sender)
            )
        await connection.execute(
            conversations.update()
            .where(conversations.c.id.in_(ids))
            .values(sender=sa.literal(ERASED_SENDER) + conversations.c.id, purged_at=now)
        )
        await connection.execute(
            messages.update()
            .where(messages.c.conversation_id.in_(ids))
            .values(text="", payload=None, data=None, platform_message_id=None, review_key=None)
        )
        await connection.execute(
            reports.update()
            .where(reports.c.conversation_id.in_(ids))
            .values(
                description="",
                address=None,
                latitude=None,
                longitude=None,
                media=[],
                contact_email=None,
                contact_phone=None,
                status_notes=None,
                updated_at=now,
            )
        )
        await connection.execute(staff_notes.delete().where(staff_notes.c.conversation_id.in_(ids)))
        await connection.execute(platform_messages.delete().where(platform_messages.c.conversation_id.in_(ids)))
        await connection.execute(deliveries.delete().where(deliveries.c.conversation_id.in_(ids)))
        await connection.execute(media_uploads.delete().where(media_uploads.c.conversation_id.in_(ids)))

    async def expired(self, before: datetime, limit: int = 500) -> list[str]:
        """Conversations with content whose last message is older than ``before``
        and that no colleague has open. A conversation erased before has content
        again when its citizen wrote after the erasure."""
        last = sa.func.max(messages.c.created_at)
        open_handoff = sa.select(handoffs.c.id).where(
            handoffs.c.conversation_id == conversations.c.id, handoffs.c.open.is_(True)
        )
        query = (
            sa.select(conversations.c.id)
            .join(messages, messages.c.conversation_id == conversations.c.id, isouter=True)
            .where(~sa.exists(open_handoff))
            .group_by(conversations.c.id, conversations.c.created_at, conversations.c.purged_at)
            .having(
                sa.and_(
                    sa.func.coalesce(last, conversations.c.created_at) < before,
                    sa.or_(conversations.c.purged_at.is_(None), last > conversations.c.purged_at),
                )
            )
            .limit(limit)
        )
        async with self._database.engine.connect() as connection:
            return [row.id for row in await connection.execute(query)]
