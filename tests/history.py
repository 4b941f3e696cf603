"""Conversations of the past, written straight into the tables with the times
a test needs (the stores stamp everything with now)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa

from bot.store import Database
from bot.store.tables import conversations, handoffs, messages, reports


@dataclass
class Turn:
    text: str
    intent: Optional[str] = None
    confidence: Optional[float] = None
    reply: Optional[str] = "Antwoord van de bot."
    reply_after: timedelta = timedelta(milliseconds=200)
    data: Optional[dict[str, Any]] = None


@dataclass
class PastConversation:
    channel: str
    started: datetime
    turns: list[Turn]
    sender: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    handoff: Optional[dict[str, Any]] = None  # reason, first reply and resolution after, rating
    report: Optional[dict[str, Any]] = None  # service_code, status, description…


async def write_history(database: Database, past: PastConversation) -> str:
    conversation_id = uuid.uuid4().hex
    at = past.started
    async with database.transaction() as connection:
        await connection.execute(
            conversations.insert().values(id=conversation_id, channel=past.channel, sender=past.sender, created_at=at)
        )
        for turn in past.turns:
            await connection.execute(
                messages.insert().values(
                    conversation_id=conversation_id,
                    direction="in",
                    channel=past.channel,
                    text=turn.text,
                    intent=turn.intent,
                    confidence=turn.confidence,
                    data=turn.data,
                    created_at=at,
                )
            )
            if turn.reply is not None:
                await connection.execute(
                    messages.insert().values(
                        conversation_id=conversation_id,
                        direction="out",
                        channel=past.channel,
                        text=turn.reply,
                        created_at=at + turn.reply_after,
                    )
                )
            at += timedelta(minutes=1)
        if past.handoff is not None:
            h = past.handoff
            await connection.execute(
                handoffs.insert().values(
                    conversation_id=conversation_id,
                    reason=h.get("reason", "human_handoff"),
                    topic=h.get("topic"),
                    state="resolved",
                    open=None,
                    outcome="back_to_bot",
                    satisfaction=h.get("rating"),
                    queued_at=at,
                    assigned_at=at + timedelta(minutes=1),
                    first_reply_at=at + h["first_reply_after"] if "first_reply_after" in h else None,
                    resolved_at=at + h["resolved_after"] if "resolved_after" in h else None,
                )
            )
        if past.report is not None:
            r = past.report
            await connection.execute(
                reports.insert().values(
                    reference=r.get("reference"),
                    conversation_id=conversation_id,
                    channel=past.channel,
                    service_code=r.get("service_code", "wegen/bestrating"),
                    description=r.get("description", "losse tegel"),
                    address=r.get("address", "Kerkstraat 12"),
                    latitude=52.1,
                    longitude=5.1,
                    media=r.get("media", []),
                    contact_email=r.get("contact_email"),
                    status=r.get("status", "open"),
                    forward_state="kept",
                    created_at=past.started,
                    updated_at=past.started,
                )
            )
    return conversation_id


async def contents(database: Database, conversation_id: str) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            sa.select(messages.c.text).where(messages.c.conversation_id == conversation_id).order_by(messages.c.id)
        )
        return [row.text for row in rows]
