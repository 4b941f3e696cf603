"""Deliveries in SQL: rendered platform messages, committed with their outbox job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store.database import Database, inserted_id
from bot.store.inbox import mark_answered
from bot.store.outbox import enqueue
from bot.store.tables import deliveries

DELIVER_JOB = "delivery.send"
PENDING, SENT, FAILED = "pending", "sent", "failed"


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
        now = utcnow()
        async with self._database.transaction() as connection:
            if answering is not None and not await mark_answered(connection, answering):
                return None
            result = await connection.execute(
                deliveries.insert().values(
                    conversation_id=conversation_id,
                    channel=channel,
                    items=items,
                    sent=0,
                    state=PENDING,
                    created_at=now,
                    updated_at=now,
                )
            )
            delivery_id = inserted_id(result)
            await enqueue(connection, DELIVER_JOB, str(delivery_id), sequence=conversation_id)
        return delivery_id

    async def get(self, delivery_id: int) -> Optional[Delivery]:
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id))).first()
        return _delivery(row) if row else None

    async def mark_item_sent(self, delivery_id: int, sent: int) -> None:
        await self._update(delivery_id, sent=sent)

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
