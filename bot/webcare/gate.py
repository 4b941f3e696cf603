"""What the router asks of webcare: is a colleague on this conversation? And
telling the inbox, in every gateway process, what changed."""
from __future__ import annotations

import contextlib
from typing import AsyncIterator, Optional

from bot.events import EventBus
from bot.locks import ConversationLocks
from bot.webcare.handoffs import REASONS, Handoff, HandoffStore

INBOX_TOPIC = "inbox"
# Intents that say nothing about what a conversation is about.
CONTROL_INTENTS = frozenset(
    {
        "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "human_handoff",
        "nlu_fallback", "inform", "cancel", "rate_service",
    }
)


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
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        """One turn at a time: a citizen's message, or a colleague handing back."""
        async with self.locks.hold(conversation_id):
            yield

    async def with_colleague(self, conversation_id: str) -> bool:
        return await self.handoffs.is_open(conversation_id)

    async def active(self, conversation_id: str) -> Optional[Handoff]:
        return await self.handoffs.active(conversation_id)

    async def open(self, conversation_id: str, reason: Optional[str], topic: Optional[str]) -> Handoff:
        handoff = await self.handoffs.open(conversation_id, reason if reason in REASONS else "bot", topic)
        await self.queue_changed()
        return handoff

    async def queue_changed(self) -> None:
        await self.bus.publish(INBOX_TOPIC, {"type": "queue"})

    async def conversation_changed(self, conversation_id: str) -> None:
        await self.bus.publish(INBOX_TOPIC, {"type": "conversation", "conversation_id": conversation_id})
