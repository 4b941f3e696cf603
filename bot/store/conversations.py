"""Conversations and the messages in them."""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import utcnow
from bot.messages import IncomingMessage, Reply, Understanding
from bot.privacy.redact import review_key
from bot.store.database import Database, inserted_id
from bot.store.tables import conversations, messages


@dataclass(frozen=True)
class StoredMessage:
    id: int
    direction: str
    text: str
    data: Optional[dict[str, Any]]
    intent: Optional[str]
    confidence: Optional[float]
    created_at: datetime
    staff_id: Optional[int] = None
    platform_message_id: Optional[str] = None

    @property
    def public(self) -> bool:
        return bool((self.data or {}).get("public"))

    def as_reply(self) -> Reply:
        return Reply.from_dict({"text": self.text, **(self.data or {})})


def written_in_public(history: Iterable[StoredMessage]) -> bool:
    """Whether the citizen wrote in public (a mention): then replies are public too."""
    return any(m.public for m in history if m.direction == "in")


def _reply_rows(
    conversation_id: str,
    channel: str,
    replies: Iterable[Reply],
    staff_id: Optional[int] = None,
    in_reply_to: Optional[int] = None,
) -> list[dict[str, Any]]:
    return [
        {
            "conversation_id": conversation_id,
            "direction": "out",
            "channel": channel,
            "text": reply.text,
            "data": {k: v for k, v in reply.to_dict().items() if k != "text" and v},
            "staff_id": staff_id,
            "created_at": utcnow(),
            "in_reply_to": in_reply_to,
        }
        for reply in replies
    ]


@dataclass(frozen=True)
class Recorded:
    """A citizen's message as stored. ``answer``: the bot's answer stored for it
    when it was kept before (taken again after the process answering it died,
    or its lease ran out while it answered); empty for a new message."""

    id: int
    answer: list[Reply]


async def _replies_to(connection: AsyncConnection, incoming_id: int) -> list[Reply]:
    query = (
        sa.select(messages.c.text, messages.c.data).where(messages.c.in_reply_to == incoming_id).order_by(messages.c.id)
    )
    return [Reply.from_dict({"text": text, **(data or {})}) for text, data in (await connection.execute(query)).all()]


