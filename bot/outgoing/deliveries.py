"""Deliveries in SQL: rendered platform messages, committed with their outbox job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import utcnow
from bot.store.database import Database, inserted_id
from bot.store.inbox import mark_answered
from bot.store.outbox import enqueue
from bot.store.tables import deliveries, platform_messages

DELIVER_JOB = "delivery.send"
PENDING, SENT, FAILED = "pending", "sent", "failed"
# What a platform reports of a message it took, in the order they happen.
PLATFORM_STATUSES = ("sent", "delivered", "read", "failed")


@dataclass(frozen=True)
class Delivery:
    id: int
    conversation_id: str
    channel: str
    items: list[dict[str, Any]]
    sent: int
    state: str
    last_error: Optional[str]
    created_at: datetime

    @property
    def unsent(self) -> list[dict[str, Any]]:
        return self.items[self.sent :]


def _delivery(row: sa.engine.Row) -> Delivery:
    return Delivery(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        items=list(row.items),
        sent=row.sent,
        state=row.state,
        last_error=row.last_error,
        created_at=row.created_at,
    )


async def _insert(
    connection: AsyncConnection,
    conversation_id: str,
    channel: str,
    items: list[dict[str, Any]],
    state: str,
    last_error: Optional[str] = None,
) -> int:
    now = utcnow()
    result = await connection.execute(
        deliveries.insert().values(
            conversation_id=conversation_id,
            channel=channel,
            items=items,
            sent=0,
            state=state,
            last_error=last_error,
            created_at=now,
            updated_at=now,
        )
    )
    return inserted_id(result)


class DeliveryStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(
        self, conversation_id: str, channel: str, items: list[dict[str, Any]], answering: Optional[int] = None
    ) -> Optional[int]:
        """Store the items and queue their sending, in one transaction; with the
        kept message they answer (a receipt id of bot/store/inbox.py) marked
        answered in it. None, and nothing queued, when that message was answered
        already (two processes answered it): the citizen gets one answer."""
        async with self._database.transaction() as connection:
            if answering is not None and not await mark_answered(connection, answering):
                return None
            delivery_id = await _insert(connection, conversation_id, channel, items, PENDING)
            await enqueue(connection, DELIVER_JOB, str(delivery_id), sequence=conversation_id)
        return delivery_id

    async def hold_back(self, conversation_id: str, channel: str, items: list[dict[str, Any]], reason: str) -> int:
        """Keep items the platform would not take now, failed with ``reason``:
        nothing is queued; the inbox shows them and a person may retry."""
        async with self._database.transaction() as connection:
            return await _insert(connection, conversation_id, channel, items, FAILED, reason)

    async def get(self, delivery_id: int) -> Optional[Delivery]:
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id))).first()
        return _delivery(row) if row else None

    async def mark_item_sent(self, delivery: Delivery, sent: int, platform_id: Optional[str] = None) -> None:
        """``sent`` items of ``delivery`` are out; the last has ``platform_id`` on its platform."""
        now = utcnow()
        async with self._database.transaction() as connection:
            await connection.execute(
                deliveries.update().where(deliveries.c.id == delivery.id).values(sent=sent, updated_at=now)
            )
            if platform_id:
                await connection.execute(
                    platform_messages.insert().values(
                        channel=delivery.channel,
                        platform_id=platform_id[:255],
                        delivery_id=delivery.id,
                        conversation_id=delivery.conversation_id,
                        status="sent",
                        updated_at=now,
                    )
                )

    async def platform_status(self, channel: str, platform_id: str, status: str, error: Optional[str]) -> bool:
        """Record what the platform reports of a message it took; a failure
        marks its delivery failed. False for a message we did not send (or
        a report older than the one recorded: reports may arrive out of order)."""
        if status not in PLATFORM_STATUSES:
            return False
        async with self._database.transaction() as connection:
            row = (
                await connection.execute(
                    sa.select(platform_messages.c.delivery_id, platform_messages.c.status).where(
                        platform_messages.c.channel == channel, platform_messages.c.platform_id == platform_id
                    )
                )
            ).first()
            if row is None or PLATFORM_STATUSES.index(status) <= PLATFORM_STATUSES.index(row.status):
                return False
            now = utcnow()
            await connection.execute(
                platform_messages.update()
                .where(platform_messages.c.channel == channel, platform_messages.c.platform_id == platform_id)
                .values(status=status, error=error, updated_at=now)
            )
            if status == "failed":
                await connection.execute(
                    deliveries.update()
                    .where(deliveries.c.id == row.delivery_id)
                    .values(state=FAILED, last_error=(error or "the platform reports it failed")[:2000], updated_at=now)
                )
        return True

    async def failed_for(self, conversation_id: str) -> list[Delivery]:
        """A conversation's deliveries that did not reach the citizen, oldest first."""
        async with self._database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.select(deliveries)
                    .where(deliveries.c.conversation_id == conversation_id, deliveries.c.state == FAILED)
                    .order_by(deliveries.c.id)
                )
            ).all()
        return [_delivery(row) for row in rows]

    async def mark_sent(self, delivery_id: int) -> None:
        await self._update(delivery_id, state=SENT, last_error=None)

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        await self._update(delivery_id, state=FAILED, last_error=error[:2000])

    async def note_error(self, delivery_id: int, error: str) -> None:
        await self._update(delivery_id, last_error=error[:2000])

    async def failed(self, limit: int = 100) -> list[Delivery]:
        """Deliveries a platform refused for good, newest first: for a person to look at."""
        async with self._database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.select(deliveries)
                    .where(deliveries.c.state == FAILED)
                    .order_by(deliveries.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [_delivery(row) for row in rows]

    async def retry(self, delivery_id: int) -> bool:
        """Queue a failed delivery once more (after the cause was fixed)."""
        async with self._database.transaction() as connection:
            updated = await connection.execute(
                deliveries.update()
                .where(deliveries.c.id == delivery_id, deliveries.c.state == FAILED)
                .values(state=PENDING, updated_at=utcnow())
            )
            if updated.rowcount == 1:
                conversation_id = await connection.scalar(
                    sa.select(deliveries.c.conversation_id).where(deliveries.c.id == delivery_id)
                )
                await enqueue(connection, DELIVER_JOB, str(delivery_id), sequence=conversation_id)
        return updated.rowcount == 1

    async def _update(self, delivery_id: int, **values: Any) -> None:
        async with self._database.transaction() as connection:
            await connection.execute(
                deliveries.update().where(deliveries.c.id == delivery_id).values(updated_at=utcnow(), **values)
            )
