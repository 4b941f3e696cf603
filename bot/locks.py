"""One turn at a time per conversation, across the gateway's processes.

A citizen's message and a colleague's hand-back must not interleave: the
message is either the colleague's to read or the bot's to answer, never both
or neither. In one process an asyncio lock does; with Redis, a Redis lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator, Optional

import redis.asyncio as aioredis

LOCK_SECONDS = 60  # longer than any turn (the engine times out first)


class ConversationLocks:
    def __init__(self, redis: Optional[aioredis.Redis] = None) -> None:
        self._redis = redis
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, conversation_id: str) -> AsyncIterator[None]:
        if self._redis is not None:
            async with self._redis.lock(
                f"dorpspomp:conversation-lock:{conversation_id}",
                timeout=LOCK_SECONDS,
                blocking_timeout=LOCK_SECONDS,
            ):
                yield
            return
        lock, users = self._local.get(conversation_id, (asyncio.Lock(), 0))
        self._local[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._local[conversation_id]
            if users == 1:
                del self._local[conversation_id]
            else:
                self._local[conversation_id] = (lock, users - 1)