class ConversationStore:
    def __init__(self, database: Database, cache_size: int = 50_000) -> None:
        self._database = database
        self._engine = database.engine
        # (channel, sender) -> conversation id never changes once made, so a
        # bounded in-process cache saves a query on nearly every message.
        self._known: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._cache_size = cache_size

    @property
    def database(self) -> Database:
        return self._database

    async def create_conversation(self, channel: str) -> str:
        """A new conversation whose sender is its own id (the web chat's case)."""
        conversation_id = uuid.uuid4().hex
        await self._insert(conversation_id, channel, sender=conversation_id)
        return conversation_id

    async def conversation_for(self, channel: str, sender: str) -> str:
        """The id of the conversation with ``sender`` on ``channel``, created if new."""
        key = (channel, sender)
        if key in self._known:
            self._known.move_to_end(key)
            return self._known[key]
        conversation_id = await self._find_or_create(channel, sender)
        self._known[key] = conversation_id
        if len(self._known) > self._cache_size:
            self._known.popitem(last=False)
        return conversation_id

    async def _find_or_create(self, channel: str, sender: str) -> str:
        existing = await self.find(channel, sender)
        if existing:
            return existing
        conversation_id = uuid.uuid4().hex
        try:
            await self._insert(conversation_id, channel, sender)
        except IntegrityError:
            # Another request (or process) created it between our look-up and insert.
            existing = await self.find(channel, sender)
            if existing is None:
                raise
            return existing
        return conversation_id

    async def _insert(self, conversation_id: str, channel: str, sender: str) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(
                conversations.insert().values(
                    id=conversation_id,
                    channel=channel,
                    sender=sender,
                    created_at=utcnow(),
                )
            )

    async def exists(self, conversation_id: str) -> bool:
        async with self._engine.connect() as connection:
            row = await connection.execute(sa.select(conversations.c.id).where(conversations.c.id == conversation_id))
            return row.first() is not None

    async def find(self, channel: str, sender: str) -> Optional[str]:
        """The citizen's conversation on ``channel``, None when they never wrote."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(conversations.c.id).where(
                    conversations.c.channel == channel, conversations.c.sender == sender
                )
            )
            return result.scalar_one_or_none()

    async def record_incoming(self, conversation_id: str, message: IncomingMessage) -> Recorded:
        """Persist a citizen's message before anything else happens to it."""
        # Whether it was said in public decides what a colleague may answer there.
        data = {
            **message.carried,
            **({"public": True} if message.public else {}),
            **({"unreadable": message.unreadable} if message.unreadable else {}),
        }
        # Redacted once here, off the event loop, so the review queue never has to.
        key = await asyncio.to_thread(review_key, message.text) if message.text else None
        async with self._database.transaction() as connection:
            if message.platform_message_id:
                # Answered again after its first answer died with a process
                # (bot/store/inbox.py): it is the same message, kept once.
                kept = await connection.scalar(
                    sa.select(messages.c.id).where(
                        messages.c.conversation_id == conversation_id,
                        messages.c.direction == "in",
                        messages.c.platform_message_id == message.platform_message_id,
                    )
                )
                if kept is not None:
                    return Recorded(int(kept), await _replies_to(connection, int(kept)))
            result = await connection.execute(
                messages.insert().values(
                    conversation_id=conversation_id,
                    direction="in",
                    channel=message.channel,
                    text=message.text,
                    payload=message.payload,
                    data=data or None,
                    platform_message_id=message.platform_message_id,
                    created_at=utcnow(),
                    review_key=key,
                )
            )
            return Recorded(inserted_id(result), [])

    async def record_outcome(
        self,
        incoming_id: int,
        conversation_id: str,
        channel: str,
        understanding: Optional[Understanding],
        replies: Iterable[Reply],
    ) -> None:
        """Store what the engine understood and every reply, in one transaction."""
        rows = _reply_rows(conversation_id, channel, replies, in_reply_to=incoming_id)
        async with self._database.transaction() as connection:
            if understanding is not None:
                await connection.execute(
                    messages.update()
                    .where(messages.c.id == incoming_id)
                    .values(intent=understanding.intent, confidence=understanding.confidence)
                )
            if rows:
                await connection.execute(messages.insert(), rows)

    async def record_replies(
        self, conversation_id: str, channel: str, replies: Iterable[Reply], staff_id: Optional[int] = None
    ) -> None:
        """Store replies that answer no message of the citizen (news, a colleague)."""
        async with self._database.transaction() as connection:
            await connection.execute(messages.insert(), _reply_rows(conversation_id, channel, replies, staff_id))

    async def recent_intents(self, conversation_id: str, limit: int = 10) -> list[str]:
        """What the citizen's last messages were about, newest first."""
        query = (
            sa.select(messages.c.intent)
            .where(
                messages.c.conversation_id == conversation_id,
                messages.c.direction == "in",
                messages.c.intent.is_not(None),
            )
            .order_by(messages.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())

    async def address(self, conversation_id: str) -> Optional[tuple[str, str]]:
        """The channel and the sender of a conversation, to reach the citizen again."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(conversations.c.channel, conversations.c.sender).where(
                        conversations.c.id == conversation_id
                    )
                )
            ).first()
        return (row.channel, row.sender) if row else None

    async def opening(self, conversation_id: str) -> tuple[bool, Optional[str]]:
        """Whether anything was said in the conversation yet, by either side, and
        the language it is held in (None: Dutch), in one look-up per turn."""
        said = sa.exists().where(messages.c.conversation_id == conversation_id)
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(said, conversations.c.language).where(conversations.c.id == conversation_id)
                )
            ).first()
        return (bool(row[0]), row[1]) if row else (False, None)

    async def set_language(self, conversation_id: str, language: str) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(
                conversations.update().where(conversations.c.id == conversation_id).values(language=language)
            )

    async def last_incoming_at(self, conversation_id: str) -> Optional[datetime]:
        """When the citizen last wrote: platforms limit what may be sent after."""
        async with self._engine.connect() as connection:
            return await connection.scalar(
                sa.select(sa.func.max(messages.c.created_at)).where(
                    messages.c.conversation_id == conversation_id, messages.c.direction == "in"
                )
            )

    async def offered_payloads(self, conversation_id: str, last: int) -> set[str]:
        """The payloads of the buttons in the bot's ``last`` messages of a conversation."""
        query = (
            sa.select(messages.c.data)
            .where(messages.c.conversation_id == conversation_id, messages.c.direction == "out")
            .order_by(messages.c.id.desc())
            .limit(last)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).scalars().all()
        return {
            str(button.get("payload"))
            for data in rows
            for button in (data or {}).get("buttons") or ()
            if isinstance(button, dict)
        }

    async def history(self, conversation_id: str, limit: int = 200) -> list[StoredMessage]:
        """The last ``limit`` messages of a conversation, oldest first."""
        query = (
            sa.select(messages)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [
            StoredMessage(
                id=row["id"],
                direction=row["direction"],
                text=row["text"],
                data=row["data"],
                intent=row["intent"],
                confidence=row["confidence"],
                created_at=row["created_at"],
                staff_id=row["staff_id"],
                platform_message_id=row["platform_message_id"],
            )
            for row in reversed(rows)
        ]
