"""Hand-offs in SQL: the state machine bot → queued → assigned → resolved → bot.

Every change is one conditional UPDATE, so of two colleagues who claim the same
conversation at the same moment exactly one wins, whichever process each is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import utcnow
from bot.store.database import Database
from bot.store.tables import conversations, handoffs, messages, staff

QUEUED, ASSIGNED, RESOLVED = "queued", "assigned", "resolved"
BACK_TO_BOT, CLOSED = "back_to_bot", "closed"


class NewCitizenMessage(Exception):
    """The citizen wrote after the colleague last looked: read it before closing."""


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    reason: str
    topic: Optional[str]
    state: str
    staff_id: Optional[int]
    staff_initials: Optional[str]
    queued_at: datetime
    assigned_at: Optional[datetime]
    resolved_at: Optional[datetime]
    outcome: Optional[str]
    channel: str


def _select() -> sa.sql.Select:
    return sa.select(
        handoffs,
        conversations.c.channel,
        staff.c.initials.label("staff_initials"),
    ).select_from(
        handoffs.join(conversations, conversations.c.id == handoffs.c.conversation_id).outerjoin(
            staff, staff.c.id == handoffs.c.staff_id
        )
    )


def _handoff(row: sa.engine.Row) -> Handoff:
    m = row._mapping
    return Handoff(
        id=m["id"],
        conversation_id=m["conversation_id"],
        reason=m["reason"],
        topic=m["topic"],
        state=m["state"],
        staff_id=m["staff_id"],
        staff_initials=m["staff_initials"],
        queued_at=m["queued_at"],
        assigned_at=m["assigned_at"],
        resolved_at=m["resolved_at"],
        outcome=m["outcome"],
        channel=m["channel"],
    )


class HandoffStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def _one(self, where: sa.sql.ColumnElement) -> Optional[Handoff]:
        async with self._database.engine.connect() as connection:
            row = (await connection.execute(_select().where(where))).first()
        return _handoff(row) if row else None

    async def _many(self, query: sa.sql.Select) -> list[Handoff]:
        async with self._database.engine.connect() as connection:
            return [_handoff(row) for row in (await connection.execute(query)).all()]

    async def open(self, conversation_id: str, reason: str, topic: Optional[str]) -> Handoff:
        """Queue the conversation for a colleague; the open hand-off if there is one."""
        try:
            async with self._database.transaction() as connection:
                await connection.execute(
                    handoffs.insert().values(
                        conversation_id=conversation_id,
                        reason=reason,
                        topic=topic,
                        state=QUEUED,
                        open=True,
                        queued_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass  # already with a colleague: the unique (conversation, open) says so
        handoff = await self.active(conversation_id)
        assert handoff is not None
        return handoff

    async def is_open(self, conversation_id: str) -> bool:
        """Whether a colleague has (or is about to get) the conversation: the
        router asks on every message, so one indexed look-up, no joins."""
        async with self._database.engine.connect() as connection:
            found = await connection.scalar(
                sa.select(handoffs.c.id).where(handoffs.c.conversation_id == conversation_id, handoffs.c.open.is_(True))
            )
        return found is not None

    async def active(self, conversation_id: str) -> Optional[Handoff]:
        return await self._one(sa.and_(handoffs.c.conversation_id == conversation_id, handoffs.c.open.is_(True)))

    async def latest(self, conversation_id: str) -> Optional[Handoff]:
        newest = await self._many(
            _select().where(handoffs.c.conversation_id == conversation_id).order_by(handoffs.c.id.desc()).limit(1)
        )
        return newest[0] if newest else None

    async def waiting(self) -> list[Handoff]:
        """Queued conversations, the longest waiting first."""
        return await self._many(_select().where(handoffs.c.state == QUEUED).order_by(handoffs.c.queued_at))

    async def assigned(self) -> list[Handoff]:
        return await self._many(_select().where(handoffs.c.state == ASSIGNED).order_by(handoffs.c.assigned_at))

    async def recently_resolved(self, hours: int = 24, limit: int = 30) -> list[Handoff]:
        since = utcnow() - timedelta(hours=hours)
        return await self._many(
            _select()
            .where(handoffs.c.state == RESOLVED, handoffs.c.resolved_at >= since)
            .order_by(handoffs.c.resolved_at.desc())
            .limit(limit)
        )

    async def _update(self, where: sa.sql.ColumnElement, **values: object) -> bool:
        async with self._database.transaction() as connection:
            result = await connection.execute(handoffs.update().where(where).values(**values))
        return result.rowcount == 1

    async def claim(self, handoff_id: int, staff_id: int) -> bool:
        """True for the one colleague who got it; False when someone was first."""
        return await self._update(
            sa.and_(handoffs.c.id == handoff_id, handoffs.c.state == QUEUED),
            state=ASSIGNED,
            staff_id=staff_id,
            assigned_at=utcnow(),
        )

    async def transfer(self, handoff_id: int, from_staff_id: int, to_staff_id: int) -> bool:
        return await self._update(
            sa.and_(
                handoffs.c.id == handoff_id,
                handoffs.c.state == ASSIGNED,
                handoffs.c.staff_id == from_staff_id,
            ),
            staff_id=to_staff_id,
            assigned_at=utcnow(),
        )

    async def replied(self, handoff_id: int) -> None:
        await self._update(
            sa.and_(handoffs.c.id == handoff_id, handoffs.c.first_reply_at.is_(None)),
            first_reply_at=utcnow(),
        )

    async def resolve(self, handoff_id: int, staff_id: int, outcome: str, last_seen_message_id: int) -> bool:
        """Close the hand-off the colleague owns, unless the citizen wrote since
        ``last_seen_message_id`` (then :class:`NewCitizenMessage`)."""
        async with self._database.transaction() as connection:
            conversation_id = await connection.scalar(
                sa.select(handoffs.c.conversation_id).where(handoffs.c.id == handoff_id)
            )
            newest = await connection.scalar(
                sa.select(sa.func.max(messages.c.id)).where(
                    messages.c.conversation_id == conversation_id, messages.c.direction == "in"
                )
            )
            if newest is not None and newest > last_seen_message_id:
                raise NewCitizenMessage(conversation_id)
            result = await connection.execute(
                handoffs.update()
                .where(
                    handoffs.c.id == handoff_id,
                    handoffs.c.state == ASSIGNED,
                    handoffs.c.staff_id == staff_id,
                )
                .values(state=RESOLVED, open=None, outcome=outcome, resolved_at=utcnow())
            )
        return result.rowcount == 1

    async def rate(self, conversation_id: str, rating: int) -> bool:
        """The citizen's 1–5 for the newest hand-off handed back to the bot, once."""
        async with self._database.engine.connect() as connection:
            newest = await connection.scalar(
                sa.select(sa.func.max(handoffs.c.id)).where(
                    handoffs.c.conversation_id == conversation_id,
                    handoffs.c.outcome == BACK_TO_BOT,
                )
            )
        if newest is None:
            return False
        return await self._update(
            sa.and_(handoffs.c.id == newest, handoffs.c.satisfaction.is_(None)), satisfaction=rating
        )
