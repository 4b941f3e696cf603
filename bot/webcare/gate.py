"""What the router asks of webcare: is a colleague on this conversation? And
telling the inbox, in every gateway process, what changed."""

from __future__ import annotations

import contextlib
import logging
from typing import AsyncIterator, Optional

from bot.contract import CONTROL_INTENTS, HandoffReason
from bot.events import EventBus
from bot.locks import ConversationLocks, Held
from bot.webcare.handoffs import Handoff, HandoffStore

logger = logging.getLogger(__name__)
INBOX_TOPIC = "inbox"


def topic_of(recent_intents: list[str]) -> Optional[str]:
    """The newest intent that names a subject; None when the citizen named none
    (the inbox then shows why the conversation came, its reason)."""
    return next((intent for intent in recent_intents if intent not in CONTROL_INTENTS), None)


class HandoffGate:
    def __init__(self, handoffs: HandoffStore, bus: EventBus, locks: ConversationLocks) -> None:
        self.handoffs = handoffs
        self.bus = bus
        self.locks = locks

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[Held]:
        """One turn at a time: a citizen's message, or a colleague handing back."""
        async with self.locks.hold(conversation_id) as held:
            yield held

    async def with_colleague(self, conversation_id: str) -> bool:
        return await self.handoffs.is_open(conversation_id)

    async def active(self, conversation_id: str) -> Optional[Handoff]:
        return await self.handoffs.active(conversation_id)

    async def open(self, conversation_id: str, reason: Optional[str], topic: Optional[str]) -> Handoff:
        if reason is not None and reason not in HandoffReason.ALL:
            logger.warning("unknown hand-off reason %r from the engine, stored as %r", reason, HandoffReason.BOT)
        handoff = await self.handoffs.open(conversation_id, HandoffReason.parse(reason), topic)
        await self.queue_changed()
        return handoff

    async def queue_changed(self) -> None:
        await self.bus.publish(INBOX_TOPIC, {"type": "queue"})

    async def conversation_changed(self, conversation_id: str) -> None:
        await self.bus.publish(INBOX_TOPIC, {"type": "conversation", "conversation_id": conversation_id})
