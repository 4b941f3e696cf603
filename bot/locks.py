"""One turn at a time per conversation, across the gateway's processes.

A citizen's message and a colleague's hand-back must not interleave: the
message is either the colleague's to read or the bot's to answer, never both
or neither. In one process an asyncio lock does; with Redis, a Redis lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import AsyncIterator, Awaitable, Callable, Optional

import redis.asyncio as aioredis

from bot.background import repeat, running

# A lock lives this long unless its holder renews it (every RENEW_SECONDS while
# the turn runs): a process that dies mid-turn blocks its conversations for
# seconds, not for the length of the longest turn.
LOCK_SECONDS = 10
RENEW_SECONDS = 3
# How long a turn waits for the one before it (the engine times out first).
WAIT_SECONDS = 60


class LockLost(RuntimeError):
    """The turn's lock ran out or vanished (Redis restarted) while it ran:
    another turn of the conversation may have started meanwhile."""


@dataclass(frozen=True)
class Held:
    """A conversation's lock while it is held."""

    owned: Callable[[], Awaitable[bool]]

    async def confirm(self) -> None:
        """Before the turn's outcome goes out: still ours, so turns go out in the order they held it."""
        if not await self.owned():
            raise LockLost("the conversation's lock was lost during the turn")


async def _always() -> bool:
    return True


class ConversationLocks:
    def __init__(self, redis: Optional[aioredis.Redis] = None) -> None:
        self._redis = redis
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[Held]:
        if self._redis is not None:
            shared = self._redis.lock(
                f"dorpspomp:conversation-lock:{conversation_id}", timeout=LOCK_SECONDS, blocking_timeout=WAIT_SECONDS
            )
            async with shared, running(repeat(shared.reacquire, RENEW_SECONDS, "renewing a conversation lock")):
                yield Held(shared.owned)
            return
        lock, users = self._local.get(conversation_id, (asyncio.Lock(), 0))
        self._local[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield Held(_always)
        finally:
            lock, users = self._local[conversation_id]
            if users == 1:
                del self._local[conversation_id]
            else:
                self._local[conversation_id] = (lock, users - 1)
