"""Citizens' messages from their acknowledgement until they are answered:
a platform webhook's 200, a web chat ``ack``.

A delivery is committed here before the platform (or the widget) hears it
arrived, so a process that dies right after loses nothing. The message's id
is unique per channel: that constraint is the dedupe of redeliveries, across
processes and restarts. Whoever answers a message holds it for a lease it
renews while it works; a message whose lease ran out unanswered (its process
died, or answering failed) is taken again, by a redelivery or by the
recovery round of any process, a few times at most. An answer is queued and
its message marked answered in one transaction (:func:`mark_answered`), and
only once.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.background import repeat, running
from bot.clock import utcnow
from bot.store.database import Database, inserted_id
from bot.store.tables import platform_inbox

# Answering a message (a photo fetched, the engine, the outbox) takes seconds;
# longer than this and it is taken as lost.
DEFAULT_LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
# Longer than any platform keeps redelivering (Meta: up to a day).
KEEP_FOR = timedelta(hours=36)


@dataclass(frozen=True)
class Receipt:
    """A message this process holds and must answer."""

    id: int
    event: Mapping[str, Any]
    received_at: datetime
    attempts: int

    @property
    def last_attempt(self) -> bool:
        return self.attempts >= MAX_ATTEMPTS


async def mark_answered(connection: AsyncConnection, receipt_id: int) -> bool:
    """Inside the caller's transaction: so an answer is queued and its message
    marked answered together, or neither (and the message is answered again).
    False when it was answered already: then this answer must not go out too."""
    result = await connection.execute(
        platform_inbox.update()
        .where(platform_inbox.c.id == receipt_id, platform_inbox.c.answered_at.is_(None))
        .values(answered_at=utcnow())
    )
    return bool(result.rowcount == 1)


class PlatformInbox:
    def __init__(self, database: Database, lease: timedelta = DEFAULT_LEASE) -> None:
        self._database = database
        self._lease = lease

    async def accept(
        self, channel: str, message_id: Optional[str], sender: str, event: Mapping[str, Any]
    ) -> Optional[Receipt]:
        """Keep a delivered message; its receipt when it is ours to answer, None
        for a redelivery of one that is answered or being answered."""
        now = utcnow()
        # Without an id the platform cannot redeliver it as the same message.
        key = message_id or f"none:{uuid.uuid4().hex}"
        kept = dict(event)
        try:
            async with self._database.transaction() as connection:
                new_id = inserted_id(
                    await connection.execute(
                        platform_inbox.insert().values(
                            channel=channel,
                            platform_message_id=key,
                            sender=sender,
                            event=kept,
                            received_at=now,
                            claimed_until=now + self._lease,
                            attempts=1,
                        )
                    )
                )
            return Receipt(new_id, kept, now, 1)
        except IntegrityError:
            return await self._take_again(channel, key)

    async def _take_again(self, channel: str, message_id: str) -> Optional[Receipt]:
        async with self._database.engine.connect() as connection:
            found = await connection.scalar(
                sa.select(platform_inbox.c.id).where(
                    platform_inbox.c.channel == channel, platform_inbox.c.platform_message_id == message_id
                )
            )
        return await self._claim(found) if found is not None else None

    async def _claim(self, receipt_id: int) -> Optional[Receipt]:
        """Take an unanswered message whose lease ran out; None if another has it."""
        now = utcnow()
        table = platform_inbox.c
        async with self._database.transaction() as connection:
            claimed = await connection.execute(
                platform_inbox.update()
                .where(
                    table.id == receipt_id,
                    table.answered_at.is_(None),
                    table.claimed_until < now,
                    table.attempts < MAX_ATTEMPTS,
                )
                .values(claimed_until=now + self._lease, attempts=table.attempts + 1)
            )
            if claimed.rowcount != 1:
                return None
            row = (
                await connection.execute(
                    sa.select(table.event, table.received_at, table.attempts).where(table.id == receipt_id)
                )
            ).one()
        return Receipt(receipt_id, row.event, row.received_at, row.attempts)

    async def due(self, channel: str, limit: int = 20) -> list[Receipt]:
        """Unanswered messages of ``channel`` whose lease ran out, oldest first, now held by this process."""
        table = platform_inbox.c
        async with self._database.engine.connect() as connection:
            ids = (
                await connection.scalars(
                    sa.select(table.id)
                    .where(
                        table.channel == channel,
                        table.answered_at.is_(None),
                        table.claimed_until < utcnow(),
                        table.attempts < MAX_ATTEMPTS,
                    )
                    .order_by(table.id)
                    .limit(limit)
                )
            ).all()
        claimed = [await self._claim(receipt_id) for receipt_id in ids]
        return [receipt for receipt in claimed if receipt is not None]

    @contextlib.asynccontextmanager
    async def holding(self, receipt: Receipt) -> AsyncIterator[None]:
        """While the block answers the message its lease is renewed, so a slow
        answer (a queue of turns, a slow engine) is not taken for a lost one."""
        async with running(repeat(lambda: self._renew(receipt), self._lease.total_seconds() / 3, "renewing a lease")):
            yield

    async def _renew(self, receipt: Receipt) -> None:
        table = platform_inbox.c
        async with self._database.transaction() as connection:
            await connection.execute(
                platform_inbox.update()
                .where(table.id == receipt.id, table.answered_at.is_(None), table.attempts == receipt.attempts)
                .values(claimed_until=utcnow() + self._lease)
            )

    async def answered(self, receipt: Receipt) -> None:
        async with self._database.transaction() as connection:
            await mark_answered(connection, receipt.id)

    async def forget_older_than(self, before: datetime) -> int:
        """Delete what arrived before ``before``: past any redelivery, answered or given up."""
        async with self._database.transaction() as connection:
            result = await connection.execute(platform_inbox.delete().where(platform_inbox.c.received_at < before))
        return int(result.rowcount or 0)
